"""Every change to an order goes through one of these functions."""

from orders.services.changes import (
    order_change_address,
    order_clear_exception,
    order_flag_exception,
    order_relink_skus,
    order_report_short,
)
from orders.services.errors import OrderActionRefused
from orders.services.intake import IntakeResult, PreparedIntake, order_intake, order_intake_prepare
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
    order_stop_picking,
)
from orders.services.lines import order_change_lines
from orders.services.merge import order_merge, order_merge_auto
from orders.services.reroute import order_reroute
from orders.services.review import order_review
from orders.services.split import order_split, order_split_by_stock

__all__ = [
    "IntakeResult",
    "OrderActionRefused",
    "PreparedIntake",
    "order_approve",
    "order_cancel",
    "order_change_address",
    "order_change_lines",
    "order_clear_exception",
    "order_flag_exception",
    "order_complete",
    "order_deliver",
    "order_hold",
    "order_intake",
    "order_intake_prepare",
    "order_mark_paid",
    "order_merge",
    "order_merge_auto",
    "order_reroute",
    "order_review",
    "order_split",
    "order_split_by_stock",
    "order_pack",
    "order_relink_skus",
    "order_release_hold",
    "order_ship",
    "order_report_short",
    "order_start_picking",
    "order_stop_picking",
]
