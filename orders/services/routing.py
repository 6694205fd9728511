"""Warehouse routing (自动分单): which warehouse takes an order, best first, and why — the one rule
of choice, used by every reservation (``reservation.reserve_or_hold``: intake, batch intake,
release, re-route) — and, when no warehouse holds every line, how to split it across several.

Reads nothing itself: the stock rows (``allocation.read_catalog`` or ``LiveStock``), the routing
rules (``flow_reads.RoutingRules``) and the SKUs' categories and weights are handed in; the
shipping cost comes from whatever the warehouse app registered (``orders.hooks``).

The rule, in this order:

1. category rules: a warehouse that may not ship one of the order's categories (生鲜 only from a
   cold-chain warehouse; "only"/"never" these warehouses) is out;
2. stock: the warehouse must hold every line;
3. priority for the destination province: the smallest priority of the warehouse's enabled
   province routes covering it (a route with no provinces covers all); else its own 覆盖省份
   (``Warehouse.provinces``) at ``OWN_PROVINCES_PRIORITY``; else ``ANYWHERE_PRIORITY`` (every
   warehouse can ship anywhere, last);
4. among equal priority, the estimated shipping cost (weight × zone, cheapest first; unknown last);
5. then the lowest warehouse id.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from orders.address import normalize_province
from orders.flow_models import CategoryMode
from orders.flow_reads import RoutingRules
from orders.hooks import estimate_shipping

OWN_PROVINCES_PRIORITY = 10
ANYWHERE_PRIORITY = 100

#: What separated the chosen warehouse from the next one.
FACTOR_ONLY = "only"
FACTOR_PRIORITY = "priority"
FACTOR_COST = "cost"
FACTOR_ORDER = "order"


@dataclass
class Routing:
    """The warehouses that can take the whole order, best first (warehouse id, sku id -> stock
    level id), and the trace of the choice (for the order page)."""

    candidates: list[tuple[int, dict[int, int]]]
    trace: dict = field(default_factory=dict)


def sku_facts(skus) -> dict[int, tuple[str, int]]:
    """sku id -> (category, unit weight in grams), from SKUs by code (``Sku`` or ``CatalogSku``)."""
    return {sku.pk: ((getattr(sku, "category", "") or "").strip(), getattr(sku, "unit_weight_g", 0) or 0) for sku in skus}


def route_priority(warehouse_id: int, own_provinces, province: str, rules: RoutingRules) -> int:
    wanted = normalize_province(province)
    found = [
        priority
        for route_warehouse, provinces, priority in rules.routes
        if route_warehouse == warehouse_id and (not provinces or wanted in {normalize_province(p) for p in provinces})
    ]
    if found:
        return min(found)
    if wanted in {normalize_province(p) for p in own_provinces or []}:
        return OWN_PROVINCES_PRIORITY
    return ANYWHERE_PRIORITY


def category_refusal(warehouse_id: int, categories, rules: RoutingRules) -> str:
    """Why this warehouse may not ship one of ``categories`` ("" when it may)."""
    for category in sorted(categories):
        for mode, warehouses in rules.categories.get(category, ()):
            if mode == CategoryMode.ONLY and warehouse_id not in warehouses:
                return _("类目「%(category)s」只能从指定仓库发货") % {"category": category}
            if mode == CategoryMode.NEVER and warehouse_id in warehouses:
                return _("类目「%(category)s」不能从该仓发货") % {"category": category}
            if mode == CategoryMode.COLD_CHAIN and warehouse_id not in rules.cold_chain:
                return _("类目「%(category)s」只能从冷链仓发货") % {"category": category}
    return ""


def route(
    *,
    needs: dict[int, int],
    province: str,
    rows,
    skus: dict[int, tuple[str, int]],
    rules: RoutingRules,
    estimate: Callable[[list[int], str, int], dict] = estimate_shipping,
) -> Routing:
    """Rank the warehouses for ``needs`` (sku id -> units) to ``province`` (see the module).
    ``estimate`` prices a parcel per warehouse (the registered rate table; the intake benchmark's
    raw-SQL baseline passes its own reading of the same table)."""
    holds: dict[int, dict[int, int]] = {}
    own: dict[int, list] = {}
    for level_id, sku_id, warehouse_id, on_hand, reserved, provinces in rows:
        own[warehouse_id] = provinces
        if sku_id in needs and on_hand - reserved >= needs[sku_id]:
            holds.setdefault(warehouse_id, {})[sku_id] = level_id
    categories = {skus.get(sku_id, ("", 0))[0] for sku_id in needs} - {""}
    weight = sum(skus.get(sku_id, ("", 0))[1] * qty for sku_id, qty in needs.items())
    seen = []
    for warehouse_id in sorted(own):
        entry = {
            "warehouse": warehouse_id,
            "priority": route_priority(warehouse_id, own[warehouse_id], province, rules),
            "holds_all": len(holds.get(warehouse_id, {})) == len(needs),
        }
        refusal = category_refusal(warehouse_id, categories, rules)
        if refusal:
            entry["excluded"] = refusal
        seen.append(entry)
    able = [entry for entry in seen if entry["holds_all"] and "excluded" not in entry]
    best = min((entry["priority"] for entry in able), default=None)
    tied = [entry["warehouse"] for entry in able if entry["priority"] == best]
    costs = estimate(tied, province, weight) if len(tied) > 1 else {}
    for entry in able:
        if entry["warehouse"] in costs:
            entry["cost"] = str(costs[entry["warehouse"]])
    able.sort(key=lambda e: (e["priority"], e["warehouse"] not in costs, costs.get(e["warehouse"], Decimal(0)), e["warehouse"]))
    trace = {"province": province, "weight_g": weight, "candidates": seen}
    if able:
        trace["chosen"] = able[0]["warehouse"]
        trace["factor"] = _factor(able, costs)
    return Routing([(entry["warehouse"], holds[entry["warehouse"]]) for entry in able], trace)


def _factor(able: list[dict], costs: dict) -> str:
    if len(able) == 1:
        return FACTOR_ONLY
    first, second = able[0], able[1]
    if first["priority"] != second["priority"]:
        return FACTOR_PRIORITY
    if costs.get(first["warehouse"]) != costs.get(second["warehouse"]):
        return FACTOR_COST
    return FACTOR_ORDER


def split_plan(
    *, needs: dict[int, int], province: str, rows, skus: dict[int, tuple[str, int]], rules: RoutingRules
) -> list[tuple[int, set[int]]] | None:
    """How to ship ``needs`` from several warehouses when none holds it all: [(warehouse id, sku
    ids)], each SKU's units whole from one warehouse, the warehouse holding most of what is left
    first (then by the routing order); None when some SKU is short everywhere it may ship from."""
    free: dict[int, dict[int, int]] = {}
    own: dict[int, list] = {}
    for _level, sku_id, warehouse_id, on_hand, reserved, provinces in rows:
        own[warehouse_id] = provinces
        free.setdefault(warehouse_id, {})[sku_id] = on_hand - reserved
    left = set(needs)
    plan = []
    while left:
        options = []
        for warehouse_id in own:
            categories = {skus.get(sku_id, ("", 0))[0] for sku_id in left} - {""}
            can = {
                sku_id for sku_id in left
                if free[warehouse_id].get(sku_id, 0) >= needs[sku_id]
                and not category_refusal(warehouse_id, categories & {skus.get(sku_id, ("", 0))[0]}, rules)
            }
            if can:
                priority = route_priority(warehouse_id, own[warehouse_id], province, rules)
                options.append((-len(can), priority, warehouse_id, can))
        if not options:
            return None
        _count, _priority, warehouse_id, can = min(options, key=lambda o: o[:3])
        plan.append((warehouse_id, can))
        left -= can
    return plan
