"""Internal order numbers: prefix + local date + daily sequence (``SO20261122000123``).

One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on a per-day counter row hands out the next
number. ``order_intake`` calls it before opening its own transaction, so in autocommit mode the
counter row is locked only for that one statement: intakes never queue behind each other's
transactions. A rolled-back intake leaves a gap, never a duplicate.

Every new order passes through that one row, so it is held as briefly as can be: on PostgreSQL,
outside a transaction, the counter commits without waiting for the disk
(``core.sql.async_commit_source``; the lock would otherwise be held through the WAL flush). The
order that uses the number commits later and waits, which puts the counter before it on disk too:
after a crash either both are there or the order is not, and the number is handed out again.
"""

from datetime import date

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.sql import async_commit_source
from orders.models import OrderNumberSequence

_TABLE = OrderNumberSequence._meta.db_table


def next_order_number(*, now=None) -> str:
    sql, params, day = number_statement(now=now)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (sequence,) = cursor.fetchone()
    return format_number(day, sequence)


def number_statement(*, now=None, only_if: tuple[str, list] | None = None) -> tuple[str, list, date]:
    """The statement that draws the next number of the local day: (sql, params, day). With
    ``only_if=(condition, params)`` it draws none (returns no row) unless the SQL condition holds:
    the intake passes its dedup lookup (``orders.selectors.untaken_condition``), so that it can
    send this together with the lookup without spending numbers on repeats."""
    day = timezone.localdate(now)
    params: list = [connection.ops.adapt_datefield_value(day)]
    where = ""
    if only_if is not None:
        where = f" WHERE {only_if[0]}"
        params += list(only_if[1])
    # Only the model's own table name, the caller's condition and the fixed async-commit source are
    # interpolated; the day is a parameter.
    sql = (
        f"INSERT INTO {_TABLE} (day, last) SELECT %s, 1{_from_async_commit()}{where} "  # noqa: S608
        f"ON CONFLICT (day) DO UPDATE SET last = {_TABLE}.last + 1 RETURNING last"
    )
    return sql, params, day


def _from_async_commit() -> str:
    source = async_commit_source()
    return f" FROM {source}" if source else ""


def format_number(day: date, sequence: int) -> str:
    return f"{settings.ORDER_NUMBER_PREFIX}{day:%Y%m%d}{sequence:06d}"


def next_order_numbers(count: int, *, now=None) -> list[str]:
    """``count`` consecutive numbers of the local day in one statement (a block for a batch
    intake). Like ``next_order_number``, call it outside a transaction so the counter row is
    locked for this statement only; a rolled-back batch leaves a gap, never a duplicate."""
    if count <= 0:
        return []
    day = timezone.localdate(now)
    # Only the model's own table name is interpolated; the day and count are parameters.
    sql = (
        f"INSERT INTO {_TABLE} (day, last) SELECT %s, %s{_from_async_commit()} "  # noqa: S608
        f"ON CONFLICT (day) DO UPDATE SET last = {_TABLE}.last + EXCLUDED.last RETURNING last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datefield_value(day), count])
        (last,) = cursor.fetchone()
    return [format_number(day, sequence) for sequence in range(last - count + 1, last + 1)]
