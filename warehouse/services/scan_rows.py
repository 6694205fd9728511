"""The statements every scan runs, written out once.

A picker scans every few seconds and twenty of them share a small server: building a query with
the ORM cost more CPU than running it (about 0.6 ms against 0.1 ms here), so the few reads each
scan makes are plain SQL (as ``orders.services.allocation`` does for the intake), with table names
from the models and every value a parameter. They run on PostgreSQL and SQLite alike (SQLite
has no ``FOR UPDATE``: its write transaction already excludes other writers).
"""

import functools

from django.db import connection

from orders.models import Order, OrderLine
from warehouse.models import PickLine, ScanRecord, Wave, WaveOrder


def _quote(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _for_update() -> str:
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


@functools.cache
def _orders_needing_sql(vendor: str) -> str:
    # Only quoted table names are interpolated; the ids are parameters.
    return (
        f"SELECT id, status, number FROM {_quote(Order)} WHERE id IN ("  # noqa: S608
        f"SELECT w.order_id FROM {_quote(WaveOrder)} w JOIN {_quote(OrderLine)} l ON l.order_id = w.order_id "
        "WHERE w.wave_id = %s AND w.active AND l.sku_id = %s) ORDER BY id" + _for_update()
    )


def lock_orders_needing(wave_id: int, sku_id: int) -> list[Order]:
    """Lock the wave's live orders that have this SKU, in pk order (the lock every order service
    takes); return them with their status and number (all a scan reads of them)."""
    return list(Order.objects.raw(_orders_needing_sql(connection.vendor), [wave_id, sku_id]))


def reserved_need(order_ids: list[int], sku_id: int) -> dict[int, int]:
    """Units of the SKU each order still holds stock for (a short pick lowers it)."""
    if not order_ids:
        return {}
    marks = ", ".join(["%s"] * len(order_ids))
    sql = (
        f"SELECT order_id, SUM(reserved_quantity) FROM {_quote(OrderLine)} "  # noqa: S608
        f"WHERE order_id IN ({marks}) AND sku_id = %s GROUP BY order_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*order_ids, sku_id])
        return {order_id: int(total or 0) for order_id, total in cursor.fetchall()}


@functools.cache
def _prior_sql(vendor: str) -> str:
    return (
        f"SELECT id, actor_id, ok, reason, message FROM {_quote(ScanRecord)} "  # noqa: S608
        "WHERE request_id = %s"
    )


def scan_by_request_id(request_id: str) -> ScanRecord | None:
    """The record a request with this id left, if any (what a re-sent request gets again)."""
    return next(iter(ScanRecord.objects.raw(_prior_sql(connection.vendor), [request_id])), None)


@functools.cache
def _line_sql(vendor: str) -> str:
    lock = " FOR UPDATE OF l" if connection.features.has_select_for_update_of else _for_update()
    return (
        "SELECT l.id, l.quantity, l.picked, l.short, l.short_reason, l.picked_by_id, l.done_at, "  # noqa: S608
        f"w.status AS wave_status FROM {_quote(PickLine)} l JOIN {_quote(Wave)} w ON w.id = l.wave_id "
        "WHERE l.id = %s" + lock
    )


#: What scans change on a pick line: read again once its row is locked.
_LINE_STATE = ("quantity", "picked", "short", "short_reason", "picked_by_id", "done_at")


def lock_line(line: PickLine) -> PickLine:
    """Lock the pick line's row (not its wave's: every scan locks the wave after the line) and
    bring what scans change up to date on ``line``, with its wave's status; SKU, bin and wave
    number do not change and are not read again."""
    (row,) = PickLine.objects.raw(_line_sql(connection.vendor), [line.pk])
    for name in _LINE_STATE:
        setattr(line, name, getattr(row, name))
    line.wave.status = row.wave_status
    return line


def save_line(line: PickLine, fields: tuple[str, ...]) -> None:
    """Write these fields of the (locked) pick line: one plain UPDATE."""
    quote = connection.ops.quote_name
    columns = [PickLine._meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    params = [column.get_db_prep_save(getattr(line, column.attname), connection) for column in columns]
    with connection.cursor() as cursor:
        # Only quoted column and table names are interpolated; the values are parameters.
        cursor.execute(f"UPDATE {_quote(PickLine)} SET {assignments} WHERE id = %s", [*params, line.pk])  # noqa: S608
