"""Unpaid timeout: orders still waiting for payment after their channel's
``unpaid_timeout_minutes`` are cancelled (their reserved stock goes back).

The cancel goes through ``order_cancel`` with ``expected_status=pending_payment``: a payment that
arrives between the query and the cancel wins (the cancel is refused and the order left alone).
A timeout of 0 turns the rule off for that channel. The age is counted from the platform's order
time (``placed_at``), else from when we took the order in.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.models import Channel
from orders.models import Order
from orders.services import OrderActionRefused, order_cancel
from orders.states import OrderStatus

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class UnpaidResult:
    cancelled: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # paid (or otherwise moved) meanwhile


def unpaid_overdue(*, channel: Channel, now=None):
    """Orders of ``channel`` waiting for payment longer than its timeout."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=channel.unpaid_timeout_minutes)
    return Order.objects.filter(channel=channel, status=OrderStatus.PENDING_PAYMENT).filter(
        Q(placed_at__lt=cutoff) | Q(placed_at__isnull=True, created_at__lt=cutoff)
    )


def cancel_unpaid_orders(*, now=None) -> UnpaidResult:
    """Cancel every overdue unpaid order on every channel with a timeout (the ``cancel_unpaid`` task)."""
    result = UnpaidResult()
    for channel in Channel.objects.filter(unpaid_timeout_minutes__gt=0):
        note = _("超过 %(minutes)s 分钟未付款，自动取消") % {"minutes": channel.unpaid_timeout_minutes}
        for order_id, number in unpaid_overdue(channel=channel, now=now).order_by("id").values_list("id", "number")[:BATCH]:
            try:
                order_cancel(order=order_id, expected_status=OrderStatus.PENDING_PAYMENT, note=note)
            except OrderActionRefused as exc:
                log.info("unpaid timeout: %s left alone: %s", number, exc.message)
                result.left.append(number)
                continue
            result.cancelled.append(number)
    return result
