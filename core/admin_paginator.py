"""A changelist paginator that never runs ``COUNT(*)`` over a whole large table.

On PostgreSQL an unfiltered list is counted from the planner's estimate (``pg_class.reltuples``,
kept fresh by autovacuum/ANALYZE); a filtered or searched list is counted for real, since its
filter is what keeps the count cheap. Small tables, tables never analysed, and other databases are
counted for real as well.
"""

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


def is_unfiltered(queryset: QuerySet) -> bool:
    """True when counting ``queryset`` means counting its whole table."""
    query = queryset.query
    return not (
        query.where
        or query.combinator
        or query.distinct
        or query.group_by
        or query.low_mark
        or query.high_mark is not None
    )


def estimated_row_count(queryset: QuerySet) -> int | None:
    """The planner's row estimate for the queryset's table, or None where there is none."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    # -1 means "never vacuumed or analysed" (PostgreSQL 14+); 0 may mean the same on older ones.
    if row is None or row[0] is None or row[0] <= 0:
        return None
    return int(row[0])


class EstimatedCountPaginator(Paginator):
    #: Below this many (estimated) rows an exact count is cheap, so it is exact.
    exact_below = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and is_unfiltered(queryset):
            estimate = estimated_row_count(queryset)
            if estimate is not None and estimate >= self.exact_below:
                return estimate
        return super().count
