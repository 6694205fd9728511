"""django-q2 task entry points for the channels app (thin: they call the services)."""

from channels.services.inbox import inbox_process


def process_inbox_message(message_id: int) -> str:
    return inbox_process(message_id).status


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
