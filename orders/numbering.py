"""Internal order numbers: prefix + local date + daily sequence (``SO20261122000123``).

One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on a per-day counter row hands out the next
number. ``order_intake`` calls it before opening its own transaction, so in autocommit mode the
counter row is locked only for that one statement: intakes never queue behind each other's
transactions. A rolled-back intake leaves a gap, never a duplicate.
"""

from django.conf import settings
from django.db import connection
from django.utils import timezone

from orders.models import OrderNumberSequence

_TABLE = OrderNumberSequence._meta.db_table


def next_order_number(*, now=None) -> str:
    day = timezone.localdate(now)
    # Only the model's own table name is interpolated; the day is a query parameter.
    sql = (
        f"INSERT INTO {_TABLE} (day, last) VALUES (%s, 1) "  # noqa: S608
        f"ON CONFLICT (day) DO UPDATE SET last = {_TABLE}.last + 1 RETURNING last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datefield_value(day)])
        (sequence,) = cursor.fetchone()
    return f"{settings.ORDER_NUMBER_PREFIX}{day:%Y%m%d}{sequence:06d}"
