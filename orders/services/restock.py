"""Holds that clear themselves: when stock arrives, orders held out of stock for it are re-run.

Stock arrives by a receipt, a count correction upwards, a transfer in, or a release (a cancelled
order gives back what it held): every such change writes a ``StockMovement`` whose free units
(``delta_on_hand - delta_reserved``) grow. The inventory app knows nothing of orders; this reads
its ledger, the way write-back reads the order events (``channels.services.writeback``).

``restock_rerun`` (a django-q2 task every minute, ``orders.tasks.restock_rerun``):

1. takes a lease on the ``RestockCursor`` row (a conditional update: one runner at a time; an
   expired lease is taken over), and reads the movements after its cursor: their SKUs join the
   pending ones. The cursor stops before movements younger than ``SETTLE`` (one with a smaller id
   may still be committing), so those are read again next time, harmlessly;
2. goes through the orders held out of stock with a line of a pending SKU, oldest first (paid
   time, else placed time), and re-runs each through the one reserve-or-hold path
   (``order_release_hold(keep_held=True)``, one transaction each): released when it can be
   reserved whole, else left held with its note brought up to date. An order is not tried while
   some SKU it needs has fewer units free in all warehouses together than it asks for: once the
   new stock is used up, the rest are skipped without a write;
3. tries at most ``limit`` orders and works at most ``budget`` seconds per run; when it stops
   part-way it keeps its place and queues the next run at once (bounded batches). New arrivals
   of other SKUs start the walk again from the oldest order.

Nothing here writes stock: every reservation is the guarded update of ``stock_reserve``, so no
more is ever reserved than there is.
"""

import functools
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.models import StockMovement
from orders.models import RestockCursor
from orders.selectors import restock_candidates, units_free
from orders.services.errors import OrderActionRefused
from orders.services.lifecycle import order_release_hold
from orders.states import OrderStatus

log = logging.getLogger(__name__)

CURSOR = "restock"
SETTLE = timedelta(seconds=10)
LEASE = timedelta(minutes=3)
#: Orders tried per run, and seconds of work per run (well inside the cluster's task timeout).
LIMIT = 200
BUDGET = 45.0


@dataclass
class RestockReport:
    busy: bool = False
    skus: list[int] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    still_held: list[str] = field(default_factory=list)
    skipped: int = 0
    moved_on: int = 0
    #: True when the run stopped part-way; the next run is queued.
    more: bool = False


def restock_cursor() -> RestockCursor:
    """The cursor, created at the newest movement: stock history from before is not re-run."""
    start = StockMovement.objects.aggregate(m=Max("id"))["m"] or 0
    cursor, _created = RestockCursor.objects.get_or_create(name=CURSOR, defaults={"last_movement_id": start})
    return cursor


def _take_lease(now: datetime) -> str | None:
    restock_cursor()
    token = secrets.token_hex(8)
    taken = RestockCursor.objects.filter(name=CURSOR).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    ).update(lease_until=now + LEASE, lease_token=token)
    return token if taken else None


def _read_arrivals(now: datetime) -> tuple[list[int], tuple[datetime, int] | None]:
    """Add the SKUs whose free stock grew since the cursor to the pending ones; move the cursor
    past the settled movements. Returns (pending SKU ids, where the last run stopped)."""
    with transaction.atomic():
        cursor = RestockCursor.objects.select_for_update().get(name=CURSOR)
        after = cursor.last_movement_id
        grown = set(
            StockMovement.objects.filter(id__gt=after)
            .annotate(gain=F("delta_on_hand") - F("delta_reserved"))
            .filter(gain__gt=0)
            .values_list("stock_level__sku_id", flat=True)
            .distinct()
        )
        settled = StockMovement.objects.filter(id__gt=after, at__lt=now - SETTLE).aggregate(m=Max("id"))["m"]
        pending = set(cursor.pending_skus)
        if grown - pending:
            cursor.resume_after = []  # new SKUs: their oldest orders may be older than where we stopped
        cursor.pending_skus = sorted(pending | grown)
        cursor.last_movement_id = max(after, settled or after)
        cursor.save(update_fields=["pending_skus", "resume_after", "last_movement_id", "updated_at"])
    resume = None
    if cursor.resume_after:
        resume = (datetime.fromisoformat(cursor.resume_after[0]), int(cursor.resume_after[1]))
    return cursor.pending_skus, resume


def _finish(token: str, *, done_skus: list[int], resume: tuple[datetime, int] | None) -> None:
    """Drop the SKUs walked to the end (unless they arrived again meanwhile: they stay pending),
    keep the place when stopping part-way, and give the lease back."""
    with transaction.atomic():
        cursor = RestockCursor.objects.select_for_update().get(name=CURSOR)
        if resume is None:
            cursor.pending_skus = [pk for pk in cursor.pending_skus if pk not in set(done_skus)]
            cursor.resume_after = []
        else:
            cursor.resume_after = [resume[0].isoformat(), resume[1]]
        if cursor.lease_token == token:
            cursor.lease_until, cursor.lease_token = None, ""
        cursor.save(update_fields=["pending_skus", "resume_after", "lease_until", "lease_token", "updated_at"])


def restock_rerun(*, limit: int = LIMIT, budget: float = BUDGET, now: datetime | None = None) -> RestockReport:
    """One run of the re-run (see the module's docstring). Safe to call at any time, from any
    number of workers: only the one holding the lease works."""
    now = now or timezone.now()
    token = _take_lease(now)
    if token is None:
        return RestockReport(busy=True)
    report = RestockReport()
    resume = None
    try:
        skus, resume = _read_arrivals(now)
        report.skus = skus
        if skus:
            resume = _walk(skus, resume, report, limit=limit, budget=budget)
    except BaseException:
        RestockCursor.objects.filter(name=CURSOR, lease_token=token).update(lease_until=None, lease_token="")
        raise
    _finish(token, done_skus=report.skus, resume=resume)
    if resume is not None:
        from django_q.tasks import async_task

        report.more = True
        transaction.on_commit(functools.partial(async_task, "orders.tasks.restock_rerun"))
    if report.released or report.still_held:
        log.info(
            "restock: %d released, %d still held, %d skipped", len(report.released), len(report.still_held),
            report.skipped,
        )
    return report


def _walk(skus: list[int], resume, report: RestockReport, *, limit: int, budget: float):
    """Try the waiting orders oldest first; returns where it stopped, or None when it got through."""
    started = time.monotonic()
    candidates = restock_candidates(sku_ids=skus, after=resume)
    free = units_free(sku_ids={sku for _id, _since, needs in candidates for sku in needs})
    tried = 0
    last = resume
    for order_id, since, needs in candidates:
        if tried >= limit or time.monotonic() - started > budget:
            return last or (since - timedelta(microseconds=1), order_id)
        last = (since, order_id)
        if any(free.get(sku, 0) < qty for sku, qty in needs.items()):
            report.skipped += 1  # not enough of some SKU anywhere: no write, no lock
            continue
        tried += 1
        try:
            order = order_release_hold(order=order_id, note=_("到货后自动重新占用库存"), keep_held=True)
        except OrderActionRefused:
            report.moved_on += 1  # cancelled or released by someone meanwhile
            continue
        if order.status == OrderStatus.ON_HOLD:
            report.still_held.append(order.number)
            free.update(units_free(sku_ids=set(needs)))
        else:
            report.released.append(order.number)
            for sku, qty in needs.items():
                free[sku] = free.get(sku, 0) - qty
    return None


def restock_queue(*, sku_ids) -> int:
    """Ask for a re-run of the orders waiting on ``sku_ids`` now (the 缺货 page's button), whether
    or not stock has arrived by the ledger: they join the pending SKUs and the next run starts from
    the oldest order, queued at once. Returns how many SKUs are pending."""
    from django_q.tasks import async_task

    restock_cursor()
    with transaction.atomic():
        cursor = RestockCursor.objects.select_for_update().get(name=CURSOR)
        cursor.pending_skus = sorted(set(cursor.pending_skus) | {int(pk) for pk in sku_ids})
        cursor.resume_after = []
        cursor.save(update_fields=["pending_skus", "resume_after", "updated_at"])
        transaction.on_commit(functools.partial(async_task, "orders.tasks.restock_rerun"))
    return len(cursor.pending_skus)
