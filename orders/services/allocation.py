"""Which warehouse can take an order: the catalogue with its free stock, read once, and the one
rule of choice. The reservation itself, and the hold when there is none, are
``orders.services.reservation``."""

from dataclasses import dataclass

from django.db import connection

from inventory.models import Sku, StockLevel, Warehouse
from orders.address import normalize_province


@dataclass
class Allocation:
    #: None when nothing of the order ships (only gifts the shop does not send).
    warehouse_id: int | None
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


def warehouse_candidates(*, needs: dict[int, int], province: str, rows) -> list[tuple[int, dict[int, int]]]:
    """The warehouses that could take every line of ``needs`` from ``rows`` (stock rows as
    ``read_catalog`` gives them), best first: (warehouse id, sku id -> stock level id). The one
    rule of choice, shared by the single intake and the batch intake (``orders.services.batch``)."""
    by_warehouse: dict[int, dict[int, int]] = {}
    serves: dict[int, bool] = {}
    for level_id, sku_id, warehouse_id, on_hand, reserved, provinces in rows:
        if on_hand - reserved >= needs[sku_id]:
            by_warehouse.setdefault(warehouse_id, {})[sku_id] = level_id
        serves[warehouse_id] = serves_province(provinces, province)
    candidates = sorted(
        (wh for wh, levels in by_warehouse.items() if len(levels) == len(needs)),
        key=lambda wh: (not serves[wh], wh),
    )
    return [(wh, by_warehouse[wh]) for wh in candidates]


def serves_province(provinces, province: str) -> bool:
    """Whether a warehouse with these provinces (its ``provinces`` list) prefers to ship to ``province``."""
    wanted = normalize_province(province)
    return any(normalize_province(p) == wanted for p in provinces or [])
