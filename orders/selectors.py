"""Read helpers for orders: find one by any of its numbers, list with filters. Nothing here writes."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from core.masking import normalize_phone
from orders.models import Order, OrderEvent, OrderLine, OrderSource


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
        queryset = queryset.prefetch_related(Prefetch("events", queryset=OrderEvent.objects.order_by("id")))
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
