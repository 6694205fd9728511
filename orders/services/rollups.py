"""Keeping the dashboard's roll-ups current (``DailyStat``, ``FloorDayStat``, ``AnalyticsSnapshot``).

``dashboard_refresh`` rebuilds the rows of a range of local days from the orders, the ship events
and the after-sales requests, with a handful of grouped queries over indexed columns (placed
time, event action and time, request time), and replaces those days' rows in one transaction:
running it twice gives the same rows. The worker runs it every few minutes for today and
yesterday, and for the whole dashboard window (``WINDOW_DAYS``) once an hour, since an order
placed last week can still be cancelled, or returned, today. ``analytics_refresh`` (hourly)
computes what spans long periods: the repeat-customer share, the top repeat customers and the
items most often bought together.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, Max, OuterRef, Q, Sum
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from core.masking import mask_phone
from orders.escalation import shipped_on_time
from orders.events import EventAction
from orders.flow_models import FlowSettings
from orders.models import Customer, Order, OrderEvent, OrderLine
from orders.returns_models import ERROR_REASONS, ReturnRequest, ReturnStatus
from orders.states import OrderStatus
from orders.stats_models import AnalyticsSnapshot, DailyStat, FloorDayStat

WINDOW_DAYS = 31
RECENT_DAYS = 2
FULL_EVERY = timedelta(hours=1)
FULL_MARK = "rollup_full"
ANALYTICS = "analytics"
PAIR_DAYS = 90
TOP = 10
FLOOR_ACTIONS = (EventAction.START_PICKING, EventAction.PACK, EventAction.SHIP)


def local_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now()).date()


def day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """[midnight of ``first``, midnight after ``last``), local time."""
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), datetime.min.time()))
    return start, end


def _local_day(field: str):
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


def dashboard_refresh(*, first: date, last: date) -> int:
    """Rebuild the roll-up rows of the local days ``first``..``last``. Returns how many were written."""
    start, end = day_range(first, last)
    tz = timezone.get_current_timezone()
    rows: dict[tuple[date, int], DailyStat] = {}

    def row(day, channel_id) -> DailyStat:
        key = (day, channel_id)
        if key not in rows:
            rows[key] = DailyStat(day=day, channel_id=channel_id, placed_hours=[0] * 24)
        return rows[key]

    placed = (
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        .annotate(day=_local_day("placed_at"), hour=ExtractHour("placed_at", tzinfo=tz))
        .order_by()
        .values("day", "channel_id", "hour")
        .annotate(n=Count("id"), cancelled=Count("id", filter=Q(status=OrderStatus.CANCELLED)))
    )
    for found in placed:
        stat = row(found["day"], found["channel_id"])
        stat.placed += found["n"]
        stat.cancelled += found["cancelled"]
        stat.placed_hours[found["hour"]] += found["n"]
    earlier = Order.objects.filter(customer_id=OuterRef("customer_id"), placed_at__lt=OuterRef("placed_at"))
    repeat = (
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end, customer__isnull=False)
        .filter(Exists(earlier))
        .annotate(day=_local_day("placed_at"))
        .order_by()
        .values("day", "channel_id")
        .annotate(n=Count("id"))
    )
    for found in repeat:
        row(found["day"], found["channel_id"]).repeat_placed = found["n"]
    within = timedelta(hours=FlowSettings.current().ship_within_hours)
    waited = ExpressionWrapper(F("at") - F("order__paid_at"), output_field=DurationField())
    shipped = (
        OrderEvent.objects.filter(action=EventAction.SHIP, at__gte=start, at__lt=end)
        .annotate(day=_local_day("at"), waited=waited)
        .order_by()
        .values("day", "order__channel_id")
        .annotate(
            n=Count("order_id", distinct=True),
            on_time=Count("order_id", distinct=True, filter=shipped_on_time(within)),
            seconds=Sum("waited", filter=Q(order__paid_at__isnull=False)),
        )
    )
    for found in shipped:
        stat = row(found["day"], found["order__channel_id"])
        stat.shipped, stat.shipped_on_time = found["n"], found["on_time"]
        stat.ship_seconds = int(found["seconds"].total_seconds()) if found["seconds"] else 0
    errors = (
        ReturnRequest.objects.filter(created_at__gte=start, created_at__lt=end, reason__in=ERROR_REASONS)
        .exclude(status=ReturnStatus.REFUSED)
        .annotate(day=_local_day("created_at"))
        .order_by()
        .values("day", "order__channel_id")
        .annotate(n=Count("id"))
    )
    for found in errors:
        row(found["day"], found["order__channel_id"]).error_returns = found["n"]
    people = (
        OrderEvent.objects.filter(action__in=FLOOR_ACTIONS, at__gte=start, at__lt=end, actor__isnull=False)
        .annotate(day=_local_day("at"))
        .order_by()
        .values("day")
        .annotate(n=Count("actor_id", distinct=True))
    )
    floor = [FloorDayStat(day=found["day"], people=found["n"]) for found in people]
    with transaction.atomic():
        DailyStat.objects.filter(day__gte=first, day__lte=last).delete()
        FloorDayStat.objects.filter(day__gte=first, day__lte=last).delete()
        DailyStat.objects.bulk_create(rows.values())
        FloorDayStat.objects.bulk_create(floor)
    return len(rows)


def repeat_share(*, start: datetime, end: datetime) -> tuple[int, int]:
    """(customers who ordered in [start, end) and have ordered more than once, customers who ordered then)."""
    customers = Order.objects.filter(placed_at__gte=start, placed_at__lt=end, customer__isnull=False).values(
        "customer_id"
    )
    counted = (
        Order.objects.filter(customer_id__in=customers)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("id"))
        .aggregate(total=Count("customer_id"), repeat=Count("customer_id", filter=Q(n__gte=2)))
    )
    return counted["repeat"] or 0, counted["total"] or 0


def top_repeat_customers(limit: int = TOP) -> list[dict]:
    """The customers with the most orders (two or more), with what they paid and their last order."""
    rows = (
        Order.objects.filter(customer__isnull=False)
        .exclude(status=OrderStatus.CANCELLED)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("id"), paid=Sum("paid_amount"), last=Max("placed_at"))
        .filter(n__gte=2)
        .order_by("-n", "-paid")[:limit]
    )
    rows = list(rows)
    customers = Customer.objects.in_bulk([r["customer_id"] for r in rows])
    return [
        {
            "name": customers[r["customer_id"]].name,
            "phone": mask_phone(customers[r["customer_id"]].phone),
            "orders": r["n"],
            "paid": str((r["paid"] or Decimal("0")).quantize(Decimal("0.01"))),
            "last": timezone.localtime(r["last"]).strftime("%Y-%m-%d") if r["last"] else "",
        }
        for r in rows
    ]


def bought_together(*, since: datetime, limit: int = TOP) -> list[dict]:
    """Pairs of SKUs most often in the same order since ``since``: bundle ideas."""
    line = connection.ops.quote_name(OrderLine._meta.db_table)
    order = connection.ops.quote_name(Order._meta.db_table)
    sql = (
        f"SELECT a.sku_code, b.sku_code, MIN(a.title), MIN(b.title), COUNT(DISTINCT a.order_id) AS n "  # noqa: S608
        f"FROM {line} a JOIN {line} b ON b.order_id = a.order_id AND a.sku_code < b.sku_code "
        f"JOIN {order} o ON o.id = a.order_id "
        "WHERE o.placed_at >= %s AND o.status <> %s "
        "GROUP BY a.sku_code, b.sku_code ORDER BY n DESC, a.sku_code, b.sku_code LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [since, OrderStatus.CANCELLED, limit])
        return [
            {"a": a, "b": b, "a_title": at or "", "b_title": bt or "", "orders": n}
            for a, b, at, bt, n in cursor.fetchall()
        ]


def analytics_refresh(*, now: datetime | None = None) -> AnalyticsSnapshot:
    now = now or timezone.now()
    today = local_today(now)
    shares = {}
    for days in (7, 30):
        start, end = day_range(today - timedelta(days=days - 1), today)
        shares[str(days)] = list(repeat_share(start=start, end=end))
    data = {
        "repeat_share": shares,
        "top_customers": top_repeat_customers(),
        "pairs": bought_together(since=now - timedelta(days=PAIR_DAYS)),
    }
    snapshot, _created = AnalyticsSnapshot.objects.update_or_create(
        name=ANALYTICS, defaults={"data": data, "computed_at": now}
    )
    return snapshot


def dashboard_tick(*, now: datetime | None = None) -> str:
    """One run of the worker: recent days every time; the whole window and the analytics hourly."""
    now = now or timezone.now()
    today = local_today(now)
    mark = AnalyticsSnapshot.objects.filter(name=FULL_MARK).first()
    full = mark is None or now - mark.computed_at >= FULL_EVERY
    first = today - timedelta(days=(WINDOW_DAYS if full else RECENT_DAYS) - 1)
    written = dashboard_refresh(first=first, last=today)
    if full:
        analytics_refresh(now=now)
        AnalyticsSnapshot.objects.update_or_create(name=FULL_MARK, defaults={"data": {}, "computed_at": now})
    return f"days={(today - first).days + 1} rows={written} full={full}"
