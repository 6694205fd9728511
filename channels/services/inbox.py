"""The raw inbox: every inbound platform payload is stored before it is parsed, then processed
into the order core. A payload that fails stays in the inbox with its error and can be replayed.

Jobs that live elsewhere: waking the worker (``channels.services.queue``), the worker's batch
drain (``channels.services.drain``), the per-order lock (``core.locks``) and what a platform's
news does to an order we have (``orders.services.platform``). Here: store, parse, take one
message in or update its order, record the outcome; the drain reuses the parts.
"""

import json
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.connectors import PayloadInvalid, get_connector
from channels.connectors.base import ParsedOrder
from channels.models import Channel, InboxMessage, InboxSource, InboxStatus
from channels.services import queue
from channels.services.leader_orders import leader_message_replay
from channels.services.skus import map_draft
from core.locks import advisory_xact_lock
from core.sql import insert, insert_statement
from orders.drafts import DraftInvalid
from orders.services import PreparedIntake, order_intake, order_intake_prepare
from orders.services.platform import (
    CLOSED,
    NewsOutcome,
    PlatformNews,
    order_apply_platform_news,
    order_close_for_platform,
)

log = logging.getLogger(__name__)


def inbox_receive(*, channel: Channel, body: str, source: str, headers: dict | None = None) -> InboxMessage:
    """Store one raw payload (committed at once, whatever happens next) and return it."""
    return InboxMessage.objects.create(channel=channel, source=source, body=body, headers=headers or {})


def inbox_accept(
    *, channel: Channel, body: str, source: str, headers: dict | None = None, message_id: int | None = None
) -> InboxMessage:
    """Store one raw payload and wake the worker (``queue.wake``: a drain task is queued unless
    one is already), atomically: with the ORM broker (the default) the flag, the task row and the
    message are written together, so a message is never stored without a drain to come.

    ``message_id``, when the caller has already drawn one from the inbox's id sequence (the webhook
    view does, with its channel look-up), lets PostgreSQL write it all with one statement (a
    data-modifying CTE: one round trip, atomic on its own, no BEGIN/COMMIT)."""
    message = InboxMessage(id=message_id, channel=channel, source=source, body=body, headers=headers or {})
    if message_id is not None and connection.vendor == "postgresql" and queue.writes_rows_itself():
        inbox_sql, inbox_params = insert_statement([message])
        wake_sql, wake_params = queue.wake_statement()
        with connection.cursor() as cursor:
            cursor.execute(f"WITH inbox AS ({inbox_sql}), {wake_sql}", inbox_params + wake_params)
        message._state.adding, message._state.db = False, connection.alias
        return message
    with transaction.atomic():
        insert([message], returning_pk=message_id is None)
        queue.wake()
    return message


@dataclass
class Read:
    """What parsing a stored payload gave: the platform's order (``parsed``), or why it cannot be
    read (``error``, for a message that ends failed)."""

    parsed: ParsedOrder | None = None
    error: str = ""


def inbox_read(message: InboxMessage) -> Read:
    """Parse ``message``'s body with its channel's adapter; on success the message's platform
    order, status and time are filled in (not saved). Reads nothing from the database."""
    try:
        connector = get_connector(message.channel.platform)
    except LookupError as exc:
        return Read(error=_parse_error(exc, message.channel))
    try:
        payload = json.loads(message.body)
        if not isinstance(payload, dict):
            raise PayloadInvalid(_("内容不是一个订单对象"))
    except (ValueError, RecursionError, PayloadInvalid) as exc:
        # Whatever the body is, a body that cannot be read fails now, with a reason: RecursionError
        # (nesting deeper than the parser goes) is no ValueError and would leave it pending.
        return Read(error=_parse_error(exc, message.channel))
    try:
        parsed = connector.parse(payload, channel_code=message.channel.code)
    except PayloadInvalid as exc:
        return Read(error=_parse_error(exc, message.channel))
    except Exception as exc:  # noqa: BLE001 - an adapter bug must leave the message replayable, not lost
        log.exception("inbox message %s: the %s adapter failed", message.pk, message.channel.platform)
        return Read(error=_("对接程序出错：%(error)s") % {"error": repr(exc)[:300]})
    message.external_id = parsed.external_id[:64]
    message.platform_status = parsed.status
    message.platform_updated_at = parsed.updated_at
    return Read(parsed=parsed)


def inbox_process(message_id: int, *, counted: bool = False) -> InboxMessage:
    """Parse one stored payload and take it into the order core (replays, polling, and a batch
    that failed as a whole; the worker drains the inbox in batches, ``channels.services.drain``).
    Safe to run twice, and at the same time as other messages about the same platform order: a
    processed message is left alone, a repeat of a platform order is deduplicated by the intake,
    and applying a message (staleness check, intake or update, recording its outcome) is one
    transaction holding a lock on its (channel, platform order), so two workers never interleave
    there (``core.locks``). The intake's reads and order number come first, outside that
    transaction (``order_intake_prepare``), so that workers taking different orders never queue on
    the number counter. ``counted``: the caller has counted this attempt already (a drain's claim)."""
    message = InboxMessage.objects.select_related("channel").get(pk=message_id)
    if message.status in _DONE:
        return message
    if message.source == InboxSource.LEADER:
        # A group-buy leader's form, not a platform payload: the leader service applies it.
        return leader_message_replay(message)
    if not counted:
        message.attempts += 1
    read = inbox_read(message)
    if read.parsed is None:
        return _finish(message, InboxStatus.FAILED, error=read.error)
    parsed = read.parsed
    try:
        prepared = order_intake_prepare(draft=map_draft(message.channel, parsed.draft))
    except DraftInvalid as exc:
        return _finish(message, InboxStatus.FAILED, error=str(exc))
    with transaction.atomic():
        advisory_xact_lock(INBOX_LOCK, message.channel_id, message.external_id)
        if InboxMessage.objects.filter(pk=message.pk, status__in=_DONE).exists():
            # Another run of this same task finished it while we were parsing.
            return InboxMessage.objects.select_related("channel").get(pk=message.pk)
        try:
            status, order, note = _apply(message, parsed, prepared)
        except DraftInvalid as exc:
            return _finish(message, InboxStatus.FAILED, error=str(exc))
        return _finish(message, status, order=order, error=note)


_DONE = (InboxStatus.PROCESSED, InboxStatus.IGNORED)


def stale_note() -> str:
    """What an ignored message older than one applied before says (in the current language)."""
    return _("比已处理的消息旧，已忽略")
#: The lock ``inbox_process`` holds on one (channel, platform order) while applying a message.
INBOX_LOCK = "oms-inbox"


class InboxReplayRefused(Exception):
    """The message cannot be replayed (it was processed already, or is being processed)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


#: Messages a person may send through processing again.
REPLAYABLE = (InboxStatus.FAILED, InboxStatus.IGNORED)


def inbox_replay(message_id: int) -> InboxMessage:
    """Process a failed or ignored message again (after a mapping, an adapter fix…), now.

    The status is switched back to pending by one conditional update, so two people replaying at
    once process it once; a processed message is refused. Whatever the message leads to goes
    through the intake, so an order already taken in is never taken in twice."""
    switched = InboxMessage.objects.filter(pk=message_id, status__in=REPLAYABLE).update(
        status=InboxStatus.PENDING, error=""
    )
    if not switched:
        message = InboxMessage.objects.filter(pk=message_id).first()
        if message is None:
            raise InboxReplayRefused(_("消息不存在"))
        raise InboxReplayRefused(
            _("消息 #%(id)d 状态为「%(status)s」，只有失败或已忽略的消息可以重新处理")
            % {"id": message.pk, "status": message.get_status_display()}
        )
    return inbox_process(message_id)


def _apply(message: InboxMessage, parsed, prepared: PreparedIntake):
    """Take in a new platform order, or bring an existing one up to date. Returns (inbox status,
    order, note)."""
    result = order_intake(prepared=prepared)
    if result.created:
        return inbox_outcome_new(parsed, result.order)
    return inbox_apply_news(message, parsed, result.order)


def inbox_outcome_new(parsed, order):
    """(inbox status, order, note) for a message whose platform order was just taken in as ``order``:
    when the first news of it is that it is already closed, it is kept, cancelled."""
    if parsed.status in CLOSED:
        return _recorded(order_close_for_platform(order=order, status=parsed.status))
    return InboxStatus.PROCESSED, order, ""


def inbox_apply_news(message: InboxMessage, parsed, order, *, stale: bool | None = None):
    """Bring ``order`` (taken in before) up to date with ``message`` (the news policy is the order
    core's, ``orders.services.platform``), unless a later message about it was applied already
    (``stale``: the caller has looked; None: look now). Call it holding the platform order's
    lock. Returns (inbox status, order, note)."""
    if stale is None:
        stale = _is_stale(message, message.channel, parsed)
    if stale:
        return InboxStatus.IGNORED, order, stale_note()
    news = PlatformNews(status=parsed.status, recipient=parsed.draft.recipient, paid_at=parsed.draft.paid_at)
    return _recorded(order_apply_platform_news(order=order, news=news))


def _recorded(outcome: NewsOutcome):
    """(inbox status, order, note) for what the news did."""
    if outcome.changed:
        return InboxStatus.PROCESSED, outcome.order, ""
    return InboxStatus.IGNORED, outcome.order, outcome.note


def _is_stale(message: InboxMessage, channel: Channel, parsed) -> bool:
    """True when a message about the same platform order with a later platform time was already applied."""
    if parsed.updated_at is None:
        return False
    return (
        InboxMessage.objects.filter(
            channel=channel,
            external_id=parsed.external_id,
            status=InboxStatus.PROCESSED,
            platform_updated_at__gt=parsed.updated_at,
        )
        .exclude(pk=message.pk)
        .exists()
    )


#: What recording a message's outcome writes.
OUTCOME_FIELDS = [
    "status", "error", "order", "processed_at", "attempts", "external_id", "platform_status", "platform_updated_at",
    "claimed_until",
]


def _finish(message: InboxMessage, status: str, *, order=None, error: str = "") -> InboxMessage:
    message.status = status
    message.error = error
    message.order = order or message.order
    message.processed_at = timezone.now()
    message.claimed_until = None
    message.save(update_fields=OUTCOME_FIELDS)
    if status == InboxStatus.FAILED:
        log.warning("inbox message %s failed: %s", message.pk, error)
    return message


def _parse_error(exc: Exception, channel: Channel) -> str:
    if isinstance(exc, LookupError):
        return _("平台 %(platform)s 没有对接程序") % {"platform": channel.get_platform_display()}
    if isinstance(exc, PayloadInvalid):
        return str(exc)
    if isinstance(exc, RecursionError):
        return _("内容嵌套层数过多，无法读取")
    return _("内容不是合法的 JSON：%(error)s") % {"error": exc}
