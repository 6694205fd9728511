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

from django.utils import timezone
from django.utils.translation import gettext as _

from channels.models import Channel
from orders.selectors import orders_waiting_for_payment
from orders.services import OrderActionRefused, order_cancel
from orders.states import OrderStatus

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class UnpaidResult:
    cancelled: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # paid (or otherwise moved) meanwhile


def cancel_unpaid_orders(*, now=None) -> UnpaidResult:
    """Cancel every overdue unpaid order on every channel with a timeout (the ``cancel_unpaid`` task)."""
    result = UnpaidResult()
    for channel in Channel.objects.filter(unpaid_timeout_minutes__gt=0):
        note = _("超过 %(minutes)s 分钟未付款，自动取消") % {"minutes": channel.unpaid_timeout_minutes}
        cutoff = (now or timezone.now()) - timedelta(minutes=channel.unpaid_timeout_minutes)
        for order_id, number in orders_waiting_for_payment(channel_id=channel.pk, placed_before=cutoff, limit=BATCH):
            try:
                order_cancel(order=order_id, expected_status=OrderStatus.PENDING_PAYMENT, note=note)
            except OrderActionRefused as exc:
                log.info("unpaid timeout: %s left alone: %s", number, exc.message)
                result.left.append(number)
                continue
            result.cancelled.append(number)
    return result
