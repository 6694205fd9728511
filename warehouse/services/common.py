"""What every floor service shares: the warehouse check, request ids, recording scans.

A refused scan must be kept (it counts against accuracy) while nothing else changes, so the
services build the refusal inside their transaction with ``refuse`` (which writes the record)
and *return* it; ``recorded`` commits and then raises it.
"""

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.utils.translation import gettext as _

from core.sql import insert
from orders.models import Order
from orders.states import OrderStatus
from warehouse.models import ScanRecord
from warehouse.selectors import may_work_in
from warehouse.services.errors import FloorRefused
from warehouse.services.scan_rows import scan_by_request_id

T = TypeVar("T")
MESSAGE_LIMIT = ScanRecord._meta.get_field("message").max_length
CODE_LIMIT = ScanRecord._meta.get_field("code").max_length
REQUEST_ID_LIMIT = ScanRecord._meta.get_field("request_id").max_length


def check_access(actor, warehouse_id: int | None) -> None:
    """Refuse an actor who does not work in the warehouse (checked on every floor action)."""
    if actor is None:
        raise FloorRefused(_("请先登录"), code="login_required")
    if not may_work_in(actor, warehouse_id):
        raise FloorRefused(_("你不在该仓库作业，不能查看或操作"), code="not_your_warehouse")


def clean_request_id(request_id: str) -> str:
    request_id = (request_id or "").strip()
    if len(request_id) > REQUEST_ID_LIMIT:
        raise FloorRefused(_("请求编号过长"), code="bad_request_id")
    return request_id


def prior(request_id: str, actor) -> ScanRecord | None:
    """The record an earlier request with this id left (a re-sent request), if any."""
    if not request_id:
        return None
    found = scan_by_request_id(request_id)
    if found is not None and found.actor_id != actor.pk:
        raise FloorRefused(_("请求编号已被他人使用"), code="bad_request_id")
    return found


def replay_refusal(record: ScanRecord) -> FloorRefused:
    return FloorRefused(record.message, code=record.reason or "refused", record=record)


def record(*, step: str, actor, ok: bool = True, request_id: str = "", code: str = "", **fields) -> ScanRecord:
    """Write one scan record: one plain INSERT (every scan writes one; the instance keeps no pk)."""
    kept = ScanRecord(step=step, actor=actor, ok=ok, request_id=request_id, code=(code or "")[:CODE_LIMIT], **fields)
    insert([kept])
    return kept


def refuse(message: str, *, reason: str, step: str, actor, request_id: str = "", **fields) -> FloorRefused:
    """Write the refused scan and return the refusal for ``recorded`` to raise after commit."""
    kept = record(
        step=step, actor=actor, ok=False, request_id=request_id, reason=reason, message=message[:MESSAGE_LIMIT],
        **fields,
    )
    return FloorRefused(message, code=reason, record=kept)


def recorded(work: Callable[[], T | FloorRefused]) -> T:
    """Run ``work`` in one transaction; if it returned a refusal, commit its record, then raise it."""
    with transaction.atomic():
        outcome = work()
    if isinstance(outcome, FloorRefused):
        raise outcome
    return outcome


def order_pk(order: Order | int) -> int:
    return order.pk if isinstance(order, Order) else int(order)


def order_refusal(order: Order) -> tuple[str, str]:
    """Why an order that should be in picking is not: (message, reason code)."""
    if order.status == OrderStatus.CANCELLED:
        return _("订单 %(number)s 已取消，请停止作业并放回商品") % {"number": order.number}, "order_cancelled"
    return (
        _("订单 %(number)s 当前状态为「%(status)s」，不能操作")
        % {"number": order.number, "status": order.get_status_display()},
        "order_moved_on",
    )
