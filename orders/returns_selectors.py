"""Reads about after-sales for other rules (nothing here writes).

``returns_per_phone`` is what a frequent-returner rule asks (issue 13's review rule and SLA sweep
count the ``refund`` events, which a recorded after-sales refund writes too): per buyer phone, the
orders with an after-sales request that was not refused, or a refund, in the last ``days``.
"""

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from orders.events import EventAction
from orders.models import Order
from orders.privacy import PhonePrivacy
from orders.returns_models import ReturnStatus


def returns_per_phone(*, phones, days: int = 30, now: datetime | None = None) -> dict[str, int]:
    """phone -> orders returned or refunded in the last ``days`` (phones with none are left out;
    platform privacy numbers are nobody's and never count)."""
    since = (now or timezone.now()) - timedelta(days=days)
    wanted = [phone for phone in set(phones) if phone]
    if not wanted:
        return {}
    returned = Q(returns__created_at__gte=since) & ~Q(returns__status=ReturnStatus.REFUSED)
    refunded = Q(events__action=EventAction.REFUND, events__at__gte=since)
    rows = (
        Order.objects.filter(phone__in=wanted, phone_privacy=PhonePrivacy.PLAIN)
        .filter(returned | refunded)
        .values_list("phone", "id")
        .distinct()
    )
    counts: dict[str, int] = {}
    for phone, _order in rows:
        counts[phone] = counts.get(phone, 0) + 1
    return counts


def exchange_orders(order_ids) -> set[int]:
    """Which of ``order_ids`` are exchange orders an after-sales request created: the platform never
    sold them (their external id is our return number), so nobody there is told about them."""
    from orders.returns_models import ReturnRequest

    return set(
        ReturnRequest.objects.filter(exchange_order_id__in=list(order_ids)).values_list("exchange_order_id", flat=True)
    )
