"""The queue write: how an inbox message's processing task reaches the django-q2 worker.

With the ORM broker (the default) the task row is written by us, in the caller's transaction (so a
message never exists without its task, nor a task without its message), or inside a larger
statement (the webhook's one-statement accept). The row is exactly what django-q2's own ORM
broker would store: the package is built and signed by django-q2's ``async_task``, and only the
INSERT is ours. That leans on django-q2's internals (``OrmQ`` and the ``enqueue`` hook of a
broker), so ``DJANGO_Q2_VERSION`` pins the version it was checked against and a test fails on
any other (tests/channels/test_queue.py): check the row format again, then move the pin.

With Redis the broker cannot join a transaction: the task is sent when the transaction commits.
"""

import functools

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.sql import insert

#: The django-q2 version whose ORM broker row ``task_row`` reproduces.
DJANGO_Q2_VERSION = "1.11.1"
PROCESS_TASK = "channels.tasks.process_inbox_message"
#: django-q2 keeps no success record of a processing task: the message itself records its outcome
#: (status, order, processed at), and saving one costs django-q2's monitor a pass over the whole
#: success table each time (about 20 tasks/s at most). Failures are still recorded.
SAVE_SUCCESS = False


def enqueue_processing(message_id: int) -> None:
    """Have the worker process inbox message ``message_id``: with the ORM broker the task row is
    written now, inside the caller's transaction if there is one; with Redis it is sent on commit."""
    if orm_broker():
        _enqueue_now(message_id)
    else:
        transaction.on_commit(functools.partial(_enqueue_now, message_id))


def orm_broker() -> bool:
    return "orm" in settings.Q_CLUSTER


def writes_rows_itself() -> bool:
    """Whether ``task_row`` rows are what the worker reads: the ORM broker, not in sync mode
    (tests and ``Q_CLUSTER["sync"]`` run tasks at once)."""
    from django_q.conf import Conf

    return orm_broker() and not Conf.SYNC


def _enqueue_now(message_id: int) -> None:
    from django_q.tasks import async_task

    if writes_rows_itself():
        insert([task_row(message_id)])
    else:
        async_task(PROCESS_TASK, message_id, save=SAVE_SUCCESS)


class _PackageOnly:
    """A django-q2 broker stand-in that keeps the signed package ``async_task`` built, so that the
    ORM broker's row can be written by us: without a RETURNING, or within a larger statement."""

    def __init__(self, list_key: str, message_id: int):
        self.list_key = list_key
        self.message_id = message_id
        self.package: str | None = None

    def enqueue(self, package: str) -> str:
        self.package = package
        return f"inbox message {self.message_id}"  # what django-q2 logs as the queued id


def task_row(message_id: int):
    """The django-q2 ORM broker's queue row for processing ``message_id`` (not saved): the package
    is built and signed by django-q2's own ``async_task``, exactly as its broker would store it."""
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.tasks import async_task

    broker = _PackageOnly(Conf.CLUSTER_NAME, message_id)
    async_task(PROCESS_TASK, message_id, broker=broker, save=SAVE_SUCCESS)
    return OrmQ(key=broker.list_key, payload=broker.package, lock=timezone.now())
