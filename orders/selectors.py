"""Read helpers for orders: find one by any of its numbers, list with filters, read its event log,
find the orders waiting on something. Nothing here writes."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Count, F, Max, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from core.masking import normalize_phone
from core.sql import slices
from inventory.models import StockLevel
from orders.events import EventAction
from orders.models import Order, OrderEvent, OrderEventArchive, OrderLine, OrderSource, channel_model
from orders.states import GiftKind, HoldReason, OrderStatus

#: The parts of an address a platform sends and a carrier needs (name and phone aside).
ADDRESS_PARTS = ("province", "city", "district", "street")


class AmbiguousOrderNumber(Exception):
    """A platform order number used by several channels for different orders."""

    def __init__(self, number: str, choices: list[dict[str, str]]):
        super().__init__(number)
        self.number = number
        #: ``[{"channel": "tb-main", "number": "SO..."}, ...]``
        self.choices = choices


def order_queryset(*, with_events: bool = False) -> QuerySet[Order]:
    """Orders with channel, warehouse, lines and sources (and events) in a constant number of queries."""
    queryset = Order.objects.select_related("channel", "warehouse").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("warehouse").order_by("id")),
        Prefetch("sources", queryset=OrderSource.objects.select_related("channel").order_by("id")),
    )
    if with_events:
        queryset = queryset.prefetch_related(
            Prefetch("events", queryset=OrderEvent.objects.order_by("id")),
            Prefetch("archived_events", queryset=OrderEventArchive.objects.order_by("id")),
        )
    return queryset


def order_get(*, pk: int) -> Order:
    """One order with everything the API shows of it."""
    return order_queryset(with_events=True).get(pk=pk)


def order_find(*, number: str, channel: str | None = None) -> Order | None:
    """The order an internal number or a platform order number refers to, or None.

    The internal number is tried first (it is unique). A platform number is unique only per
    channel: ``channel`` (a channel code) narrows it, and if it still names several orders this
    raises ``AmbiguousOrderNumber`` listing them.
    """
    number = (number or "").strip()
    if not number:
        return None
    queryset = order_queryset(with_events=True)
    order = queryset.filter(number=number).first()
    if order is not None:
        return order
    sources = OrderSource.objects.filter(external_id=number).select_related("channel", "order").order_by("id")
    if channel:
        sources = sources.filter(channel__code=channel)
    sources = list(sources)
    order_ids = {source.order_id for source in sources}
    if not order_ids:
        return None
    if len(order_ids) > 1:
        raise AmbiguousOrderNumber(
            number, [{"channel": source.channel.code, "number": source.order.number} for source in sources]
        )
    return queryset.get(pk=order_ids.pop())


def order_list(
    *,
    status: str | None = None,
    channel: str | None = None,
    warehouse: str | None = None,
    phone: str | None = None,
    created_since: datetime | None = None,
    updated_since: datetime | None = None,
) -> QuerySet[Order]:
    """Orders matching every filter given (channel and warehouse by code, phone exact), newest first."""
    queryset = order_queryset()
    if status:
        queryset = queryset.filter(status=status)
    if channel:
        queryset = queryset.filter(channel__code=channel)
    if warehouse:
        queryset = queryset.filter(warehouse__code=warehouse)
    if phone:
        queryset = queryset.filter(phone=normalize_phone(phone))
    if created_since:
        queryset = queryset.filter(created_at__gte=created_since)
    if updated_since:
        queryset = queryset.filter(updated_at__gte=updated_since)
    return queryset.order_by("-id")


# ---- the event log ----


def platform_address(order: Order) -> dict[str, str]:
    """The address the platform last sent for this order: the order's own address unless a person
    has changed it since (then the address before the person's first change, or after the
    platform's latest change). A platform message repeating it must not undo the person's edit."""
    events = list(
        OrderEvent.objects.filter(order=order, action=EventAction.CHANGE_ADDRESS)
        .order_by("id")
        .values("actor_id", "data")
    )
    if all(event["actor_id"] is None for event in events):
        return {part: getattr(order, part) for part in ADDRESS_PARTS}
    by_platform = [event for event in events if event["actor_id"] is None]
    known = by_platform[-1]["data"]["after"] if by_platform else events[0]["data"]["before"]
    return {part: known.get(part, "") for part in ADDRESS_PARTS}


def exception_flagged_before(order: Order, reason: str, **data) -> bool:
    """Whether ``order`` was flagged with this exception ``reason`` (and these event data) before."""
    events = OrderEvent.objects.filter(order=order, action=EventAction.FLAG_EXCEPTION, data__reason=reason)
    for key, value in data.items():
        events = events.filter(**{f"data__{key}": value})
    return events.exists()


def latest_exception_data(order: Order) -> dict:
    """The data of the order's latest exception flag ({} without one)."""
    data = (
        OrderEvent.objects.filter(order=order, action=EventAction.FLAG_EXCEPTION)
        .order_by("-id")
        .values_list("data", flat=True)
        .first()
    )
    return data if isinstance(data, dict) else {}


def last_event_id() -> int:
    """The newest event's id (0 without events): where a new reader of the outbox starts."""
    return OrderEvent.objects.aggregate(m=Max("id"))["m"] or 0


def events_after(*, after: int, action: str, limit: int) -> list[dict]:
    """The first ``limit`` events of ``action`` after id ``after``, oldest first:
    ``{"id", "order_id", "data"}`` (a reader of the outbox, see ``channels.services.writeback``)."""
    return list(
        OrderEvent.objects.filter(id__gt=after, action=action).order_by("id").values("id", "order_id", "data")[:limit]
    )


def settled_event_id(*, after: int, before: datetime) -> int:
    """The newest event id after ``after`` written before ``before`` (else ``after``): a reader's
    cursor stops there, since an event with a smaller id may still be committing."""
    return OrderEvent.objects.filter(id__gt=after, at__lt=before).aggregate(m=Max("id"))["m"] or after


# ---- orders waiting on something ----


def orders_waiting_on_codes(*, channel_id: int, codes) -> list[int]:
    """Ids of this shop's orders on hold as "unknown SKU" with a line still carrying one of ``codes``."""
    return sorted(
        OrderLine.objects.filter(
            order__channel_id=channel_id,
            order__status=OrderStatus.ON_HOLD,
            order__hold_reason=HoldReason.UNKNOWN_SKU,
            sku__isnull=True,
            sku_code__in=list(codes),
        )
        .exclude(gift=GiftKind.NOT_SHIPPED)
        .values_list("order_id", flat=True)
        .distinct()
    )


def waiting_on_code_by_channel(code: str) -> dict[int, dict[str, int]]:
    """For each shop with orders on hold as "unknown SKU" waiting on platform ``code``: channel id
    -> ``{"orders", "units"}`` (the offer to map the code in the other shops too)."""
    rows = (
        OrderLine.objects.filter(
            order__status=OrderStatus.ON_HOLD,
            order__hold_reason=HoldReason.UNKNOWN_SKU,
            sku__isnull=True,
            sku_code=code,
        )
        .exclude(gift=GiftKind.NOT_SHIPPED)
        .order_by()
        .values("order__channel_id")
        .annotate(orders=Count("order_id", distinct=True), units=Sum("quantity"))
    )
    return {row["order__channel_id"]: {"orders": row["orders"], "units": row["units"]} for row in rows}


def restock_candidates(*, sku_ids, after: tuple[datetime, int] | None = None) -> list[tuple[int, datetime, dict]]:
    """Orders held out of stock with a line of one of ``sku_ids``, oldest first by the time they
    have waited since (paid, else placed, else taken in), after ``after`` (that time, order id):
    ``[(order id, since, {sku id: units})]`` with every linked line of each order."""
    waiting = OrderLine.objects.filter(
        order__status=OrderStatus.ON_HOLD, order__hold_reason=HoldReason.OUT_OF_STOCK, sku_id__in=list(sku_ids)
    ).values("order_id")
    orders = Order.objects.filter(pk__in=waiting).annotate(
        since=Coalesce("paid_at", "placed_at", "created_at")
    )
    if after is not None:
        orders = orders.filter(Q(since__gt=after[0]) | Q(since=after[0], pk__gt=after[1]))
    found = list(orders.order_by("since", "pk").values_list("pk", "since"))
    needs: dict[int, dict[int, int]] = {pk: {} for pk, _since in found}
    for order_id, sku_id, qty in OrderLine.objects.filter(order_id__in=list(needs), sku__isnull=False).values_list(
        "order_id", "sku_id", "quantity"
    ):
        needs[order_id][sku_id] = needs[order_id].get(sku_id, 0) + qty
    return [(pk, since, needs[pk]) for pk, since in found]


def units_free(*, sku_ids) -> dict[int, int]:
    """Units free (on hand less reserved) per SKU, in all active warehouses together."""
    rows = (
        StockLevel.objects.filter(sku_id__in=list(sku_ids), warehouse__active=True)
        .order_by()
        .values("sku_id")
        .annotate(free=Sum(F("on_hand") - F("reserved")))
    )
    return {row["sku_id"]: row["free"] for row in rows}


def orders_waiting_for_payment(*, channel_id: int, placed_before: datetime, limit: int) -> list[tuple[int, str]]:
    """(id, number) of this shop's orders still waiting for payment that were placed before
    ``placed_before`` (by the platform's order time, else by when we took them in), oldest first."""
    return list(
        Order.objects.filter(channel_id=channel_id, status=OrderStatus.PENDING_PAYMENT)
        .filter(Q(placed_at__lt=placed_before) | Q(placed_at__isnull=True, created_at__lt=placed_before))
        .order_by("id")
        .values_list("id", "number")[:limit]
    )


def unlinked_codes(*, order_id: int) -> list[str]:
    """The codes of an order's lines not linked to one of our SKUs yet."""
    return list(
        OrderLine.objects.filter(order_id=order_id, sku__isnull=True)
        .exclude(gift=GiftKind.NOT_SHIPPED)
        .values_list("sku_code", flat=True)
    )


# ---- the dedup lookup: platform orders taken in already ----


@dataclass
class Taken:
    """A channel (by code) and which of the platform orders asked about it has taken in already."""

    channel_id: int
    active: bool
    #: external id -> (order id, order number)
    orders: dict[str, tuple[int, str]] = field(default_factory=dict)


def taken_statement(channel: str, external_ids: list[str]) -> tuple[str, list]:
    """The dedup lookup, written once: one row per platform order of ``external_ids`` the channel
    (by code) has taken in, ``(channel id, active, external id, order id, number)``, or a single
    row with the last three empty when it has none of them; no row when the channel does not
    exist. The intake sends it in the same round trip as its other reads (``order_intake``), and
    the numbering draws no number when it says "taken" (``untaken_condition``).

    Raw SQL: the intake sends it in a pipeline and reads it later, and the (raw) numbering
    statement nests it as its condition."""
    quote = connection.ops.quote_name
    channels, sources, orders = (
        quote(model._meta.db_table) for model in (channel_model(), OrderSource, Order)
    )
    ids = ", ".join(["%s"] * len(external_ids))
    # Only quoted table names and placeholders are interpolated; the code and ids are parameters.
    sql = (
        f"SELECT c.id, c.active, s.external_id, s.order_id, o.number FROM {channels} c "  # noqa: S608
        f"LEFT JOIN {sources} s ON s.channel_id = c.id AND s.external_id IN ({ids}) AND NOT s.split_copy "
        f"LEFT JOIN {orders} o ON o.id = s.order_id WHERE c.code = %s"
    )
    return sql, [*external_ids, channel]


def taken_from_rows(rows) -> Taken | None:
    """``taken_statement``'s rows as a ``Taken`` (None: no such channel)."""
    taken = None
    for channel_id, active, external_id, order_id, number in rows:
        taken = taken or Taken(channel_id=channel_id, active=bool(active))
        if order_id is not None:
            taken.orders[external_id] = (order_id, number)
    return taken


def taken_orders(*, channel: str, external_ids) -> Taken | None:
    """Run the dedup lookup for a channel code (None: no such channel), in slices under the
    database's parameter limit."""
    taken = None
    with connection.cursor() as cursor:
        for part in slices(sorted(set(external_ids)) or [""], params_each=1, params_fixed=1):
            cursor.execute(*taken_statement(channel, part))
            found = taken_from_rows(cursor.fetchall())
            if found is None:
                return None
            if taken is None:
                taken = found
            else:
                taken.orders.update(found.orders)
    return taken


def untaken_condition(channel: str, external_id: str) -> tuple[str, list]:
    """A SQL condition that holds when the channel exists, is active and has not taken this
    platform order in yet (the dedup lookup, for a statement that must do nothing otherwise)."""
    sql, params = taken_statement(channel, [external_id])
    # The lookup's own SQL (parameters only) is interpolated.
    return f"EXISTS (SELECT 1 FROM ({sql}) d WHERE d.active AND d.order_id IS NULL)", params  # noqa: S608


def active_channel_codes(codes) -> set[str]:
    """Which of these channel codes name an active channel."""
    return set(channel_model().objects.filter(code__in=set(codes), active=True).values_list("code", flat=True))


def order_statuses(*, ids) -> dict[int, tuple[str, str, str]]:
    """Each order's (number, status, hold reason) by id, in one query."""
    return {pk: (number, status, hold) for pk, number, status, hold in Order.objects.filter(pk__in=set(ids)).values_list(
        "id", "number", "status", "hold_reason"
    )}
