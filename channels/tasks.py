"""django-q2 task entry points for the channels app (thin: they call the services)."""

from channels.services.inbox import inbox_process


def process_inbox_message(message_id: int) -> str:
    return inbox_process(message_id).status


def run_import(job_id: int) -> str:
    from channels.services.imports import import_run

    return import_run(job_id).status
