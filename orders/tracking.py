"""What the public "where is my order" page (``/track/``) reads: the order a number and a phone
tail name, and its story in plain words. Nothing here writes.

Privacy: the page is public, so it only ever shows the masked name and phone, the province, city
and district (never the street), the items and the parcel's carrier and waybill. A look-up
answers only when the number (ours or the platform's) and the last four digits of the phone both
match; anything else is "not found", whichever part was wrong.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from core.masking import mask_phone
from orders.events import EventAction
from orders.models import Order, OrderEvent, OrderSource
from orders.returns_models import ReturnRequest
from orders.states import OrderStatus

NUMBER_LIMIT = 64
_TAIL = re.compile(r"^\d{4}$")

#: How far along an order in each status is (the last step of ``STEPS`` it has done).
_REACHED = {
    OrderStatus.PENDING_PAYMENT: 0,
    OrderStatus.PENDING_REVIEW: 0,
    OrderStatus.READY: 1,
    OrderStatus.PICKING: 1,
    OrderStatus.PACKED: 3,
    OrderStatus.SHIPPED: 4,
    OrderStatus.DELIVERED: 5,
    OrderStatus.COMPLETED: 5,
}
#: (event that completes the step, label) in the order a parcel goes through them. Picking ends
#: when the order is packed, so both steps take the pack's time.
STEPS = (
    (EventAction.CREATED, _("已接单")),
    (EventAction.APPROVE, _("已审核")),
    (EventAction.PACK, _("已拣货")),
    (EventAction.PACK, _("已打包")),
    (EventAction.SHIP, _("已发货")),
    (EventAction.DELIVER, _("已签收")),
)
_PICKING_STEP = 2
#: What a buyer is told about a hold: only holds that wait on them say why.
HOLD_WORDS = {
    "bad_address": _("收货地址不完整，请联系客服补充"),
    "address_change": _("正在处理您的地址修改"),
    "buyer_request": _("按您的要求暂缓发货"),
}


def valid_tail(tail: str) -> bool:
    return bool(_TAIL.match(tail or ""))


def phone_tail(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:] if len(digits) >= 4 else ""


def order_lookup(*, number: str, tail: str) -> Order | None:
    """The order whose number (ours, or a platform's) is ``number`` and whose phone ends in
    ``tail``; None otherwise (unknown number and wrong tail alike)."""
    number = (number or "").strip()
    if not number or len(number) > NUMBER_LIMIT or not valid_tail(tail):
        return None
    candidates = list(Order.objects.filter(number=number).select_related("channel"))
    if not candidates:
        ids = OrderSource.objects.filter(external_id=number).values_list("order_id", flat=True)
        candidates = list(Order.objects.filter(pk__in=list(ids)).select_related("channel").order_by("-id"))
    for order in candidates:
        if phone_tail(order.phone) == tail:
            return order
    return None


def mask_name(name: str) -> str:
    name = (name or "").strip()
    return f"{name[0]}{'*' * min(max(len(name) - 1, 1), 3)}" if name else ""


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    current: bool
    at: datetime | None
    detail: str = ""


@dataclass(frozen=True)
class PublicOrder:
    """Everything the public page shows of one order, and nothing more."""

    order: Order
    number: str
    status: str
    name: str
    phone: str
    region: str
    lines: list[tuple[str, int]]
    steps: list[Step]
    notice: str
    carrier: str
    tracking_number: str
    returns: list[ReturnRequest]


def _reached(order: Order, events: list[OrderEvent]) -> int:
    if order.status == OrderStatus.ON_HOLD:
        held_from = next((e.from_status for e in reversed(events) if e.action == EventAction.HOLD), "")
        return _REACHED.get(held_from, 0)
    return _REACHED.get(order.status, 0)


def timeline(order: Order, events: list[OrderEvent]) -> list[Step]:
    first: dict[str, OrderEvent] = {}
    for event in events:
        first.setdefault(event.action, event)
    reached = _reached(order, events)
    moving = order.status not in (OrderStatus.CANCELLED, OrderStatus.ON_HOLD)
    steps = []
    for index, (action, label) in enumerate(STEPS):
        event = first.get(action)
        at = event.at if event is not None and index <= reached else None
        if index == 0:
            at = order.placed_at or order.created_at
        detail = ""
        if action == EventAction.SHIP and index <= reached and order.tracking_number:
            detail = f"{order.carrier} {order.tracking_number}"
        if index == _PICKING_STEP and order.status == OrderStatus.PICKING:
            detail = str(_("仓库正在拣货"))
        current = moving and (index == reached + 1 if order.status == OrderStatus.PICKING else index == reached)
        steps.append(Step(str(label), index <= reached, current, at, detail))
    return steps


def notice_for(order: Order) -> str:
    if order.status == OrderStatus.CANCELLED:
        return str(_("订单已取消"))
    if order.status == OrderStatus.MERGED:
        return str(_("此订单已与您的其他订单合并发货，请用合并后的订单号查询"))
    if order.status == OrderStatus.PENDING_PAYMENT:
        return str(_("订单待付款"))
    if order.status == OrderStatus.ON_HOLD:
        return str(HOLD_WORDS.get(order.hold_reason, _("订单正在备货或核对中，请耐心等待")))
    return ""


def public_order(order: Order) -> PublicOrder:
    # A long-finished order's log may be in the archive (``orders.services.archive``): ids keep the order.
    events = [*order.archived_events.order_by("id"), *order.events.order_by("id")]
    return PublicOrder(
        order=order,
        number=order.number,
        status=order.get_status_display(),
        name=mask_name(order.recipient_name),
        phone=mask_phone(order.phone),
        region="".join(part for part in (order.province, order.city, order.district) if part),
        lines=[(line.title or line.sku_code, line.quantity) for line in order.lines.all()],
        steps=timeline(order, events),
        notice=notice_for(order),
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        returns=list(order.returns.prefetch_related("lines").order_by("id")),
    )
