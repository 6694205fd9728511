"""Tracking write-back: tell each platform the carrier and tracking number of its shipped orders.

Two steps, each safe to repeat:

1. ``shipments_collect`` reads the order core's outbox — the ``ship`` ``OrderEvent`` rows — after
   the ``EventCursor`` named "shipments", and writes one ``OutboundPush`` per platform order the
   shipped order came from (a merged order has several ``OrderSource`` rows), advancing the cursor
   in the same transaction. The unique (channel, platform order, tracking number) makes a second
   read of the same event create nothing. Events of the last ``SETTLE`` are read but the cursor
   stays before them, because an event with a smaller id may still be committing.
   The cursor starts at the newest event when it is first created, so shipments from before
   write-back was switched on (a database filled with history) are never pushed. A shop without
   an API address (接口地址) gets no push: its write-back starts once the address is set.
2. ``outbound_push_due`` pushes the rows that are due. A worker takes a row by moving its
   ``next_attempt_at`` forward by ``LEASE`` (and counting the attempt) before the HTTP call: if it
   dies mid-way the row is simply due again after the lease, never lost. Success → done; a
   platform that is down or refuses for now → failed, retried after 1, 2, 4 … minutes (capped at
   ``MAX_DELAY``), given up after ``MAX_ATTEMPTS`` (a person can retry it from admin). A refusal
   that no wait will change (the order is not found, closed, or shipped with another tracking
   number; ``connectors.base.is_permanent_refusal``) → refused at once, with the platform's reason.
   Pushing the same tracking number twice is harmless: platforms accept a repeat of the same
   shipment, and one that answers "already shipped" with our own tracking number counts as done.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.connectors import PayloadInvalid, get_connector
from channels.connectors.base import is_permanent_refusal
from channels.http import PlatformUnavailable, call
from channels.models import Channel, EventCursor, OutboundPush, PushStatus
from orders.events import EventAction
from orders.models import OrderSource
from orders.returns_selectors import exchange_orders
from orders.selectors import events_after, last_event_id, settled_event_id

log = logging.getLogger(__name__)

CURSOR = "shipments"
SETTLE = timedelta(seconds=60)
COLLECT_BATCH = 1000
LEASE = timedelta(minutes=2)
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=2)
MAX_ATTEMPTS = 10
PUSH_BATCH = 100
#: A push run stops taking new rows after this long, so a slow platform cannot outlast the task timeout.
TIME_BUDGET = 60.0
ERROR_LIMIT = 1000
RETRYABLE = (PushStatus.PENDING, PushStatus.FAILED)


def _has_connector(platform: str) -> bool:
    try:
        get_connector(platform)
    except LookupError:
        return False
    return True


def shipment_cursor() -> EventCursor:
    """The "shipments" cursor, created at the newest event when it does not exist yet."""
    cursor, _created = EventCursor.objects.get_or_create(name=CURSOR, defaults={"last_event_id": last_event_id()})
    return cursor


def shipments_collect(*, now=None, batch: int = COLLECT_BATCH) -> int:
    """Write the pushes owed for ship events after the cursor. Returns how many rows were created."""
    now = now or timezone.now()
    shipment_cursor()
    with transaction.atomic():
        cursor = EventCursor.objects.select_for_update().get(name=CURSOR)
        after = cursor.last_event_id
        events = events_after(after=after, action=EventAction.SHIP, limit=batch)
        settled = settled_event_id(after=after, before=now - SETTLE)
        if len(events) == batch:
            settled = min(settled, events[-1]["id"])
        created = _create_pushes(events, now)
        if settled != after:
            cursor.last_event_id = settled
            cursor.save(update_fields=["last_event_id", "updated_at"])
    if created:
        log.info("write-back: %s pushes owed", created)
    return created


def _create_pushes(events: list[dict], now) -> int:
    if not events:
        return 0
    order_ids = {e["order_id"] for e in events}
    # An exchange order is ours, not the platform's (its external id is the return number).
    order_ids -= exchange_orders(order_ids)
    sources: dict[int, list[OrderSource]] = {}
    for source in OrderSource.objects.filter(order_id__in=order_ids).select_related("channel"):
        sources.setdefault(source.order_id, []).append(source)
    pushable = {}
    rows = []
    for event in events:
        carrier = str((event["data"] or {}).get("carrier") or "")[:32]
        tracking = str((event["data"] or {}).get("tracking_number") or "")[:64]
        if not tracking:
            continue
        for source in sources.get(event["order_id"], []):
            platform = source.channel.platform
            if platform not in pushable:
                pushable[platform] = _has_connector(platform)
            if not pushable[platform] or not source.channel.api_base_url:
                continue  # a manual or own-shop channel, or a shop with no API address: no one to tell
            rows.append(OutboundPush(
                channel_id=source.channel_id, external_id=source.external_id, order_id=event["order_id"],
                carrier=carrier, tracking_number=tracking, next_attempt_at=now,
            ))
    owed = OutboundPush.objects.filter(order_id__in={e["order_id"] for e in events})
    before = owed.count()
    OutboundPush.objects.bulk_create(rows, ignore_conflicts=True)
    return owed.count() - before


@dataclass
class PushCounts:
    done: int = 0
    failed: int = 0
    refused: int = 0
    given_up: int = 0
    skipped: int = 0  # another worker had taken the row


def _due(now):
    return OutboundPush.objects.filter(status__in=RETRYABLE).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def outbound_push_due(*, limit: int = PUSH_BATCH, budget: float = TIME_BUDGET) -> PushCounts:
    """Push every due row (oldest due first), within a time budget."""
    counts = PushCounts()
    started = time.monotonic()
    ids = list(_due(timezone.now()).order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    for pk in ids:
        if time.monotonic() - started > budget:
            break
        push = outbound_push(push_id=pk)
        outcome = push.status if push is not None else "skipped"
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    return counts


def outbound_take(*, push_id: int, now=None) -> bool:
    """Take a due row for one attempt: move ``next_attempt_at`` past the lease and count the
    attempt, in one conditional update (committed before any HTTP call). False if not due or taken."""
    now = now or timezone.now()
    return bool(
        _due(now).filter(pk=push_id).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    )


def outbound_push(*, push_id: int) -> OutboundPush | None:
    """One attempt at one push, if it is due and no one else holds it. Returns the row after."""
    if not outbound_take(push_id=push_id):
        return None
    push = OutboundPush.objects.select_related("channel").get(pk=push_id)
    try:
        _send(push)
    except PlatformUnavailable as exc:
        return _failed(push, exc.message)
    except PayloadInvalid as exc:
        reason = str(exc)
        if not _already_ours(push, reason):
            error = _("平台拒绝：%(reason)s") % {"reason": reason}
            return _refused(push, error) if is_permanent_refusal(reason) else _failed(push, error)
    except LookupError:
        return _failed(push, _("平台 %(platform)s 没有对接程序") % {"platform": push.channel.get_platform_display()})
    push.status, push.pushed_at, push.last_error, push.next_attempt_at = PushStatus.DONE, timezone.now(), "", None
    OutboundPush.objects.filter(pk=push.pk).update(
        status=push.status, pushed_at=push.pushed_at, last_error="", next_attempt_at=None
    )
    return push


def _send(push: OutboundPush) -> None:
    channel: Channel = push.channel
    connector = get_connector(channel.platform)
    request = connector.shipment_request(
        credentials=channel.credentials, external_id=push.external_id, carrier=push.carrier,
        tracking_number=push.tracking_number,
    )
    connector.check_shipment_response(call(channel.api_base_url, request))


def _already_ours(push: OutboundPush, reason: str) -> bool:
    """The platform says the order has shipped, with our own tracking number: an earlier attempt
    got through (its answer was lost), so this one is done too."""
    return "已发货" in reason and push.tracking_number in reason


def _refused(push: OutboundPush, error: str) -> OutboundPush:
    """A refusal that waiting will not change: no further attempt until a person retries it."""
    push.last_error, push.status, push.next_attempt_at = str(error)[:ERROR_LIMIT], PushStatus.REFUSED, None
    OutboundPush.objects.filter(pk=push.pk).exclude(status=PushStatus.DONE).update(
        status=push.status, last_error=push.last_error, next_attempt_at=None
    )
    log.warning("push %s (%s %s) refused for good: %s", push.pk, push.channel.code, push.external_id, push.last_error)
    return push


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after ``attempts`` failed ones: 1, 2, 4 … minutes, capped."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def _failed(push: OutboundPush, error: str) -> OutboundPush:
    push.last_error = str(error)[:ERROR_LIMIT]
    if push.attempts >= MAX_ATTEMPTS:
        push.status, push.next_attempt_at = PushStatus.GIVEN_UP, None
    else:
        push.status, push.next_attempt_at = PushStatus.FAILED, timezone.now() + backoff(push.attempts)
    OutboundPush.objects.filter(pk=push.pk).exclude(status=PushStatus.DONE).update(
        status=push.status, last_error=push.last_error, next_attempt_at=push.next_attempt_at
    )
    log.warning("push %s (%s %s) failed, attempt %s: %s", push.pk, push.channel.code, push.external_id,
                push.attempts, push.last_error)
    return push


def outbound_retry(*, push_ids) -> int:
    """Make failed, refused or given-up pushes due now (the admin's 立即重试). Returns how many."""
    stuck = (PushStatus.FAILED, PushStatus.REFUSED, PushStatus.GIVEN_UP)
    return OutboundPush.objects.filter(pk__in=list(push_ids), status__in=stuck).update(
        status=PushStatus.PENDING, next_attempt_at=timezone.now()
    )
