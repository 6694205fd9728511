"""Today's numbers for the top of the admin home page: new, to review, on hold, ready to pick,
shipped today and exceptions, in total and per shop, each with the order list filtered to it.

Read-only, three queries whatever the number of orders or shops: the orders that count (placed
today, or in one of the counted states, or with an exception) grouped by shop, today's ship
events grouped by shop, and the shops.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.events import EventAction
from orders.models import Order, OrderEvent, channel_model
from orders.states import OrderStatus

#: (key, label, list filter) of each number, in the order they are shown.
MEASURES = (
    ("new", _("今日下单"), None),
    ("review", _("待审核"), {"status__exact": OrderStatus.PENDING_REVIEW}),
    ("hold", _("异常挂起"), {"status__exact": OrderStatus.ON_HOLD}),
    ("ready", _("待拣货"), {"status__exact": OrderStatus.READY}),
    ("shipped", _("今日发货"), {"shipped": "today"}),
    ("exception", _("异常订单"), {"exception": "yes"}),
)


@dataclass
class Cell:
    key: str
    label: str
    count: int
    url: str

    @property
    def alert(self) -> bool:
        """Orders that wait on a person: shown in red when there are any."""
        return self.key in ("hold", "exception") and self.count > 0


@dataclass
class Row:
    label: str
    cells: list[Cell] = field(default_factory=list)


@dataclass
class TodayNumbers:
    day: datetime
    headings: list[str]
    total: Row
    shops: list[Row]


def day_start(now: datetime | None = None) -> datetime:
    """Midnight today, local time (Asia/Shanghai)."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _filters(key: str, extra: dict | None, start: datetime) -> dict:
    if key == "new":
        # The same parameters as the list's own "today" link (DateFieldListFilter).
        return {"placed_at__gte": str(start), "placed_at__lt": str(start + timedelta(days=1))}
    return dict(extra or {})


def today_numbers(*, now: datetime | None = None) -> TodayNumbers:
    start = day_start(now)
    counted = (OrderStatus.PENDING_REVIEW, OrderStatus.ON_HOLD, OrderStatus.READY)
    conditions = {
        "new": Q(placed_at__gte=start),
        "review": Q(status=OrderStatus.PENDING_REVIEW),
        "hold": Q(status=OrderStatus.ON_HOLD),
        "ready": Q(status=OrderStatus.READY),
        "exception": ~Q(exception_reason=""),
    }
    rows = (
        Order.objects.order_by()
        # ``exception_reason > ''`` rather than ``<> ''``: all three conditions can then be read
        # from their indexes (a bitmap OR) instead of scanning every order.
        .filter(Q(placed_at__gte=start) | Q(status__in=counted) | Q(exception_reason__gt=""))
        .values("channel_id")
        .annotate(**{key: Count("id", filter=condition) for key, condition in conditions.items()})
    )
    by_shop: dict[int, dict[str, int]] = {row["channel_id"]: row for row in rows}
    shipped = (
        OrderEvent.objects.order_by()
        .filter(action=EventAction.SHIP, at__gte=start)
        .values("order__channel_id")
        .annotate(n=Count("order_id", distinct=True))
    )
    for row in shipped:
        by_shop.setdefault(row["order__channel_id"], {})["shipped"] = row["n"]
    base = reverse("admin:orders_order_changelist")

    def cell(key, label, extra, counts, shop_id=None) -> Cell:
        params = _filters(key, extra, start)
        if shop_id is not None:
            params["channel__id__exact"] = shop_id
        return Cell(key, str(label), counts.get(key, 0), f"{base}?{urlencode(params)}")

    totals = {key: sum(counts.get(key, 0) for counts in by_shop.values()) for key, _l, _f in MEASURES}
    shops = [
        Row(str(shop), [cell(*measure, by_shop.get(shop.pk, {}), shop.pk) for measure in MEASURES])
        for shop in channel_model().objects.filter(Q(active=True) | Q(pk__in=list(by_shop))).order_by("code")
    ]
    return TodayNumbers(
        day=start,
        headings=[str(label) for _k, label, _f in MEASURES],
        total=Row(str(_("全部渠道")), [cell(*measure, totals) for measure in MEASURES]),
        shops=shops,
    )
