"""django-q2 task entry points for the channels app (thin: they call the services). Every task is
idempotent; the schedules that run them are declared in ``oms/schedules.py``."""

from functools import partial

from django.db import transaction

from channels.models import Channel
from channels.services.drain import inbox_drain
from channels.services.inbox import inbox_process
from channels.services.polling import poll_channel as _poll_channel
from channels.services.retention import inbox_purge_processed
from channels.services.unpaid import cancel_unpaid_orders
from channels.services.writeback import outbound_push_due, shipments_collect


def drain_inbox() -> str:
    """Take the pending inbox in by the batch (queued when messages arrive, and every minute)."""
    return str(inbox_drain())


def process_inbox_message(message_id: int) -> str:
    """One message through the single path. Nothing queues it any more (the drain takes the inbox
    in); it runs the tasks a worker of the previous version left in the queue."""
    return inbox_process(message_id).status


def poll_channels() -> int:
    """Enqueue one poll per active channel with polling on (each its own task, so they run in parallel)."""
    from django_q.tasks import async_task

    ids = list(Channel.objects.filter(active=True, poll_enabled=True).exclude(api_base_url="").values_list("pk", flat=True))
    for pk in ids:
        transaction.on_commit(partial(async_task, "channels.tasks.poll_channel", pk))
    return len(ids)


def poll_channel(channel_id: int) -> str:
    result = _poll_channel(channel_id=channel_id)
    return f"{result.channel}: pages={result.pages} received={result.received} skipped={result.skipped} {result.error}"


def cancel_unpaid() -> int:
    return len(cancel_unpaid_orders().cancelled)


def collect_shipments() -> int:
    return shipments_collect()


def push_outbound() -> str:
    """Collect newly shipped orders, then push every due row."""
    created = shipments_collect()
    counts = outbound_push_due()
    return f"new={created} done={counts.done} failed={counts.failed} given_up={counts.given_up}"
#: Seconds of work per import task; well inside the cluster's timeout (and its retry), so the
#: broker never hands a running import to a second worker.
IMPORT_STEP_SECONDS = 45


def run_import(job_id: int) -> str:
    """One step of an import; queues the next step while there is more to do."""
    from django_q.tasks import async_task

    from channels.models import ImportStatus
    from channels.services.imports import import_run

    job = import_run(job_id, budget_s=IMPORT_STEP_SECONDS)
    if job.status == ImportStatus.RUNNING:
        async_task("channels.tasks.run_import", job_id)
    return job.status


def preview_import(job_id: int) -> str:
    from channels.models import ImportJob
    from channels.services.imports import import_preview

    return import_preview(ImportJob.objects.select_related("channel").get(pk=job_id)).status


def close_campaigns() -> str:
    """Group-buy cutoff (every minute): close the campaigns past their cutoff, pass their orders on."""
    from channels.services.cutoff import campaigns_close_due

    result = campaigns_close_due()
    release = result.release
    return f"closed={','.join(result.closed) or '-'} approved={release.approved} finished={release.finished}"


def purge_inbox() -> int:
    """Delete processed inbox messages past their retention (one bounded run)."""
    return inbox_purge_processed()
