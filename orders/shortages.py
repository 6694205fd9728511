"""The 缺货 page's rows: each SKU that orders held out of stock are short of, by the rule of the
hold note (``reservation.shortfalls``: the warehouse that comes closest among those the category
rules let ship the order), with the orders and units waiting on it, its free stock per warehouse
and the oldest waiting order.

Read-only, three queries whatever the number of held orders (the held orders' lines, the free
stock of their SKUs, the active warehouses) and the routing rules (kept per process).
"""

from dataclasses import dataclass, field
from datetime import datetime

from inventory.models import StockLevel
from orders.flow_reads import read_routing
from orders.models import OrderLine
from orders.services.reservation import active_warehouses, shortfalls
from orders.services.routing import category_refusal
from orders.states import HoldReason, OrderStatus


@dataclass
class ShortSku:
    sku_id: int
    code: str
    name: str
    #: Orders held out of stock with a line of this SKU, and the units those lines ask for.
    orders: int = 0
    units: int = 0
    #: Units short in the closest warehouse, summed over the orders short of this SKU.
    short: int = 0
    #: (warehouse name, units free) for every active warehouse, in warehouse order.
    free: list[tuple[str, int]] = field(default_factory=list)
    oldest_number: str = ""
    oldest_order_id: int | None = None
    oldest_at: datetime | None = None


def held_out_of_stock_lines():
    return OrderLine.objects.filter(
        order__status=OrderStatus.ON_HOLD, order__hold_reason=HoldReason.OUT_OF_STOCK, sku__isnull=False
    )


def short_skus() -> list[ShortSku]:
    """Every SKU short for at least one order held out of stock, most orders waiting first."""
    rows = list(
        held_out_of_stock_lines()
        .order_by()
        .values_list(
            "order_id", "order__number", "order__province", "order__paid_at", "order__placed_at",
            "sku_id", "sku__code", "sku__name", "sku__category", "quantity",
        )
    )
    if not rows:
        return []
    orders: dict[int, dict] = {}
    for order_id, number, province, paid_at, placed_at, sku_id, _code, _name, category, qty in rows:
        order = orders.setdefault(
            order_id, {"number": number, "province": province, "at": paid_at or placed_at, "needs": {}, "categories": set()}
        )
        order["needs"][sku_id] = order["needs"].get(sku_id, 0) + qty
        if (category or "").strip():
            order["categories"].add(category.strip())
    skus = {sku_id: (code, name) for _o, _n, _p, _pa, _pl, sku_id, code, name, _c, _q in rows}
    warehouses = active_warehouses()
    rules = read_routing()
    free = {
        (warehouse_id, sku_id): on_hand - reserved
        for warehouse_id, sku_id, on_hand, reserved in StockLevel.objects.filter(
            sku_id__in=list(skus), warehouse__active=True
        ).values_list("warehouse_id", "sku_id", "on_hand", "reserved")
    }
    found: dict[int, ShortSku] = {}
    for order in orders.values():
        allowed = [w for w in warehouses if not category_refusal(w[0], order["categories"], rules)]
        for sku_id, units_short, _warehouse, _free in shortfalls(order["needs"], order["province"], free, allowed):
            row = found.get(sku_id)
            if row is None:
                code, name = skus[sku_id]
                row = found[sku_id] = ShortSku(
                    sku_id, code, name, free=[(w[1], max(free.get((w[0], sku_id), 0), 0)) for w in warehouses]
                )
            row.short += units_short
    for order_id, order in orders.items():
        for sku_id, qty in order["needs"].items():
            row = found.get(sku_id)
            if row is None:
                continue
            row.orders += 1
            row.units += qty
            if order["at"] is not None and (row.oldest_at is None or order["at"] < row.oldest_at):
                row.oldest_at, row.oldest_number, row.oldest_order_id = order["at"], order["number"], order_id
    return sorted(found.values(), key=lambda row: (-row.orders, -row.units, row.code))
