"""Polling: pull a shop's orders changed since its cursor, page by page, into the inbox.

One worker polls one shop at a time: it takes a lease on the channel row with a conditional
update (``poll_lease_until`` in the past or empty → ours, with a fresh token); a lease left by a
worker that died expires and is taken over. Each page's payloads are stored as inbox messages
and the new cursor saved IN THE SAME transaction, and only while the lease is still ours, so the
cursor never runs ahead of what was taken in: a crash re-fetches at most one page, and the
intake's deduplication (plus skipping payloads already in the inbox) makes that harmless. The
stored messages are then processed; storing them also wakes the inbox drain
(``channels.services.queue.wake``), which takes in any left pending by a crash (or, with
``process=False``, all of them) by the batch (``channels.services.drain``).
"""

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.connectors import PayloadInvalid, get_connector
from channels.http import PlatformUnavailable, call
from channels.models import Channel, InboxMessage, InboxSource
from channels.services import queue
from channels.services.inbox import inbox_process

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
PAGE_SIZE = 50
#: Pages taken in one run, and seconds after which a run takes no further page; the rest waits
#: for the next run (the cursor is saved page by page), so a run stays well inside the task timeout.
MAX_PAGES = 10
TIME_BUDGET = 60.0
ERROR_LIMIT = 1000


class LeaseLost(Exception):
    """Another worker took this channel's polling lease over (ours had expired)."""


@dataclass
class PollResult:
    channel: str
    polled: bool = False
    pages: int = 0
    received: int = 0
    skipped: int = 0
    error: str = ""
    message_ids: list[int] = field(default_factory=list)


def poll_lease_take(*, channel_id: int, now=None) -> str | None:
    """Take the channel's polling lease. Returns our token, or None when another worker holds it."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    taken = (
        Channel.objects.filter(pk=channel_id)
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lte=now))
        .update(poll_lease_until=now + LEASE, poll_lease_token=token)
    )
    return token if taken else None


def poll_channel(*, channel_id: int, process: bool = True, page_size: int = PAGE_SIZE,
                 max_pages: int = MAX_PAGES) -> PollResult:
    """Poll one channel (if no one else is): store each page in the inbox with the new cursor, then
    process the page's messages (``process=False`` leaves them pending for the worker)."""
    channel = Channel.objects.get(pk=channel_id)
    result = PollResult(channel=channel.code)
    if not (channel.active and channel.poll_enabled):
        return result  # switched off since the task was enqueued
    token = poll_lease_take(channel_id=channel.pk)
    if token is None:
        log.info("poll %s: another worker holds the lease", channel.code)
        return result
    result.polled = True
    try:
        _poll(channel, token, result, process=process, page_size=page_size, max_pages=max_pages)
    except (PlatformUnavailable, PayloadInvalid) as exc:
        result.error = str(exc)[:ERROR_LIMIT]
        log.warning("poll %s failed: %s", channel.code, result.error)
    except LeaseLost:
        result.error = _("拉单租约已被其他进程接管，本次停止")
        log.warning("poll %s: lease lost", channel.code)
        return result  # the new holder owns the row now: leave its fields alone
    except LookupError:
        result.error = _("平台 %(platform)s 没有对接程序") % {"platform": channel.get_platform_display()}
    except Exception as exc:
        # A bug or a database error: say so on the channel, free the lease, and let the task fail loudly.
        result.error = (_("拉单出错：%(error)s") % {"error": repr(exc)})[:ERROR_LIMIT]
        _finish(channel, token, result)
        raise
    _finish(channel, token, result)
    return result


def _finish(channel: Channel, token: str, result: PollResult) -> None:
    """Record the run and free the lease (only if it is still ours)."""
    Channel.objects.filter(pk=channel.pk, poll_lease_token=token).update(
        polled_at=timezone.now(), last_poll_error=result.error, poll_lease_until=None, poll_lease_token=""
    )


def _poll(channel: Channel, token: str, result: PollResult, *, process: bool, page_size: int, max_pages: int):
    connector = get_connector(channel.platform)
    cursor = channel.poll_cursor
    started = time.monotonic()
    for _page in range(max_pages):
        if time.monotonic() - started > TIME_BUDGET:
            return
        request = connector.poll_request(credentials=channel.credentials, cursor=cursor, page_size=page_size)
        page = connector.parse_poll_response(call(channel.api_base_url, request), cursor=cursor)
        ids = _store_page(channel, token, page, connector, result)
        result.pages += 1
        cursor = page.next_cursor
        if process:
            for message_id in ids:
                _process(message_id)
        if not page.has_more or not page.payloads:
            return


def _store_page(channel: Channel, token: str, page, connector, result: PollResult) -> list[int]:
    """The page's new payloads as inbox messages and the cursor after them, in one transaction,
    only while our lease holds (it is renewed at the same time)."""
    with transaction.atomic():
        saved = Channel.objects.filter(pk=channel.pk, poll_lease_token=token).update(
            poll_cursor=page.next_cursor[:64], poll_lease_until=timezone.now() + LEASE
        )
        if not saved:
            raise LeaseLost()
        ids = []
        for payload in page.payloads:
            message = _new_message(channel, payload, connector)
            if message is None:
                result.skipped += 1
                continue
            message.save()
            ids.append(message.pk)
        result.received += len(ids)
        result.message_ids.extend(ids)
        if ids:
            queue.wake()
    return ids


def _new_message(channel: Channel, payload, connector) -> InboxMessage | None:
    """An unsaved inbox message for ``payload``, or None when the same version of the same
    platform order is already in the inbox (a page fetched again after a crash)."""
    body = json.dumps(payload, ensure_ascii=False)
    message = InboxMessage(channel=channel, source=InboxSource.POLL, body=body)
    try:
        parsed = connector.parse(payload, channel_code=channel.code) if isinstance(payload, dict) else None
    except PayloadInvalid:
        parsed = None
    if parsed is None:
        return message  # kept raw; processing records why it cannot be read
    message.external_id = parsed.external_id[:64]
    message.platform_status = parsed.status
    message.platform_updated_at = parsed.updated_at
    seen = InboxMessage.objects.filter(
        channel=channel, external_id=message.external_id, platform_status=parsed.status,
        platform_updated_at=parsed.updated_at,
    )
    if parsed.updated_at is not None and seen.exists():
        return None
    return message


def _process(message_id: int) -> None:
    try:
        inbox_process(message_id)
    except Exception:
        # An unexpected error in one message must not stop the page: it stays pending for the drain.
        log.exception("inbox message %s could not be processed", message_id)


def poll_due_channels(*, process: bool = True) -> list[PollResult]:
    """Poll every active channel that has polling on (the ``poll_channels`` task)."""
    ids = list(Channel.objects.filter(active=True, poll_enabled=True).exclude(api_base_url="").values_list("pk", flat=True))
    return [poll_channel(channel_id=pk, process=process) for pk in ids]
