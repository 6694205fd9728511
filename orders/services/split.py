"""Split (拆单): chosen lines of an order become a new order (new number, the same platform
orders), e.g. to ship what is in stock now; and the routing's split of an order no single
warehouse can take, when its shop allows split shipments.

The new order copies the recipient, shop, times and status of the original; each platform order
it came from gets a copy of its ``OrderSource`` (``split_copy``), so the write-back sends each
platform order every waybill. The moved lines keep their reservations (no stock moves); the goods
amount follows the lines and the paid amount is shared in proportion (shipping fee and discount
stay with the original). Both orders get a ``split`` event. Only before picking starts, and only
for a shop that allows split shipments (``ChannelPolicy.allow_split``).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from orders.events import EventAction, order_event_record
from orders.flow_reads import read_config, read_routing
from orders.models import Order, OrderLine, OrderSource
from orders.numbering import next_order_number
from orders.services.allocation import needs_by_sku, resolve_skus
from orders.services.errors import OrderActionRefused
from orders.services.lifecycle import check_note, lock_order, order_release_hold
from orders.services.reroute import refuse_unless_before_picking
from orders.services.reservation import LiveStock
from orders.services.routing import sku_facts, split_plan
from orders.states import SPLIT_MAY_HELP, OrderStatus

#: Fields the new order takes over from the original.
COPIED = (
    "channel_id", "customer_id", "recipient_name", "phone", "phone_privacy", "phone_extension", "province", "city",
    "district", "street", "buyer_note", "seller_note", "priority", "currency", "placed_at", "paid_at",
    "promised_ship_at", "warehouse_id", "hold_reason", "hold_note",
)
CENT = Decimal("0.01")


def order_split(*, order: Order | int, line_ids: list[int], actor=None, note: str = "", retry: bool = True) -> Order:
    """Move ``line_ids`` of ``order`` into a new order; returns the new order (see the module).
    Locks the order row. A held order's parts are then each tried again through the one
    reserve-or-hold path (``retry``): the part in stock is released, the rest stays held."""
    check_note(note)
    wanted = {int(pk) for pk in line_ids}
    number = next_order_number()  # drawn outside the transaction, as the intake does (a gap if refused)
    with transaction.atomic():
        locked = lock_order(order)
        refuse_unless_before_picking(locked, _("拆单"))
        if not read_config(channel_id=locked.channel_id).allow_split:
            raise OrderActionRefused(
                _("渠道「%(channel)s」不允许拆单发货（可在渠道履约规则里打开）") % {"channel": locked.channel},
                code="split_not_allowed",
            )
        lines = list(locked.lines.order_by("pk"))
        moving = [line for line in lines if line.pk in wanted]
        if not wanted or len(moving) != len(wanted):
            raise OrderActionRefused(_("请选择这张订单上要拆出的商品行"), code="bad_lines")
        if len(moving) == len(lines):
            raise OrderActionRefused(_("不能拆出全部商品行：至少留一行在原订单"), code="bad_lines")
        new = _split(locked, moving, number=number, actor=actor, note=note)
    if retry and locked.status == OrderStatus.ON_HOLD and locked.hold_reason in SPLIT_MAY_HELP:
        for part in (locked.pk, new.pk):
            order_release_hold(order=part, actor=actor, note=_("拆单后重新占用库存"), keep_held=True)
        new.refresh_from_db()
    return new


def _split(original: Order, moving: list[OrderLine], *, number: str, actor, note: str) -> Order:
    goods = sum((line.line_total for line in moving), Decimal("0"))
    share = Decimal("0")
    if original.goods_amount > 0:
        share = (original.paid_amount * goods / original.goods_amount).quantize(CENT, rounding=ROUND_HALF_UP)
        share = min(share, original.paid_amount)
    new = Order(number=number, status=original.status, goods_amount=goods, paid_amount=share,
                **{name: getattr(original, name) for name in COPIED})
    new.save(force_insert=True)
    OrderLine.objects.filter(pk__in=[line.pk for line in moving]).update(order=new)
    sources = list(OrderSource.objects.filter(order=original))
    OrderSource.objects.bulk_create([
        OrderSource(order=new, channel_id=s.channel_id, external_id=s.external_id, buyer_nick=s.buyer_nick,
                    import_job_id=s.import_job_id, split_copy=True)
        for s in sources
    ])
    original.goods_amount -= goods
    original.paid_amount -= share
    original.save(update_fields=["goods_amount", "paid_amount", "updated_at"])
    codes = [line.sku_code for line in moving]
    order_event_record(
        order=original, action=EventAction.SPLIT, actor=actor,
        note=note or _("拆出 %(number)s：%(codes)s") % {"number": new.number, "codes": "、".join(codes)},
        data={"to": new.number, "to_id": new.pk, "lines": codes},
    )
    order_event_record(
        order=new, action=EventAction.SPLIT, actor=actor, from_status="",
        note=note or _("由 %(number)s 拆出") % {"number": original.number},
        data={"from": original.number, "from_id": original.pk, "lines": codes},
    )
    return new


def order_split_by_stock(*, order: Order | int, actor=None) -> Order:
    """The routing's split: an order held because no single warehouse can take it (out of stock, or
    its categories never ship from one warehouse together), but several together can
    (``routing.split_plan``), is split into one order per warehouse and
    each part reserved. Returns the original order as it is then (unchanged when no split helps)."""
    original = Order.objects.get(pk=order.pk if isinstance(order, Order) else order)
    if original.status != OrderStatus.ON_HOLD or original.hold_reason not in SPLIT_MAY_HELP:
        return original
    lines = [line for line in original.lines.order_by("pk") if line.ships and line.sku_code]
    skus = resolve_skus(line.sku_code for line in lines)
    if not lines or any(line.sku_code not in skus for line in lines):
        return original
    needs = needs_by_sku(lines, skus)
    plan = split_plan(
        needs=needs, province=original.province, rows=LiveStock(reference=original.number).rows_for(needs),
        skus=sku_facts(skus.values()), rules=read_routing(),
    )
    if not plan or len(plan) < 2:
        return original
    parts = [original.pk]
    for _warehouse, sku_ids in plan[1:]:
        part = [line.pk for line in lines if skus[line.sku_code].pk in sku_ids]
        new = order_split(order=original.pk, line_ids=part, actor=actor, note=_("分仓拆单：没有一个仓库能整单发货"), retry=False)
        parts.append(new.pk)
    for pk in parts:
        order_release_hold(order=pk, actor=actor, note=_("分仓拆单后占用库存"), keep_held=True)
    return Order.objects.get(pk=original.pk)
