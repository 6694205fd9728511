"""Reserve an order's lines in one warehouse, or say why not: the one reserve-or-hold path.

``reserve_or_hold`` decides for a new order (``order_intake``), for every order of a batch
(``order_intake_batch``, planning against its own view of the stock) and for a held order being
released (``order_release_hold``, after a SKU mapping, an address fix or a restock): an unknown SKU
code or an incomplete address holds it whatever the stock; else the warehouses that could take
every line are tried best first (``allocation.warehouse_candidates``); else it is held as out of
stock, the note naming what is short in the warehouse that comes closest
("HJ001-04 缺 2 件（杭州仓可用 1）"). The hold notes are worded here and nowhere else. Which
warehouse is tried first is the routing rule (``routing.route``); its trace comes back with the
reservation for the order's event log.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import F
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from inventory.models import StockLevel, Warehouse
from inventory.services import InsufficientStock, StockLine, stock_reserve
from orders.drafts import Recipient
from orders.flow_reads import RoutingRules, read_routing
from orders.hooks import ShippingEstimator, estimate_shipping
from orders.models import Order
from orders.services.allocation import Allocation, needs_by_sku, serves_province
from orders.services.routing import category_refusal, route, sku_facts
from orders.states import HoldReason, ships

NOTE_LIMIT = Order._meta.get_field("hold_note").max_length


@dataclass(frozen=True)
class Shortfall:
    """One SKU an out-of-stock order is short of, in the warehouse that comes closest."""

    code: str
    short: int
    warehouse: str
    free: int


@dataclass(frozen=True)
class Hold:
    """Why an order cannot be reserved: its hold reason and note, and what a person who asked to
    release it is told (``refusal``); for an out-of-stock hold, each SKU short (``short``), so a
    bulk release can report one line per SKU."""

    reason: str
    note: str
    refusal: str
    short: tuple[Shortfall, ...] = ()


@dataclass(frozen=True)
class Reservation:
    """The outcome: reserved (``allocation``) or to be held (``hold``), never both."""

    allocation: Allocation | None = None
    hold: Hold | None = None
    #: How the warehouse was chosen (``routing.route``'s trace); empty when no stock was looked at.
    route: dict = field(default_factory=dict)


#: A warehouse as the shortage note weighs it: (id, name, provinces).
WarehouseRow = tuple[int, str, list]


class StockView(Protocol):
    """Where ``reserve_or_hold`` reads and takes stock: the database (``LiveStock``), or a batch's
    own plan (``orders.services.batch``)."""

    def rows_for(self, needs: dict[int, int]) -> list:
        """Stock rows with units free for these SKUs, as ``allocation.read_catalog`` gives them."""

    def take(self, levels: dict[int, int], needs: dict[int, int]) -> bool:
        """Reserve ``needs`` on these stock rows (sku id -> level id), all or nothing; False if short."""

    def free(self, needs: dict[int, int]) -> tuple[dict[tuple[int, int], int], list[WarehouseRow]]:
        """Units free per (warehouse id, sku id), and every active warehouse (for the shortage note)."""


def reserve_or_hold(
    *,
    lines: Sequence,
    skus: dict,
    recipient: Recipient,
    stock: StockView,
    routing: RoutingRules | None = None,
    estimate: ShippingEstimator = estimate_shipping,
) -> Reservation:
    """Reserve every line of an order in one warehouse, or say why it must be held.

    ``lines`` are draft or order lines (``sku_code``, ``quantity``, ``gift``); gift lines the shop
    does not ship are left out (an order of nothing else is reserved in no warehouse); ``skus``
    are the active SKUs by code (anything with ``pk``, ``category`` and ``unit_weight_g``);
    ``recipient`` needs province, city and street; ``routing`` are the routing rules when the
    caller has read them (else they are read here); ``estimate`` prices a parcel for routing's
    tie-break (``orders.hooks``: a batch passes its own, which reads the rates once)."""
    lines = [line for line in lines if ships(line)]  # a gift the shop does not ship needs nothing
    hold = hold_before_stock(lines, skus, recipient)
    if hold is not None:
        return Reservation(hold=hold)
    if not lines:
        return Reservation(allocation=Allocation(warehouse_id=None, stock_levels={}))
    needs = needs_by_sku(lines, skus)
    facts = sku_facts(skus[line.sku_code] for line in lines)
    rules = routing if routing is not None else read_routing()
    routed = route(
        needs=needs, province=recipient.province, rows=stock.rows_for(needs), skus=facts, rules=rules, estimate=estimate,
    )
    for warehouse_id, levels in routed.candidates:
        if stock.take(levels, needs):
            trace = routed.trace
            if warehouse_id != trace.get("chosen"):
                trace = {**trace, "chosen": warehouse_id, "taken_after": trace.get("chosen")}
            return Reservation(allocation=Allocation(warehouse_id=warehouse_id, stock_levels=levels), route=trace)
    free, warehouses = stock.free(needs)
    categories = {category for category, _weight in facts.values()} - {""}
    allowed = [w for w in warehouses if not category_refusal(w[0], categories, rules)]
    if not allowed:
        return Reservation(hold=no_warehouse_hold(categories, [w[0] for w in warehouses], rules), route=routed.trace)
    codes = {skus[line.sku_code].pk: line.sku_code for line in lines}
    hold = shortage_hold(needs, codes, recipient.province, free, allowed)
    return Reservation(hold=hold, route=routed.trace)


def hold_before_stock(lines: Sequence, skus: dict, recipient: Recipient) -> Hold | None:
    """The hold for an order that cannot be reserved whatever the stock (an unknown SKU code, then
    an incomplete address), or None."""
    unknown = sorted({line.sku_code for line in lines if line.sku_code not in skus})
    if unknown:
        return unknown_sku_hold(unknown)
    missing = recipient.missing_parts()
    if missing:
        return bad_address_hold(missing)
    return None


def unknown_sku_hold(codes: list[str]) -> Hold:
    listed = "、".join(codes)
    return Hold(
        HoldReason.UNKNOWN_SKU,
        # Truncated: hundreds of long codes must not overflow the column and fail the intake.
        Truncator(_("未知商家编码：%(codes)s") % {"codes": listed}).chars(NOTE_LIMIT),
        _("仍有未知商家编码：%(codes)s") % {"codes": listed},
    )


def bad_address_hold(missing: list[str]) -> Hold:
    parts = "、".join(missing)
    return Hold(
        HoldReason.BAD_ADDRESS, _("地址缺少：%(parts)s") % {"parts": parts}, _("地址仍缺少：%(parts)s") % {"parts": parts}
    )


def no_warehouse_hold(categories: set[str], warehouse_ids: list[int], rules: RoutingRules) -> Hold:
    """No active warehouse may ship the order: none is active (``warehouse_ids`` empty), or the
    category rules (生鲜 only from a cold-chain warehouse, "only"/"never" these warehouses) leave
    none for its categories together, whatever their stock: restocking cannot help, a rule or a
    warehouse must change (or the order be split, one category per warehouse). The note names
    each category no warehouse may ship, with the rule's words."""
    if not warehouse_ids:
        return Hold(HoldReason.NO_WAREHOUSE, _("没有启用的仓库"), _("仍然没有启用的仓库：请先启用一个仓库"))
    reasons = []
    for category in sorted(categories):
        refusals = [category_refusal(pk, {category}, rules) for pk in warehouse_ids]
        if all(refusals):
            reasons.append(refusals[0])
    if reasons:
        note = _("%(reasons)s，没有一个启用的仓库可以发") % {"reasons": "；".join(reasons)}
    else:
        note = _("没有一个仓库可以同时发类目%(categories)s") % {
            "categories": "".join(f"「{category}」" for category in sorted(categories))
        }
    note = Truncator(note).chars(NOTE_LIMIT)
    return Hold(
        HoldReason.NO_WAREHOUSE, note,
        _("仍然没有可发货的仓库：%(note)s（请先修改仓库的冷链标记或类目发货规则）") % {"note": note},
    )


def shortage_hold(
    needs: dict[int, int],
    codes: dict[int, str],
    province: str,
    free: dict[tuple[int, int], int],
    warehouses: list[WarehouseRow],
) -> Hold:
    """Out of stock, the note naming each SKU short in the warehouse that comes closest (fewest
    units short in all; then one serving the province; then the first), with what it has free:
    "HJ001-04 缺 2 件（杭州仓可用 1）；HJ002 缺 1 件（杭州仓可用 0）"."""
    note = _("没有一个仓库能整单发货")
    short = tuple(
        Shortfall(codes[sku_id], qty, warehouse, available)
        for sku_id, qty, warehouse, available in shortfalls(needs, province, free, warehouses)
    )
    if short:
        note = Truncator(
            "；".join(
                _("%(code)s 缺 %(short)d 件（%(warehouse)s可用 %(free)d）")
                % {"code": item.code, "short": item.short, "warehouse": item.warehouse, "free": item.free}
                for item in sorted(short, key=lambda item: item.code)
            )
        ).chars(NOTE_LIMIT)
    return Hold(HoldReason.OUT_OF_STOCK, note, _("仍然没有一个仓库能整单发货：%(note)s") % {"note": note}, short)


def shortfalls(
    needs: dict[int, int], province: str, free: dict[tuple[int, int], int], warehouses: list[WarehouseRow]
) -> list[tuple[int, int, str, int]]:
    """(sku id, units short, warehouse name, units free there) for each SKU of ``needs`` short in
    the warehouse that comes closest: the one rule behind the hold note and the 缺货 page."""
    if not warehouses:
        return []

    def shortfall(warehouse: WarehouseRow) -> int:
        return sum(max(qty - free.get((warehouse[0], sku_id), 0), 0) for sku_id, qty in needs.items())

    best = min(warehouses, key=lambda w: (shortfall(w), not serves_province(w[2], province), w[0]))
    found = []
    for sku_id, qty in needs.items():
        available = max(free.get((best[0], sku_id), 0), 0)
        if available < qty:
            found.append((sku_id, qty - available, best[1], available))
    return found


class LiveStock:
    """The database's stock: reserving is ``stock_reserve`` (the guarded update, rows locked in pk
    order); a warehouse emptied by a concurrent order is simply skipped. ``rows`` are the stock
    rows when the caller has read them already (the intake's first look, ``read_catalog``).
    ``warehouse_id`` limits the choice (and the shortage note) to that one warehouse: a group-buy
    station's order is served by the station's supplier or waits for it."""

    def __init__(self, *, reference: str, actor=None, rows: list | None = None, warehouse_id: int | None = None):
        self.reference = reference
        self.actor = actor
        self.rows = rows
        self.warehouse_id = warehouse_id

    def rows_for(self, needs: dict[int, int]) -> list:
        if self.rows is not None:
            rows = self.rows
        else:
            rows = StockLevel.objects.filter(sku_id__in=list(needs), warehouse__active=True, on_hand__gt=F("reserved"))
            if self.warehouse_id is not None:
                rows = rows.filter(warehouse_id=self.warehouse_id)
            return list(rows.values_list("id", "sku_id", "warehouse_id", "on_hand", "reserved", "warehouse__provinces"))
        if self.warehouse_id is not None:
            return [row for row in rows if row[2] == self.warehouse_id]
        return rows

    def take(self, levels: dict[int, int], needs: dict[int, int]) -> bool:
        try:
            stock_reserve(
                lines=[StockLine(levels[sku_id], qty) for sku_id, qty in needs.items()],
                reference=self.reference,
                actor=self.actor,
            )
        except InsufficientStock:
            return False
        return True

    def free(self, needs: dict[int, int]) -> tuple[dict[tuple[int, int], int], list[WarehouseRow]]:
        """Read now (after the reservations tried have been rolled back), not from the first look."""
        rows = StockLevel.objects.filter(sku_id__in=list(needs), warehouse__active=True)
        warehouses = active_warehouses()
        if self.warehouse_id is not None:
            rows = rows.filter(warehouse_id=self.warehouse_id)
            warehouses = [row for row in warehouses if row[0] == self.warehouse_id]
        free = {
            (warehouse_id, sku_id): on_hand - reserved
            for warehouse_id, sku_id, on_hand, reserved in rows.values_list("warehouse_id", "sku_id", "on_hand", "reserved")
        }
        return free, warehouses


def active_warehouses() -> list[WarehouseRow]:
    return list(Warehouse.objects.filter(active=True).order_by("id").values_list("id", "name", "provinces"))
