"""The inbox drain: the worker takes pending webhook and polled messages in by the batch.

``inbox_drain`` (the ``drain_inbox`` task, queued by ``queue.wake`` when messages arrive, and
every minute by the schedule) claims up to ``CHUNK`` pending messages at a time and takes each
batch in through ``order_intake_batch``, until the inbox is empty or ``BUDGET_S`` has passed
(then it queues the next drain and stops, well inside the task timeout).

* **Claim** (``inbox_claim``): ``SELECT … FOR UPDATE SKIP LOCKED`` of the oldest pending messages
  whose claim is free, then ``claimed_until`` = now + ``LEASE`` and ``attempts`` + 1 on them, one
  short transaction: two drains running at once get different messages, and a drain that dies
  leaves its messages pending, claimed again once the lease has run out.
* **One transaction per batch**: the messages are parsed first (no transaction), then, in one
  transaction, the lock on every (channel, platform order) of the batch is taken in one statement
  (the lock ``inbox_process`` takes for one), the messages still pending are taken: the first of
  each platform order not taken in yet by ``order_intake_batch``, every other one (repeats, later
  statuses, orders we have) by the single message's news path, in arrival order; and the
  messages' outcomes are written, all committed together or not at all.
* **Bad bodies** end failed at once with their reason, as with ``inbox_process``.
* **An error in the batch** rolls all of it back (no order, no outcome) and its messages go
  through ``inbox_process`` one by one; one that fails there too stays pending with the error
  noted, claimed again after its lease; after ``MAX_ATTEMPTS`` claims ``inbox_give_up`` marks it
  failed with that error, for a person to look at and replay.

On SQLite the claim is a plain SELECT and UPDATE: its transactions start with the write lock
(``transaction_mode`` IMMEDIATE), so two drains cannot claim the same messages either.
"""

import logging
import time
from dataclasses import dataclass, replace
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.models import InboxMessage, InboxSource, InboxStatus
from channels.services import queue
from channels.services.inbox import (
    INBOX_LOCK,
    OUTCOME_FIELDS,
    Read,
    inbox_apply_news,
    inbox_outcome_new,
    inbox_process,
    inbox_read,
)
from channels.services.skus import apply_mapping, mapped_codes
from core.locks import advisory_xact_locks
from orders.drafts import DraftInvalid
from orders.models import Order
from orders.services.batch import order_intake_batch

log = logging.getLogger(__name__)

#: Messages per claim and per transaction.
CHUNK = 100
#: Seconds a drain keeps claiming before it hands over to the next one (the task timeout is 120).
BUDGET_S = 30.0
#: How long a claim keeps other drains off the messages: longer than any batch takes.
LEASE = timedelta(minutes=2)
#: Claims after which a message that never finished is marked failed.
MAX_ATTEMPTS = 5
#: Imported rows are taken in by their import job and leader forms by their service.
DRAINED_SOURCES = (InboxSource.WEBHOOK, InboxSource.POLL)


@dataclass
class DrainResult:
    batches: int = 0
    #: Messages finished, by outcome.
    processed: int = 0
    ignored: int = 0
    failed: int = 0
    #: Messages left pending after an error, for a later claim.
    left: int = 0
    #: Messages marked failed after ``MAX_ATTEMPTS`` claims.
    given_up: int = 0
    #: The budget ran out with messages still pending: the next drain is queued.
    more: bool = False

    def __str__(self) -> str:
        return (
            f"batches={self.batches} processed={self.processed} ignored={self.ignored} failed={self.failed} "
            f"left={self.left} given_up={self.given_up} more={self.more}"
        )


def inbox_drain(*, budget_s: float = BUDGET_S, chunk: int = CHUNK) -> DrainResult:
    """Take pending messages in, a batch at a time, until none is left or ``budget_s`` has passed."""
    queue.drain_started()
    result = DrainResult(given_up=inbox_give_up())
    deadline = time.monotonic() + budget_s
    while ids := inbox_claim(limit=chunk):
        result.batches += 1
        inbox_take_in(ids, result)
        if time.monotonic() > deadline:
            result.more = True
            with transaction.atomic():
                queue.wake()
            break
    return result


def _claimable(now):
    return InboxMessage.objects.filter(
        status=InboxStatus.PENDING, source__in=DRAINED_SOURCES, attempts__lt=MAX_ATTEMPTS
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))


def inbox_claim(*, limit: int = CHUNK, now=None) -> list[int]:
    """Claim up to ``limit`` of the oldest pending messages no one else has claimed; their ids."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            _claimable(now).order_by("id").select_for_update(skip_locked=True).values_list("id", flat=True)[:limit]
        )
        if ids:
            InboxMessage.objects.filter(pk__in=ids).update(claimed_until=now + LEASE, attempts=F("attempts") + 1)
    return ids


def inbox_give_up(*, now=None) -> int:
    """Mark failed the pending messages claimed ``MAX_ATTEMPTS`` times without finishing (their
    last claim run out), keeping the last error; returns how many."""
    now = now or timezone.now()
    stuck = InboxMessage.objects.filter(
        status=InboxStatus.PENDING, source__in=DRAINED_SOURCES, attempts__gte=MAX_ATTEMPTS
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
    given_up = 0
    for message in stuck.only("id", "error")[:1000]:
        reason = _("处理 %(n)s 次仍未完成，请检查后重放") % {"n": MAX_ATTEMPTS}
        if message.error:
            reason = f"{reason}：{message.error}"
        given_up += InboxMessage.objects.filter(pk=message.pk, status=InboxStatus.PENDING).update(
            status=InboxStatus.FAILED, processed_at=now, claimed_until=None, error=reason
        )
    return given_up


def inbox_take_in(ids: list[int], result: DrainResult | None = None) -> DrainResult:
    """Take the claimed messages ``ids`` in, in one transaction (see the module's docstring); on an
    error there, one by one."""
    result = result or DrainResult()
    messages = list(InboxMessage.objects.select_related("channel").filter(pk__in=ids, status=InboxStatus.PENDING)
                    .order_by("id"))
    reads = _read_all(messages)
    try:
        with transaction.atomic():
            finished = _apply_batch(messages, reads)
    except Exception:
        log.exception("inbox batch %s..%s failed; its messages are taken one by one", ids[0], ids[-1])
        _one_by_one(messages, result)
        return result
    for message in finished:
        _count(result, message.status)
    return result


def _read_all(messages: list[InboxMessage]) -> dict[int, Read]:
    """Each message parsed, and its draft mapped (the shop's SKU mappings read once per shop),
    normalized and validated; a message that cannot be taken in gets its error."""
    reads = {message.pk: inbox_read(message) for message in messages}
    codes: dict[int, set[str]] = {}
    for message in messages:
        parsed = reads[message.pk].parsed
        if parsed is not None:
            codes.setdefault(message.channel_id, set()).update(line.sku_code for line in parsed.draft.lines)
    mappings = {channel_id: mapped_codes(channel_id, found) for channel_id, found in codes.items()}
    for message in messages:
        read = reads[message.pk]
        if read.parsed is None:
            continue
        draft = apply_mapping(read.parsed.draft, mappings[message.channel_id]).normalized()
        try:
            draft.validate()
        except DraftInvalid as exc:
            reads[message.pk] = Read(error=str(exc))
            continue
        reads[message.pk] = Read(parsed=replace(read.parsed, draft=draft))
    return reads


def _apply_batch(messages: list[InboxMessage], reads: dict[int, Read]) -> list[InboxMessage]:
    """Inside the batch's transaction: lock, take in, record. Returns the messages finished."""
    advisory_xact_locks(INBOX_LOCK, [(m.channel_id, m.external_id) for m in messages if reads[m.pk].parsed])
    # Pending still, now that we hold the locks (a replay may have finished one meanwhile).
    pending = set(InboxMessage.objects.filter(pk__in=[m.pk for m in messages], status=InboxStatus.PENDING)
                  .values_list("pk", flat=True))
    live = [m for m in messages if m.pk in pending]
    firsts: dict[tuple[int, str], InboxMessage] = {}
    for message in live:
        if reads[message.pk].parsed is not None:
            firsts.setdefault((message.channel_id, message.external_id), message)
    taken = order_intake_batch(drafts=[reads[m.pk].parsed.draft for m in firsts.values()], validated=True) \
        if firsts else []
    created = {m.pk: r for m, r in zip(firsts.values(), taken, strict=True)}
    found = Order.objects.in_bulk([r.order_id for r in taken])
    #: Each platform order's order, as the last message about it left it.
    orders = {key: found[r.order_id] for key, r in zip(firsts, taken, strict=True)}
    #: The latest platform time applied per platform order in this batch (not recorded yet).
    applied: dict[tuple[int, str], object] = {}
    now = timezone.now()
    for message in live:
        read = reads[message.pk]
        if read.parsed is None:
            _outcome(message, InboxStatus.FAILED, None, read.error, now)
            continue
        key = (message.channel_id, message.external_id)
        order = orders[key]
        if message.pk in created and created[message.pk].created:
            status, order, note = inbox_outcome_new(read.parsed, order)
        else:
            latest, mine = applied.get(key), read.parsed.updated_at
            newer_seen = latest is not None and mine is not None and latest > mine
            status, order, note = inbox_apply_news(message, read.parsed, order, newer_seen=newer_seen)
        if status == InboxStatus.PROCESSED and read.parsed.updated_at is not None:
            applied[key] = max(applied.get(key) or read.parsed.updated_at, read.parsed.updated_at)
        orders[key] = order
        _outcome(message, status, order, note, now)
    if live:
        InboxMessage.objects.bulk_update(live, OUTCOME_FIELDS)
    for message in live:
        if message.status == InboxStatus.FAILED:
            log.warning("inbox message %s failed: %s", message.pk, message.error)
    return live


def _outcome(message: InboxMessage, status: str, order, note: str, now) -> None:
    message.status = status
    message.error = note
    message.order = order or message.order
    message.processed_at = now
    message.claimed_until = None


def _one_by_one(messages: list[InboxMessage], result: DrainResult) -> None:
    """After a batch failed as a whole: each message through ``inbox_process`` (its attempt was
    counted by the claim). One that fails again stays pending with the error noted; its claim runs
    out and it is tried again, up to ``MAX_ATTEMPTS`` claims."""
    for message in messages:
        try:
            done = inbox_process(message.pk, counted=True)
        except Exception as exc:
            log.exception("inbox message %s could not be processed", message.pk)
            InboxMessage.objects.filter(pk=message.pk, status=InboxStatus.PENDING).update(
                error=(_("处理出错（已记录日志）：%(error)s") % {"error": repr(exc)})[:500]
            )
            result.left += 1
            continue
        _count(result, done.status)


def _count(result: DrainResult, status: str) -> None:
    if status == InboxStatus.PROCESSED:
        result.processed += 1
    elif status == InboxStatus.IGNORED:
        result.ignored += 1
    elif status == InboxStatus.FAILED:
        result.failed += 1
    else:
        result.left += 1
