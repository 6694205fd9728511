"""A changelist paginator and changelist for tables of millions of rows.

* The count: an unfiltered list is counted from PostgreSQL's planner estimate
  (``pg_class.reltuples``, kept fresh by autovacuum/ANALYZE) and shown as "约 1,000,000"; a
  filtered or searched list is counted for real, but only up to ``cap + 1`` rows
  (``SELECT count(*) FROM (SELECT 1 … LIMIT 10001)``), and shown as "10,000+" beyond that. Small
  tables, tables never analysed, and other databases are counted exactly below the cap.
* The pages: only the first ``cap`` rows are offered as pages (200 pages of 50), so the deepest
  page a link leads to is ``OFFSET 9,950``, read from an index; the list says so and asks for a
  filter or a search to go further. A page number beyond (typed by hand) answers the list's
  "invalid page" message, as Django does for any page that does not exist.
* The order: Django makes an admin sort total by adding ``-pk`` (or the admin's default ``-id``)
  after the chosen column, so that "oldest first" is ``ORDER BY placed_at ASC, id DESC``, which no
  index can serve. Here the primary key follows the direction of the first column
  (``placed_at ASC, id ASC``), so an index on ``(column, id)`` serves both directions of every
  sortable column.
"""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

#: Rows a filtered list counts and pages through at most.
LIST_CAP = 10_000


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
    #: Rows counted and paged at most; beyond it the list shows "10,000+".
    cap = LIST_CAP
    #: A whole table estimated at this many rows or more is not counted.
    exact_below = LIST_CAP
    #: True once ``total`` is the planner's estimate.
    estimated = False

    @cached_property
    def total(self) -> int:
        """The rows the list holds: exact up to ``cap``, ``cap + 1`` meaning "more", or the
        planner's estimate for a whole large table (``estimated`` is then True)."""
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return len(queryset)
        if is_unfiltered(queryset):
            estimate = estimated_row_count(queryset)
            if estimate is not None and estimate >= self.exact_below:
                self.estimated = True
                return estimate
        return queryset.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        """The rows offered as pages: never more than ``cap``."""
        return min(self.total, self.cap)

    @property
    def capped(self) -> bool:
        return self.total > self.cap

    @property
    def count_label(self) -> str:
        """What the list says it holds: "约 1,000,000", "10,000+" or the exact number."""
        total = self.total  # first: it decides ``estimated``
        if self.estimated:
            return _("约 %(count)s") % {"count": number_format(total, force_grouping=True)}
        if self.capped:
            return f"{number_format(self.cap, force_grouping=True)}+"
        return number_format(total, force_grouping=True)

    @property
    def cap_note(self) -> str:
        """Why the pages stop, when they do."""
        if not self.capped:
            return ""
        return _("只能翻看前 %(cap)s 条；请用右侧筛选或搜索缩小范围。") % {
            "cap": number_format(self.cap, force_grouping=True)
        }


class IndexedOrderingChangeList(ChangeList):
    """A changelist whose tie-breaking primary key follows the sort's first column (see above)."""

    def _get_deterministic_ordering(self, ordering):
        ordering = super()._get_deterministic_ordering(ordering)
        # The tie-breaker is the "-pk" Django adds, or the admin's own default order ("-id").
        last, first = ordering[-1] if ordering else None, ordering[0] if ordering else None
        pk = self.lookup_opts.pk.attname
        if len(ordering) >= 2 and isinstance(first, str) and last in ("pk", "-pk", pk, f"-{pk}"):
            ordering[-1] = "-pk" if first.startswith("-") else "pk"
        return ordering


class LargeListMixin:
    """For a ModelAdmin over a large table: the capped paginator, the index-friendly order, and the
    rows' checkboxes written directly (Django renders a form widget template for each row, a
    third of a 50-row page's time)."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return IndexedOrderingChangeList

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        """The same HTML as Django's ``ModelAdmin.action_checkbox``."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME, obj.pk, format_html(_("Select this object for an action - {}"), str(obj)),
        )
