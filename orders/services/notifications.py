"""Buyer notifications: an outbox read from the order event log, sent with retries.

The same two steps as the tracking write-back (``channels.services.writeback``), each safe to repeat:

1. ``notifications_collect`` reads the events after the "notifications" cursor — shipped,
   delivered, held for the buyer's input (an address to complete or confirm), and the after-sales
   decisions — and writes one ``Notification`` per event and channel that has an active template
   and a recipient (the order's phone for SMS unless it is a platform privacy number, the
   customer's email for mail), its text filled in from the template now. The cursor moves in the
   same transaction, and stops before events younger than ``SETTLE`` (a smaller id may still be
   committing); re-reading an event creates nothing (unique event + channel). A new cursor starts
   at the newest event: history is never notified.
2. ``notifications_send_due`` sends the rows that are due. A worker takes a row by moving its
   ``next_attempt_at`` past ``LEASE`` and counting the attempt (committed before the send), so a
   worker that dies mid-send leaves the row due again, never lost. A sender that fails
   (``SendFailed``, or any error) leaves the row failed, retried after 1, 2, 4 … minutes, given up
   after ``MAX_ATTEMPTS``; ``notification_retry`` (admin's 立即重试) makes it due again.
"""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from orders.events import EventAction
from orders.models import Order, OrderEvent
from orders.notification_models import (
    Notification,
    NotificationCursor,
    NotificationStatus,
    NotificationTemplate,
    NotifyChannel,
    NotifyEvent,
)
from orders.privacy import PhonePrivacy
from orders.selectors import last_event_id, settled_event_id
from orders.senders import sender_for
from orders.states import HoldReason

log = logging.getLogger(__name__)

CURSOR = "notifications"
SETTLE = timedelta(seconds=60)
COLLECT_BATCH = 1000
LEASE = timedelta(minutes=2)
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=2)
MAX_ATTEMPTS = 8
SEND_BATCH = 200
ERROR_LIMIT = 1000

#: Holds that wait on the buyer (an address to complete, a change to confirm): the buyer is told.
CUSTOMER_INPUT_HOLDS = (HoldReason.BAD_ADDRESS, HoldReason.ADDRESS_CHANGE)
_RETURN_EVENTS = {
    EventAction.RETURN_APPROVE: NotifyEvent.RETURN_APPROVED,
    EventAction.RETURN_REFUSE: NotifyEvent.RETURN_REFUSED,
}
WATCHED = (
    EventAction.SHIP, EventAction.DELIVER, EventAction.CREATED, EventAction.HOLD, EventAction.HOLD_REASON,
    EventAction.REFUND, *_RETURN_EVENTS,
)

#: What a template may say, filled from the order and the event.
PLACEHOLDERS = (
    "order_number", "shop", "name", "carrier", "tracking_number", "hold_reason", "return_number",
    "refund_amount", "note", "track_url",
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def template_problems(text: str) -> list[str]:
    """The placeholders in ``text`` that are not in ``PLACEHOLDERS``."""
    return sorted({name for name in _PLACEHOLDER.findall(text or "") if name not in PLACEHOLDERS})


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with each known ``{placeholder}`` replaced; other braces are left as written."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text or "")


def notify_event_of(action: str, data: dict) -> str | None:
    """The notification an event calls for, if any."""
    if action == EventAction.SHIP:
        return NotifyEvent.SHIPPED
    if action == EventAction.DELIVER:
        return NotifyEvent.DELIVERED
    reason = (data or {}).get("hold_reason" if action == EventAction.CREATED else "reason")
    if action in (EventAction.CREATED, EventAction.HOLD, EventAction.HOLD_REASON):
        return NotifyEvent.HELD if reason in CUSTOMER_INPUT_HOLDS else None
    if action == EventAction.REFUND:
        # Only an after-sales refund we recorded; the platform tells its buyer of its own refunds.
        return NotifyEvent.RETURN_REFUNDED if (data or {}).get("return") else None
    return _RETURN_EVENTS.get(action)


def recipient_for(order: Order, channel: str) -> str:
    """Where this order's buyer is reached on ``channel`` ("" when nowhere)."""
    if channel == NotifyChannel.SMS:
        return order.phone if order.phone and order.phone_privacy == PhonePrivacy.PLAIN else ""
    customer = order.customer
    return customer.email if customer is not None else ""


def track_url() -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + reverse("track:lookup")


def _values(order: Order, event: OrderEvent) -> dict[str, str]:
    data = event.data or {}
    reason = data.get("hold_reason") or data.get("reason") or order.hold_reason
    return {
        "order_number": order.number,
        "shop": order.channel.name,
        "name": order.recipient_name,
        "carrier": str(data.get("carrier") or order.carrier),
        "tracking_number": str(data.get("tracking_number") or order.tracking_number),
        "hold_reason": str(HoldReason(reason).label) if reason in HoldReason.values else "",
        "return_number": str(data.get("return", "")),
        "refund_amount": str(data.get("amount") or data.get("refund_amount") or ""),
        "note": event.note,
        "track_url": track_url(),
    }


def notification_cursor() -> NotificationCursor:
    cursor, _created = NotificationCursor.objects.get_or_create(
        name=CURSOR, defaults={"last_event_id": last_event_id()}
    )
    return cursor


def notifications_collect(*, now=None, batch: int = COLLECT_BATCH) -> int:
    """Write the messages owed for the events after the cursor. Returns how many rows were created."""
    now = now or timezone.now()
    notification_cursor()
    with transaction.atomic():
        cursor = NotificationCursor.objects.select_for_update().get(name=CURSOR)
        after = cursor.last_event_id
        events = list(
            OrderEvent.objects.filter(id__gt=after, action__in=WATCHED)
            .select_related("order__channel", "order__customer")
            .order_by("id")[:batch]
        )
        settled = settled_event_id(after=after, before=now - SETTLE)
        if len(events) == batch:
            settled = min(settled, events[-1].id)
        created = _create(events)
        if settled != after:
            cursor.last_event_id = settled
            cursor.save(update_fields=["last_event_id", "updated_at"])
    if created:
        log.info("notifications: %s messages owed", created)
    return created


def _create(events: list[OrderEvent]) -> int:
    wanted = [(event, kind) for event in events if (kind := notify_event_of(event.action, event.data))]
    if not wanted:
        return 0
    templates: dict[str, list[NotificationTemplate]] = {}
    for template in NotificationTemplate.objects.filter(active=True, event__in={kind for _e, kind in wanted}):
        templates.setdefault(template.event, []).append(template)
    rows = []
    for event, kind in wanted:
        for template in templates.get(kind, []):
            recipient = recipient_for(event.order, template.channel)
            if not recipient:
                continue
            values = _values(event.order, event)
            rows.append(Notification(
                order_id=event.order_id, source_event_id=event.id, event=kind, channel=template.channel,
                recipient=recipient, subject=render(template.subject, values)[:200],
                body=render(template.body, values), next_attempt_at=timezone.now(),
            ))
    owed = Notification.objects.filter(source_event_id__in=[event.id for event, _k in wanted])
    before = owed.count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return owed.count() - before


@dataclass
class SendCounts:
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    skipped: int = 0


RETRYABLE = (NotificationStatus.PENDING, NotificationStatus.FAILED)


def _due(now):
    return Notification.objects.filter(status__in=RETRYABLE).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def notifications_send_due(*, limit: int = SEND_BATCH) -> SendCounts:
    """Send every due message (oldest due first), at most ``limit``."""
    counts = SendCounts()
    ids = list(_due(timezone.now()).order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    for pk in ids:
        row = notification_send(notification_id=pk)
        outcome = row.status if row is not None else "skipped"
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    return counts


def notification_take(*, notification_id: int, now=None) -> bool:
    """Take a due row for one attempt (lease and count), in one conditional update. False if not due."""
    now = now or timezone.now()
    return bool(
        _due(now).filter(pk=notification_id).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    )


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after ``attempts`` failed ones: 1, 2, 4 … minutes, capped."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def notification_send(*, notification_id: int) -> Notification | None:
    """One attempt at one message, if it is due and no one else holds it. Returns the row after."""
    if not notification_take(notification_id=notification_id):
        return None
    row = Notification.objects.get(pk=notification_id)
    try:
        sender_for(row.channel).send(recipient=row.recipient, subject=row.subject, body=row.body)
    except Exception as exc:  # noqa: BLE001 - whatever a sender raises, the row must be kept for a retry
        row.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT]
        if row.attempts >= MAX_ATTEMPTS:
            row.status, row.next_attempt_at = NotificationStatus.GIVEN_UP, None
        else:
            row.status, row.next_attempt_at = NotificationStatus.FAILED, timezone.now() + backoff(row.attempts)
        Notification.objects.filter(pk=row.pk).exclude(status=NotificationStatus.SENT).update(
            status=row.status, last_error=row.last_error, next_attempt_at=row.next_attempt_at
        )
        log.warning("notification %s (%s) failed, attempt %s: %s", row.pk, row.channel, row.attempts, row.last_error)
        return row
    row.status, row.sent_at, row.last_error, row.next_attempt_at = NotificationStatus.SENT, timezone.now(), "", None
    Notification.objects.filter(pk=row.pk).update(status=row.status, sent_at=row.sent_at, last_error="",
                                                  next_attempt_at=None)
    return row


def notification_retry(*, notification_ids) -> int:
    """Make failed or given-up messages due now (admin's 立即重试). Returns how many."""
    stuck = (NotificationStatus.FAILED, NotificationStatus.GIVEN_UP)
    return Notification.objects.filter(pk__in=list(notification_ids), status__in=stuck).update(
        status=NotificationStatus.PENDING, next_attempt_at=timezone.now()
    )
