"""The bulk writes of a wave build: its orders' links and its pick lists, without building a
Django model instance per row (for 10,000 orders that was most of the build's time).

The pick list is one ``INSERT … SELECT`` that sums each wave's order lines per SKU, stock row
and home bin and numbers them in walking order (the bins' ``pick_sequence``, then bin code, then
SKU code; lines without a home bin last, where the picker has to look for them). It runs on
PostgreSQL and SQLite (window functions) alike.
"""

from collections.abc import Iterable

from django.db import connection

from inventory.models import Bin, Sku, StockLevel
from orders.models import OrderLine
from warehouse.models import PickLine, WaveOrder

#: SQLite's default limit is 32,766 parameters; 3 a row.
_SLICE = 5000


def insert_links(rows: Iterable[tuple[int, int, int]]) -> None:
    """``WaveOrder`` rows (wave id, order id, slot), active: COPY on PostgreSQL, else INSERTs."""
    table = connection.ops.quote_name(WaveOrder._meta.db_table)
    columns = "wave_id, order_id, slot, active, left_reason"
    rows = [(wave_id, order_id, slot, True, "") for wave_id, order_id, slot in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for start in range(0, len(rows), _SLICE):
            part = rows[start : start + _SLICE]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
            # Only quoted names and placeholders are interpolated; the values are parameters.
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values}",  # noqa: S608
                [value for row in part for value in row],
            )


def write_pick_lines(wave_ids: list[int]) -> None:
    """The pick lists of these waves, from their active orders' lines."""
    if not wave_ids:
        return
    q = connection.ops.quote_name
    pick, link, line = q(PickLine._meta.db_table), q(WaveOrder._meta.db_table), q(OrderLine._meta.db_table)
    level, sku, bin_ = q(StockLevel._meta.db_table), q(Sku._meta.db_table), q(Bin._meta.db_table)
    placeholders = ", ".join(["%s"] * len(wave_ids))
    # Only quoted table names and placeholders are interpolated; the wave ids are parameters.
    sql = f"""
        INSERT INTO {pick} (wave_id, sequence, sku_id, stock_level_id, bin_id, quantity, picked, short,
                            short_reason, picked_by_id, done_at)
        SELECT wave_id, ROW_NUMBER() OVER (PARTITION BY wave_id ORDER BY seq, bin_code, sku_code),
               sku_id, stock_level_id, bin_id, quantity, 0, 0, '', NULL, NULL
        FROM (
            SELECT w.wave_id, l.sku_id, l.stock_level_id, s.home_bin_id AS bin_id, SUM(l.quantity) AS quantity,
                   COALESCE(b.pick_sequence, 2147483647) AS seq, COALESCE(b.code, '') AS bin_code,
                   k.code AS sku_code
            FROM {link} w
            JOIN {line} l ON l.order_id = w.order_id
            JOIN {level} s ON s.id = l.stock_level_id
            JOIN {sku} k ON k.id = l.sku_id
            LEFT JOIN {bin_} b ON b.id = s.home_bin_id
            WHERE w.active = %s AND w.wave_id IN ({placeholders})
            GROUP BY w.wave_id, l.sku_id, l.stock_level_id, s.home_bin_id, b.pick_sequence, b.code, k.code
        ) per_bin
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [True, *wave_ids])
