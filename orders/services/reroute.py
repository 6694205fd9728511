"""Re-routing: send an order waiting for the floor to the warehouse the routing rule picks now
(after an address change, or when stock arrived somewhere better).

In one transaction, on the locked order: the routing is asked with the order's own reserved
units counted as free where they are; if it still picks the current warehouse nothing changes;
otherwise the reservation is released and the order reserved again through the one
reserve-or-hold path, so the ledger records both and stays balanced. If nothing can take the
order any more, the savepoint is rolled back and the old reservation stays. Refused once picking
has started, or while the floor holds the order (``orders.hooks.floor_holds``).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from inventory.models import StockLevel
from orders.drafts import Recipient
from orders.events import EventAction, order_event_record
from orders.flow_reads import read_routing
from orders.hooks import floor_holds
from orders.models import Order, OrderLine
from orders.services.allocation import needs_by_sku, resolve_skus
from orders.services.errors import OrderActionRefused
from orders.services.lifecycle import _release_reservation, check_note, lock_order
from orders.services.reservation import LiveStock, reserve_or_hold
from orders.services.routing import route, sku_facts
from orders.states import BEFORE_PICKING


def refuse_unless_before_picking(order: Order, what: str) -> None:
    """Refuse ``what`` (合单, 拆单, 重新分仓) once picking has started or the floor holds the order."""
    if order.status not in BEFORE_PICKING:
        raise OrderActionRefused(
            _("订单 %(number)s 当前状态为「%(status)s」，拣货开始后不能%(what)s")
            % {"number": order.number, "status": order.get_status_display(), "what": what},
            code="too_late",
        )
    held = floor_holds([order.pk])
    if order.pk in held:
        raise OrderActionRefused(
            _("订单 %(number)s 不能%(what)s：%(why)s") % {"number": order.number, "what": what, "why": held[order.pk]},
            code="floor_holds",
        )


def order_reroute(*, order: Order | int, actor=None, note: str = "", expected_status: str | None = None) -> Order:
    """Move the order's reservation to the warehouse the routing picks now (see the module).
    Locks the order, then the stock rows in pk order. Returns the order (unchanged if it is where
    the routing would put it)."""
    check_note(note)
    with transaction.atomic():
        locked = lock_order(order, expected_status)
        refuse_unless_before_picking(locked, _("重新分仓"))
        return reroute_locked(locked, actor=actor, note=note, refuse=True)


def reroute_locked(order: Order, *, actor=None, note: str = "", refuse: bool = False) -> Order:
    """``order_reroute``'s work on an order the caller has locked and checked. When no warehouse
    can take it, refused (``refuse``) or left where it is."""
    lines = [line for line in order.lines.all() if line.ships]
    if not lines or any(line.reserved_quantity != line.quantity or not line.stock_level_id for line in lines):
        if refuse:
            raise OrderActionRefused(
                _("订单 %(number)s 没有完整占用库存，无需重新分仓（解除挂起时会按分仓规则重新分配）") % {"number": order.number},
                code="not_reserved",
            )
        return order
    skus = resolve_skus(line.sku_code for line in lines)
    needs = needs_by_sku(lines, skus)
    rules = read_routing()
    stock = LiveStock(reference=order.number, actor=actor)
    own = {}
    for line in lines:
        own[line.stock_level_id] = own.get(line.stock_level_id, 0) + line.reserved_quantity
    rows = [
        (level, sku, warehouse, on_hand, reserved - own.get(level, 0), provinces)
        for level, sku, warehouse, on_hand, reserved, provinces in _rows_with_own(stock, needs, own)
    ]
    routed = route(needs=needs, province=order.province, rows=rows, skus=sku_facts(skus.values()), rules=rules)
    if routed.candidates and routed.candidates[0][0] == order.warehouse_id:
        return order
    before = order.warehouse_id
    recipient = Recipient(province=order.province, city=order.city, street=order.street)
    try:
        with transaction.atomic():
            _release_reservation(order, actor)
            outcome = reserve_or_hold(lines=lines, skus=skus, recipient=recipient, stock=stock, routing=rules)
            if outcome.hold is not None:
                raise OrderActionRefused(outcome.hold.refusal, code=outcome.hold.reason)
    except OrderActionRefused:
        if refuse:
            raise
        return order
    allocation = outcome.allocation
    for line in lines:
        line.warehouse_id = allocation.warehouse_id
        line.stock_level_id = allocation.stock_levels[skus[line.sku_code].pk]
        line.reserved_quantity = line.quantity
    OrderLine.objects.bulk_update(lines, ["warehouse", "stock_level", "reserved_quantity"])
    order.warehouse_id = allocation.warehouse_id
    order.save(update_fields=["warehouse", "updated_at"])
    order_event_record(
        order=order, action=EventAction.ROUTE, actor=actor,
        note=note or _("重新分仓"),
        data={"from_warehouse": before, "warehouse_id": allocation.warehouse_id, "route": outcome.route},
    )
    return order


def _rows_with_own(stock: LiveStock, needs: dict[int, int], own: dict[int, int]) -> list:
    """The stock rows the routing weighs, including the rows holding the order's own units even
    when nothing else is free there."""
    rows = {row[0]: row for row in stock.rows_for(needs)}
    missing = set(own) - set(rows)
    if missing:
        for row in StockLevel.objects.filter(pk__in=missing, warehouse__active=True).values_list(
            "id", "sku_id", "warehouse_id", "on_hand", "reserved", "warehouse__provinces"
        ):
            rows[row[0]] = row
    return list(rows.values())
