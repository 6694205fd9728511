"""Platform news about an order we already have: what it changes, or whom it alerts.

A platform keeps telling us about its orders (webhooks, polling, imports): paid, address changed,
refunded, cancelled. ``order_apply_platform_news`` is the policy. Before packing, a changed address
is applied and a cancellation or refund cancels the order; once packed or shipped, either becomes
an exception on the order for a person (flagged once per change, so a repeated message flags
nothing new). Each change goes through the order's own service, so it locks, checks and logs as
any other. The channels app reads the news from a payload and records what came of it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from core.masking import mask_street
from orders.drafts import Recipient
from orders.events import EventAction, order_event_record
from orders.models import Order
from orders.selectors import ADDRESS_PARTS, exception_flagged_before, platform_address
from orders.services.changes import order_change_address, order_flag_exception
from orders.services.errors import OrderActionRefused
from orders.services.lifecycle import order_cancel, order_mark_paid
from orders.states import BEFORE_PACKING, PACKED_OR_LATER, ExceptionReason, OrderStatus, PlatformStatus

#: Platform statuses that close the order (the buyer will not receive it).
CLOSED = (PlatformStatus.CANCELLED, PlatformStatus.REFUNDING)


@dataclass(frozen=True)
class PlatformNews:
    """What a platform says now about one of its orders."""

    #: A ``PlatformStatus`` value.
    status: str
    recipient: Recipient
    paid_at: datetime | None = None


@dataclass(frozen=True)
class NewsOutcome:
    """What the news did: ``changed`` the order (or flagged it for a person), or nothing, and why."""

    order: Order
    changed: bool
    #: Why nothing changed (refusals, "already up to date"); empty when something did.
    note: str = ""


def order_apply_platform_news(*, order: Order, news: PlatformNews) -> NewsOutcome:
    """Bring ``order`` up to date with ``news``: its address first, then its status (paid; or
    cancelled / refunding). Each step is its own service call; a refused step is reported in the
    note and the others still apply."""
    changed = False
    notes: list[str] = []
    order, address_changed, note = _apply_address(order, news.recipient)
    changed |= address_changed
    if note:
        notes.append(note)
    waiting_for_payment = order.status == OrderStatus.PENDING_PAYMENT or (
        order.status == OrderStatus.ON_HOLD and not order.is_paid
    )
    if news.status == PlatformStatus.PAID and waiting_for_payment:
        try:
            order = order_mark_paid(order=order, paid_at=news.paid_at, note=_("平台通知已付款"))
        except OrderActionRefused as exc:
            notes.append(exc.message)
        else:
            changed = True
    elif news.status in CLOSED:
        closed = order_close_for_platform(order=order, status=news.status)
        order, changed = closed.order, changed or closed.changed
        if closed.note:
            notes.append(closed.note)
    if changed:
        return NewsOutcome(order=order, changed=True)
    return NewsOutcome(order=order, changed=False, note="；".join(str(n) for n in notes) or _("订单已是最新状态"))


def order_close_for_platform(*, order: Order, status: str) -> NewsOutcome:
    """The platform closed the order (``status``: cancelled or refunding): cancel it before packing;
    once packed or shipped flag the late refund or cancellation for a person, once. A paid order
    closed so is a refund (or a return): a ``refund`` event, which the frequent-returns rules count."""
    label = PlatformStatus.LABELS.get(status, status)
    note = _("平台通知：%(status)s") % {"status": label}
    if order.status in PACKED_OR_LATER:
        if exception_flagged_before(order, ExceptionReason.LATE_REFUND):
            return NewsOutcome(order=order, changed=False, note=_("已标记过异常"))
        with transaction.atomic():
            order = order_flag_exception(order=order, reason=ExceptionReason.LATE_REFUND, note=note)
            _record_refund(order, status)
        return NewsOutcome(order=order, changed=True)
    if order.status == OrderStatus.CANCELLED:
        return NewsOutcome(order=order, changed=False, note=_("订单已取消"))
    try:
        with transaction.atomic():
            order = order_cancel(order=order, note=note)
            _record_refund(order, status)
    except OrderActionRefused as exc:
        return NewsOutcome(order=order, changed=False, note=exc.message)
    return NewsOutcome(order=order, changed=True)


def _record_refund(order: Order, status: str) -> None:
    if order.is_paid:
        order_event_record(order=order, action=EventAction.REFUND, note=PlatformStatus.LABELS.get(status, status),
                           data={"platform_status": status})


def _apply_address(order: Order, recipient: Recipient) -> tuple[Order, bool, str]:
    """(order, changed, note): the platform's address when it differs from what it said before."""
    new = {part: (getattr(recipient, part) or "").strip() for part in ADDRESS_PARTS}
    if not new["province"] or not new["street"]:
        return order, False, ""  # the message carries no usable address: nothing to compare
    known = platform_address(order)
    if all(new[part] == (known[part] or "").strip() for part in ADDRESS_PARTS):
        return order, False, ""  # what the platform said before (a person may have changed it since)
    if order.status in BEFORE_PACKING:
        address = dict(new)
        # Masked names and phones (privacy-protected platforms) never overwrite real ones.
        if recipient.name and "*" not in recipient.name:
            address["recipient_name"] = recipient.name
        if recipient.phone and "*" not in recipient.phone:
            address["phone"] = recipient.phone
        try:
            order = order_change_address(order=order, address=address, note=_("平台通知：买家修改了收货地址"))
        except OrderActionRefused as exc:
            return order, False, exc.message
        return order, True, ""
    if order.status in PACKED_OR_LATER:
        text = " ".join(new[part] for part in ADDRESS_PARTS if new[part])
        if exception_flagged_before(order, ExceptionReason.LATE_ADDRESS_CHANGE, address=text):
            return order, False, ""
        order = order_flag_exception(
            order=order,
            reason=ExceptionReason.LATE_ADDRESS_CHANGE,
            # The note is read by ops, who see streets masked; the full address is in the event's data.
            note=_("买家改地址为：%(address)s")
            % {"address": " ".join(mask_street(new[p]) if p == "street" else new[p] for p in ADDRESS_PARTS if new[p])},
            data={"address": text},
        )
        return order, True, ""
    return order, False, _("订单已取消，不再修改地址")
