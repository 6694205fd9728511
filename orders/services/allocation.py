"""Choose a warehouse for an order and reserve all of its lines there, all-or-nothing."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import F

from inventory.models import Sku, StockLevel, Warehouse
from inventory.services import InsufficientStock, StockLine, stock_reserve
from orders.address import normalize_province


@dataclass
class Allocation:
    warehouse_id: int
    #: sku id -> stock level id in the chosen warehouse
    stock_levels: dict[int, int]


def resolve_skus(codes) -> dict[str, Sku]:
    """Active SKUs by code, in one query."""
    return {sku.code: sku for sku in Sku.objects.filter(code__in=set(codes), active=True)}


def needs_by_sku(lines, skus: dict[str, Sku]) -> dict[int, int]:
    """Quantities per SKU id; ``lines`` are draft or order lines (``sku_code``, ``quantity``)."""
    needs: dict[int, int] = {}
    for line in lines:
        sku_id = skus[line.sku_code].pk
        needs[sku_id] = needs.get(sku_id, 0) + line.quantity
    return needs


@dataclass(frozen=True)
class CatalogSku:
    pk: int
    code: str
    name: str


#: (stock level id, sku id, warehouse id, on_hand, reserved, the warehouse's provinces)
StockRow = tuple[int, int, int, int, int, list]


def read_catalog(codes) -> tuple[dict[str, CatalogSku], list[StockRow]]:
    """Active SKUs by code and their stock rows with units free in active warehouses, in one query."""
    sql, params = catalog_statement(codes)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return catalog_from_rows(cursor.fetchall())


def catalog_statement(codes) -> tuple[str, list]:
    """The query behind ``read_catalog``, for a caller that sends it together with others."""
    codes = sorted(set(codes)) or [""]
    quote = connection.ops.quote_name
    sku, level, warehouse = (quote(m._meta.db_table) for m in (Sku, StockLevel, Warehouse))
    placeholders = ", ".join(["%s"] * len(codes))
    # Only quoted table names and placeholders are interpolated; the codes are parameters.
    sql = (
        f"SELECT s.id, s.code, s.name, l.id, l.warehouse_id, l.on_hand, l.reserved, w.provinces "  # noqa: S608
        f"FROM {sku} s LEFT JOIN ({level} l JOIN {warehouse} w ON w.id = l.warehouse_id AND w.active) "
        f"ON l.sku_id = s.id AND l.on_hand > l.reserved "
        f"WHERE s.code IN ({placeholders}) AND s.active"
    )
    return sql, codes


def catalog_from_rows(result) -> tuple[dict[str, CatalogSku], list[StockRow]]:
    provinces_field = Warehouse._meta.get_field("provinces")
    skus: dict[str, CatalogSku] = {}
    rows: list[StockRow] = []
    for sku_id, code, name, level_id, warehouse_id, on_hand, reserved, provinces in result:
        skus.setdefault(code, CatalogSku(sku_id, code, name))
        if level_id is not None:
            provinces = provinces_field.from_db_value(provinces, None, connection)
            rows.append((level_id, sku_id, warehouse_id, on_hand, reserved, provinces))
    return skus, rows


def allocate_and_reserve(
    *, needs: dict[int, int], province: str, reference: str, actor=None, stock_rows: list[StockRow] | None = None
) -> Allocation | None:
    """Reserve ``needs`` (sku id -> quantity) in one warehouse, or return None if none can take it.

    Preference: a warehouse serving the province with every line in stock, then any warehouse with
    every line in stock. Availability is read once; the reservation itself is the guarded update in
    ``stock_reserve``, so a warehouse emptied by a concurrent order is simply skipped.
    ``stock_rows`` are those rows when the caller has read them already (``read_catalog``).
    """
    if stock_rows is not None:
        rows = stock_rows
    else:
        rows = StockLevel.objects.filter(
            sku_id__in=list(needs), warehouse__active=True, on_hand__gt=F("reserved")
        ).values_list("id", "sku_id", "warehouse_id", "on_hand", "reserved", "warehouse__provinces")
    for warehouse_id, levels in warehouse_candidates(needs=needs, province=province, rows=rows):
        try:
            stock_reserve(
                lines=[StockLine(levels[sku_id], qty) for sku_id, qty in needs.items()],
                reference=reference,
                actor=actor,
            )
        except InsufficientStock:
            continue
        return Allocation(warehouse_id=warehouse_id, stock_levels=levels)
    return None


def warehouse_candidates(*, needs: dict[int, int], province: str, rows) -> list[tuple[int, dict[int, int]]]:
    """The warehouses that could take every line of ``needs`` from ``rows`` (stock rows as
    ``read_catalog`` gives them), best first: (warehouse id, sku id -> stock level id). The one
    rule of choice, shared by the single intake and the batch intake (``orders.services.batch``)."""
    by_warehouse: dict[int, dict[int, int]] = {}
    serves: dict[int, bool] = {}
    wanted = normalize_province(province)
    for level_id, sku_id, warehouse_id, on_hand, reserved, provinces in rows:
        if on_hand - reserved >= needs[sku_id]:
            by_warehouse.setdefault(warehouse_id, {})[sku_id] = level_id
        serves[warehouse_id] = wanted in {normalize_province(p) for p in provinces or []}
    candidates = sorted(
        (wh for wh, levels in by_warehouse.items() if len(levels) == len(needs)),
        key=lambda wh: (not serves[wh], wh),
    )
    return [(wh, by_warehouse[wh]) for wh in candidates]
