"""Retention of the raw inbox: processed messages are deleted some days after processing, so the
inbox stays the size of the recent weeks however many years of orders the shop keeps.

Only ``processed`` messages go: a pending one is still to be worked, a failed or ignored one is
what a person may look at or replay. The order a message made keeps everything it carried (its
lines, platform number and event log). The check that refuses a late, older platform status
(``channels.services.inbox``) compares with the processed messages still kept, so the retention
(``INBOX_RETENTION_DAYS``, 90 by default) is chosen far longer than any platform redelivers; past
it, the order's own state machine still refuses to move back.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels.models import InboxMessage, InboxStatus


def inbox_purge_processed(
    *, older_than_days: int | None = None, batch_size: int | None = None, max_seconds: float = 50, now=None
) -> int:
    """Delete processed messages processed more than ``older_than_days`` days ago (default
    ``INBOX_RETENTION_DAYS``; 0 keeps everything), oldest first, ``batch_size`` at a time (default
    ``INBOX_RETENTION_BATCH``), each batch in its own short transaction, until none is left or
    ``max_seconds`` have passed (the next run goes on). Returns how many were deleted.

    Each batch is re-checked as it is deleted, so a message whose status changed in between stays."""
    days = settings.INBOX_RETENTION_DAYS if older_than_days is None else older_than_days
    batch = batch_size or settings.INBOX_RETENTION_BATCH
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    expired = InboxMessage.objects.filter(status=InboxStatus.PROCESSED, processed_at__lt=cutoff)
    deadline = time.monotonic() + max_seconds
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(expired.order_by("id").values_list("pk", flat=True)[:batch])
            if ids:
                deleted += expired.filter(pk__in=ids).delete()[0]
        if len(ids) < batch or time.monotonic() >= deadline:
            return deleted
