"""``order_change_lines``: change what an order buys while nobody has reviewed it yet.

A group-buy leader corrects a household's quantities until the cutoff; ops may do the same for an
order still waiting for payment or review. Later (approved, picking…) the goods are the floor's
and a change is a cancellation or an exception, never an edit.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from orders.drafts import MAX_LINES, MAX_MONEY, DraftLine, line_errors
from orders.events import EventAction, order_event_record
from orders.models import Order, OrderLine
from orders.services.allocation import resolve_skus
from orders.services.errors import OrderActionRefused
from orders.services.lifecycle import (
    _release_reservation,
    _reserve,
    _StillHeld,
    check_note,
    lock_order,
    order_hold,
    order_release_hold,
)
from orders.states import SYSTEM_HOLDS, HoldReason, OrderStatus

#: Statuses in which the goods of an order may still change.
EDITABLE = (OrderStatus.PENDING_PAYMENT, OrderStatus.PENDING_REVIEW, OrderStatus.ON_HOLD)
#: Holds an edit may clear: the ones the system set from the goods, the stock or the address.
EDITABLE_HOLDS = SYSTEM_HOLDS | {HoldReason.BAD_ADDRESS}


def order_change_lines(
    *,
    order: Order | int,
    lines: Sequence[DraftLine],
    actor=None,
    expected_status: str | None = None,
    note: str = "",
) -> Order:
    """Replace the order's lines with ``lines`` (sku code, quantity, unit price, title).

    Refused before anything is written: malformed lines, an unknown or inactive SKU, an order past
    review (or cancelled), one held by a person (their hold stands). Otherwise, in one transaction
    that locks the order row, then its stock rows in pk order: the old reservation is given back,
    the lines and the amounts replaced, a ``change_lines`` event written, and the new lines are
    reserved in one warehouse (for a station order, the station's) through the one
    reserve-or-hold path. An order that can no longer be reserved is held with the reason; a held
    one that now can be is released. Returns the order as it is now."""
    check_note(note)
    lines = list(lines)
    if not lines:
        raise OrderActionRefused(_("订单至少要有一行商品"), code="invalid_lines")
    if len(lines) > MAX_LINES:
        raise OrderActionRefused(_("一张订单最多 %(n)d 行") % {"n": MAX_LINES}, code="invalid_lines")
    errors = line_errors(lines)
    if errors:
        raise OrderActionRefused("；".join(errors.values()), code="invalid_lines")
    skus = resolve_skus(line.sku_code for line in lines)
    unknown = sorted({line.sku_code for line in lines if line.sku_code not in skus})
    if unknown:
        raise OrderActionRefused(
            _("SKU 编码不存在或已停用：%(codes)s") % {"codes": "、".join(unknown)}, code="unknown_sku"
        )
    goods = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    if goods > MAX_MONEY:
        raise OrderActionRefused(
            _("订单金额合计 %(amount)s 超过上限 %(max)s") % {"amount": goods, "max": MAX_MONEY}, code="invalid_lines"
        )
    with transaction.atomic():
        locked = lock_order(order, expected_status)
        _check_editable(locked)
        before = [_summary(line.sku_code, line.quantity, line.unit_price) for line in locked.lines.all()]
        _release_reservation(locked, actor)
        locked.lines.all().delete()
        OrderLine.objects.bulk_create(
            OrderLine(
                order=locked,
                sku=skus[line.sku_code],
                sku_code=line.sku_code,
                title=line.title or skus[line.sku_code].name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                gift=line.gift,
            )
            for line in lines
        )
        locked.goods_amount = goods
        locked.paid_amount = min(max(goods + locked.shipping_fee - locked.discount_amount, Decimal("0")), MAX_MONEY)
        locked.warehouse_id = None
        locked.save(update_fields=["goods_amount", "paid_amount", "warehouse", "updated_at"])
        order_event_record(
            order=locked,
            action=EventAction.CHANGE_LINES,
            actor=actor,
            note=note,
            data={"before": before, "after": [_summary(ln.sku_code, ln.quantity, ln.unit_price) for ln in lines]},
        )
        return _reserve_again(locked, actor)


def _check_editable(order: Order) -> None:
    if order.status not in EDITABLE:
        raise OrderActionRefused(
            _("订单 %(number)s 当前状态为「%(status)s」，不能再修改商品")
            % {"number": order.number, "status": order.get_status_display()},
            code="lines_locked",
        )
    if order.status == OrderStatus.ON_HOLD and order.hold_reason not in EDITABLE_HOLDS:
        raise OrderActionRefused(
            _("订单 %(number)s 已被人工挂起（%(reason)s），请先联系客服")
            % {"number": order.number, "reason": order.get_hold_reason_display()},
            code="held_by_person",
        )


def _reserve_again(order: Order, actor) -> Order:
    """Reserve the new lines: a held order through the release (it stays held with the new reason
    if it still cannot be reserved), any other through the reservation, held if it fails."""
    if order.status == OrderStatus.ON_HOLD:
        return order_release_hold(
            order=order, actor=actor, keep_held=True, note=_("修改商品后库存已占用，自动解除挂起")
        )
    try:
        extra = _reserve(order, actor)
    except _StillHeld as still:
        return order_hold(order=order, actor=actor, reason=still.hold.reason, note=still.hold.note)
    if extra:
        order.save(update_fields=["warehouse", "updated_at"])
    return order


def _summary(code: str, quantity: int, price) -> dict:
    return {"sku": code, "quantity": quantity, "unit_price": str(price)}
