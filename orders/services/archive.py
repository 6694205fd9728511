"""The event archive: the log of orders finished long ago moves from ``OrderEvent`` to
``OrderEventArchive`` (``orders.archive_models``), so the live event table stays the size of the
working set.

An order is finished when it is completed, cancelled or merged into another; its events move
``EVENT_ARCHIVE_DAYS`` (180 by default) after it last changed. The run walks finished orders by
(``updated_at``, id) from where the previous run stopped (``EventArchiveCursor``), a batch at a
time, each batch in one transaction: the batch's orders are locked (a service writing an event
locks its order first), their events copied to the archive with their ids and every field, then
deleted from the live table, so an event is always in exactly one of the two. An order changed
after its events moved gets a newer ``updated_at`` and is visited again once that ages.
"""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from orders.models import EventArchiveCursor, Order, OrderEvent, OrderEventArchive
from orders.states import OrderStatus

#: Orders that no transition leaves.
FINISHED = (OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.MERGED)
CURSOR = "events"
_COLUMNS = ("id", "order_id", "action", "from_status", "to_status", "actor_id", "at", "note", "data")


@dataclass
class ArchiveRun:
    orders: int = 0
    events: int = 0
    done: bool = False


def order_events_archive(
    *, older_than_days: int | None = None, batch_size: int | None = None, max_seconds: float = 50, now=None
) -> ArchiveRun:
    """Move the events of orders finished more than ``older_than_days`` days ago (default
    ``EVENT_ARCHIVE_DAYS``; 0 archives nothing) to the archive, ``batch_size`` orders per
    transaction (default ``EVENT_ARCHIVE_BATCH``), until every such order is done (``done``) or
    ``max_seconds`` have passed (the next run goes on from the cursor)."""
    days = settings.EVENT_ARCHIVE_DAYS if older_than_days is None else older_than_days
    batch = batch_size or settings.EVENT_ARCHIVE_BATCH
    run = ArchiveRun()
    if days <= 0:
        run.done = True
        return run
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    deadline = time.monotonic() + max_seconds
    while True:
        moved_orders, moved_events, more = _archive_batch(cutoff=cutoff, batch=batch, now=now)
        run.orders += moved_orders
        run.events += moved_events
        run.done = not more
        if run.done or time.monotonic() >= deadline:
            return run


def _archive_batch(*, cutoff, batch: int, now) -> tuple[int, int, bool]:
    with transaction.atomic():
        cursor, _ = EventArchiveCursor.objects.select_for_update().get_or_create(name=CURSOR)
        after = Q()
        if cursor.updated_at is not None:
            after = Q(updated_at__gt=cursor.updated_at) | Q(updated_at=cursor.updated_at, pk__gt=cursor.order_id)
        orders = list(
            Order.objects.filter(after, updated_at__lt=cutoff)
            .order_by("updated_at", "pk")
            .values_list("pk", "updated_at", "status")[:batch]
        )
        if not orders:
            return 0, 0, False
        finished = [pk for pk, _, status in orders if status in FINISHED]
        # Locked, and checked again under the lock: still finished, still not changed since.
        finished = list(
            Order.objects.select_for_update()
            .filter(pk__in=finished, status__in=FINISHED, updated_at__lt=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ids = list(OrderEvent.objects.filter(order_id__in=finished).values_list("pk", flat=True))
        if ids:
            _move(ids, now)
        cursor.updated_at, cursor.order_id = orders[-1][1], orders[-1][0]
        cursor.save(update_fields=["updated_at", "order_id"])
    return len(finished), len(ids), len(orders) == batch


def _move(ids: list[int], now) -> None:
    """Copy the events to the archive (every field, same id), then delete them: one INSERT … SELECT
    and one DELETE per 5,000 events, in the caller's transaction. Table and column names come from
    the models; every value is a parameter."""
    quote = connection.ops.quote_name
    live, archive = quote(OrderEvent._meta.db_table), quote(OrderEventArchive._meta.db_table)
    columns = ", ".join(quote(column) for column in _COLUMNS)
    with connection.cursor() as db:
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            marks = ", ".join(["%s"] * len(chunk))
            db.execute(
                f"INSERT INTO {archive} ({columns}, archived_at) "  # noqa: S608
                f"SELECT {columns}, %s FROM {live} WHERE id IN ({marks})",
                [now, *chunk],
            )
            db.execute(f"DELETE FROM {live} WHERE id IN ({marks})", chunk)  # noqa: S608
