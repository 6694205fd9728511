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
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db import connection, transaction
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
from orders.numbering import next_order_numbers
from orders.selectors import taken_orders
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
        # Numbers for the platform orders not taken in yet, drawn before the transaction (the
        # counter row is then locked for that one statement, not for the whole batch).
        numbers = next_order_numbers(_maybe_new(messages, reads))
        with transaction.atomic():
            finished = _apply_batch(messages, reads, numbers)
    except DraftInvalid as exc:
        # The batch refuses as a whole what fails one message (a shop switched off meanwhile):
        # one by one, each message gets its own answer.
        log.info("inbox batch %s..%s refused (%s); its messages are taken one by one", ids[0], ids[-1], exc)
        _one_by_one(messages, result)
        return result
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


def _maybe_new(messages: list[InboxMessage], reads: dict[int, Read]) -> int:
    """How many of the messages' platform orders are not taken in yet (the dedup lookup, once per shop)."""
    by_channel: dict[str, set[str]] = {}
    for message in messages:
        if reads[message.pk].parsed is not None:
            by_channel.setdefault(message.channel.code, set()).add(message.external_id)
    count = 0
    for code, external_ids in by_channel.items():
        found = taken_orders(channel=code, external_ids=external_ids)
        count += len(external_ids) - (len(found.orders) if found else 0)
    return count


@dataclass
class _Known:
    """What was applied already about one platform order: the latest platform time, the bodies."""

    latest: datetime | None = None
    bodies: set[str] = field(default_factory=set)

    def add(self, updated_at: datetime | None, body: str) -> None:
        if updated_at is not None and (self.latest is None or updated_at > self.latest):
            self.latest = updated_at
        self.bodies.add(body)


def _applied_before(keys: set[tuple[int, str]]) -> dict[tuple[int, str], _Known]:
    """For each (channel, platform order) of ``keys``, what messages applied before said (one query)."""
    known = {key: _Known() for key in keys}
    if not keys:
        return known
    rows = InboxMessage.objects.filter(
        status=InboxStatus.PROCESSED,
        channel_id__in={channel_id for channel_id, _e in keys},
        external_id__in={external_id for _c, external_id in keys},
    ).values_list("channel_id", "external_id", "platform_updated_at", "body")
    for channel_id, external_id, updated_at, body in rows:
        if (channel_id, external_id) in known:
            known[(channel_id, external_id)].add(updated_at, body)
    return known


def _apply_batch(messages: list[InboxMessage], reads: dict[int, Read], numbers: list[str]) -> list[InboxMessage]:
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
    taken = order_intake_batch(
        drafts=[reads[m.pk].parsed.draft for m in firsts.values()], validated=True, numbers=numbers
    ) if firsts else []
    created = {m.pk for m, r in zip(firsts.values(), taken, strict=True) if r.created}
    found = Order.objects.in_bulk([r.order_id for r in taken])
    #: Each platform order's order, as the last message about it left it.
    orders = {key: found[r.order_id] for key, r in zip(firsts, taken, strict=True)}
    news = {(m.channel_id, m.external_id) for m in live if reads[m.pk].parsed and m.pk not in created}
    known = _applied_before(news)
    now = timezone.now()
    for message in live:
        read = reads[message.pk]
        if read.parsed is None:
            _outcome(message, InboxStatus.FAILED, None, read.error, now)
            continue
        key = (message.channel_id, message.external_id)
        if message.pk in created:
            status, order, note = inbox_outcome_new(read.parsed, orders[key])
        else:
            status, order, note = _news(message, read.parsed, orders[key], known[key])
        if status == InboxStatus.PROCESSED:
            known.setdefault(key, _Known()).add(read.parsed.updated_at, message.body)
        orders[key] = order
        _outcome(message, status, order, note, now)
    _record(live)
    for message in live:
        if message.status == InboxStatus.FAILED:
            log.warning("inbox message %s failed: %s", message.pk, message.error)
    return live


def _news(message: InboxMessage, parsed, order: Order, known: _Known):
    """A message about an order we have: older than what was applied (ignored, as
    ``inbox_apply_news`` would), the very body applied before (ignored without a look at the
    order: it says nothing new), else the news path."""
    stale = known.latest is not None and parsed.updated_at is not None and known.latest > parsed.updated_at
    if not stale and message.body in known.bodies:
        return InboxStatus.IGNORED, order, _("与已处理的消息内容相同，已忽略")
    return inbox_apply_news(message, parsed, order, stale=stale)


def _record(messages: list[InboxMessage]) -> None:
    """Write the messages' outcomes: one UPDATE, sent for all of them at once (psycopg pipelines
    ``executemany``; Django's ``bulk_update`` builds a CASE per field and row, and cost more
    than the batch's whole intake)."""
    if not messages:
        return
    fields = [InboxMessage._meta.get_field(name) for name in OUTCOME_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Only the model's own table and column names are interpolated; every value is a parameter.
    sql = f"UPDATE {quote(InboxMessage._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(message, field.attname), connection) for field in fields] + [message.pk]
        for message in messages
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


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
