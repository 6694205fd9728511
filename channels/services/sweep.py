"""The inbox sweep: messages left pending (the worker died mid-way, the task was lost, the
broker was emptied) are enqueued again. ``inbox_process`` is safe to run twice, so a message
that was only slow costs a second, harmless run.

A message is swept when it has been pending for ``STALE`` and was not swept within ``STALE``;
after ``MAX_REQUEUES`` sweeps it is marked failed with the reason, for a person to look at and
replay, so one poisoned message cannot be enqueued forever.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.models import InboxMessage, InboxSource, InboxStatus
from channels.services.queue import enqueue_processing

STALE = timedelta(minutes=5)
#: Imported rows are taken in by their import job, which keeps its own progress; only messages
#: that a task was enqueued for are swept.
SWEPT_SOURCES = (InboxSource.WEBHOOK, InboxSource.POLL)
MAX_REQUEUES = 5
BATCH = 500


def inbox_requeue_stale(*, now=None, enqueue=None) -> dict:
    """Enqueue pending messages older than ``STALE`` again. Returns {"requeued": n, "failed": n}."""
    now = now or timezone.now()
    enqueue = enqueue or enqueue_processing
    stale = InboxMessage.objects.filter(
        status=InboxStatus.PENDING, source__in=SWEPT_SOURCES, received_at__lt=now - STALE
    ).filter(
        Q(requeued_at__isnull=True) | Q(requeued_at__lt=now - STALE)
    )
    failed = stale.filter(requeues__gte=MAX_REQUEUES).update(
        status=InboxStatus.FAILED, processed_at=now,
        error=_("重新排队 %(n)s 次仍未处理完成，请检查后重放") % {"n": MAX_REQUEUES},
    )
    requeued = 0
    for pk in list(stale.filter(requeues__lt=MAX_REQUEUES).order_by("id").values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            # Conditional, so two sweeps running at once enqueue a message once.
            taken = InboxMessage.objects.filter(pk=pk, status=InboxStatus.PENDING).filter(
                Q(requeued_at__isnull=True) | Q(requeued_at__lt=now - STALE)
            ).update(requeued_at=now, requeues=F("requeues") + 1)
            if taken:
                # The queue write: with the ORM broker the task row commits with the count.
                enqueue(pk)
                requeued += 1
    return {"requeued": requeued, "failed": failed}
