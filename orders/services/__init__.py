"""Every change to an order goes through one of these functions."""

from orders.services.errors import OrderActionRefused
from orders.services.intake import IntakeResult, order_intake
from orders.services.lifecycle import (
    order_approve,
    order_cancel,
    order_complete,
    order_deliver,
    order_hold,
    order_mark_paid,
    order_pack,
    order_release_hold,
    order_ship,
    order_start_picking,
)

__all__ = [
    "IntakeResult",
    "OrderActionRefused",
    "order_approve",
    "order_cancel",
    "order_complete",
    "order_deliver",
    "order_hold",
    "order_intake",
    "order_mark_paid",
    "order_pack",
    "order_release_hold",
    "order_ship",
    "order_start_picking",
]
