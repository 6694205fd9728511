"""Merge (合单): orders of one recipient waiting in the same warehouse become one parcel.

Orders merge when none of them has started picking (all 待审核, or all 待拣货), each fully
reserved in the same warehouse, for the same recipient: the same phone (a platform privacy number
is nobody's, so never) and the same address once spaces and punctuation are ignored. The
channels may differ. The oldest order stays; the others' lines (with their reservations: no stock
moves), platform orders (``OrderSource``: tracking goes back to each) and amounts move to it, and
each of them ends 已合并 (``merge_into``). Both sides get an event. A person merges chosen orders
(``order_merge``); with 自动合单 on, an order just approved joins the recipient's waiting ones
(``order_merge_auto``).
"""

from django.db import transaction
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from orders.events import EventAction, order_event_record
from orders.hooks import floor_holds
from orders.models import Order, OrderLine, OrderSource
from orders.review import normalize_address
from orders.services.errors import OrderActionRefused
from orders.services.lifecycle import _transition, check_note, lock_order
from orders.states import OrderStatus

MERGEABLE = (OrderStatus.PENDING_REVIEW, OrderStatus.READY)
NOTE_LIMIT = Order._meta.get_field("buyer_note").max_length


def recipient_key(order: Order) -> tuple[str, str] | None:
    """(phone, normalized address) of a plain-phone recipient; None for a privacy number."""
    if order.phone_privacy or not order.phone:
        return None
    return order.phone, normalize_address(order.province + order.city + order.district + order.street)


def _refusal(orders: list[Order]) -> str:
    """Why these (locked) orders cannot be merged, or ""."""
    first = orders[0]
    for order in orders:
        if order.status not in MERGEABLE:
            return _("订单 %(number)s 当前状态为「%(status)s」，只有待审核或待拣货的订单可以合单") % {
                "number": order.number, "status": order.get_status_display(),
            }
    if len({order.status for order in orders}) > 1:
        return _("订单状态不同（待审核和待拣货不能合并），请先审核")
    key = recipient_key(first)
    if key is None or any(recipient_key(order) != key for order in orders):
        return _("收件人不同（手机或地址不一致，或是平台隐私号），不能合单")
    if first.warehouse_id is None or any(order.warehouse_id != first.warehouse_id for order in orders):
        return _("订单不在同一个发货仓，不能合单")
    if len({order.currency for order in orders}) > 1:
        return _("订单币种不同，不能合单")
    for order in orders:
        if any(line.ships and line.reserved_quantity != line.quantity for line in order.lines.all()):
            return _("订单 %(number)s 库存未完全占用，不能合单") % {"number": order.number}
    held = floor_holds([order.pk for order in orders])
    if held:
        pk, why = next(iter(held.items()))
        number = next(order.number for order in orders if order.pk == pk)
        return _("订单 %(number)s 不能合单：%(why)s") % {"number": number, "why": why}
    return ""


def order_merge(*, orders: list, into: Order | int | None = None, actor=None, note: str = "") -> Order:
    """Merge ``orders`` (ids or orders, at least two) into ``into`` (one of them; default the
    oldest); see the module. Locks every order row in pk order. Refused, with nothing changed,
    when they may not merge."""
    check_note(note)
    ids = sorted({order.pk if isinstance(order, Order) else int(order) for order in orders})
    if len(ids) < 2:
        raise OrderActionRefused(_("请至少选择两个订单合单"), code="too_few")
    target = ids[0] if into is None else (into.pk if isinstance(into, Order) else int(into))
    if target not in ids:
        raise OrderActionRefused(_("合并到的订单必须是所选订单之一"), code="bad_target")
    with transaction.atomic():
        locked = list(Order.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        if len(locked) != len(ids):
            raise OrderActionRefused(_("有订单不存在"), code="not_found")
        problem = _refusal(locked)
        if problem:
            raise OrderActionRefused(problem, code="not_mergeable")
        survivor = next(order for order in locked if order.pk == target)
        return _merge(survivor, [order for order in locked if order.pk != target], actor=actor, note=note)


def _merge(survivor: Order, others: list[Order], *, actor, note: str) -> Order:
    numbers = [order.number for order in others]
    moved_sources = list(OrderSource.objects.filter(order__in=others).values_list("external_id", flat=True))
    for other in others:
        survivor.goods_amount += other.goods_amount
        survivor.shipping_fee += other.shipping_fee
        survivor.discount_amount += other.discount_amount
        survivor.paid_amount += other.paid_amount
        survivor.priority = max(survivor.priority, other.priority)
        if other.promised_ship_at and (not survivor.promised_ship_at or other.promised_ship_at < survivor.promised_ship_at):
            survivor.promised_ship_at = other.promised_ship_at
        for name in ("buyer_note", "seller_note"):
            mine, theirs = getattr(survivor, name), getattr(other, name)
            if theirs and theirs not in mine:
                setattr(survivor, name, Truncator(" / ".join(p for p in (mine, theirs) if p)).chars(NOTE_LIMIT))
    OrderLine.objects.filter(order__in=others).update(order=survivor)
    OrderSource.objects.filter(order__in=others).update(order=survivor)
    survivor.save(update_fields=[
        "goods_amount", "shipping_fee", "discount_amount", "paid_amount", "priority", "promised_ship_at",
        "buyer_note", "seller_note", "updated_at",
    ])
    for other in others:
        _transition(
            other, EventAction.MERGE_INTO, actor=actor, note=note or _("已并入 %(number)s") % {"number": survivor.number},
            data={"into": survivor.number, "into_id": survivor.pk},
        )
    order_event_record(
        order=survivor, action=EventAction.MERGE, actor=actor,
        note=note or _("合并了 %(numbers)s") % {"numbers": "、".join(numbers)},
        data={"merged": numbers, "sources": moved_sources},
    )
    return survivor


def order_merge_auto(*, order: Order | int) -> Order:
    """自动合单: merge a just-approved order (待拣货) with the recipient's other orders waiting in
    the same warehouse, if any (see the module). Returns the order they all went into, or the
    order unchanged when there is nothing to merge with or one of them may not merge now."""
    with transaction.atomic():
        locked = lock_order(order)
        key = recipient_key(locked)
        if key is None or locked.status != OrderStatus.READY or locked.warehouse_id is None:
            return locked
        mates = [
            mate for mate in Order.objects.filter(
                status=OrderStatus.READY, warehouse_id=locked.warehouse_id, phone=locked.phone, phone_privacy=""
            ).exclude(pk=locked.pk).order_by("pk")
            if recipient_key(mate) == key
        ]
        held = floor_holds([mate.pk for mate in mates])
        ids = [mate.pk for mate in mates if mate.pk not in held]
        if not ids:
            return locked
        group = list(Order.objects.select_for_update().filter(pk__in=[*ids, locked.pk]).order_by("pk"))
        if _refusal(group):
            return locked
        return _merge(group[0], group[1:], actor=None, note=_("自动合单：同一收件人、同一发货仓"))
