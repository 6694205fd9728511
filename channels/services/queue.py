"""Waking the worker: how stored inbox messages reach the django-q2 worker.

Messages are not queued one task each. Whoever stores one calls ``wake``, which queues one
*drain* task (``channels.tasks.drain_inbox``) unless one is queued already: it flips the single
``InboxDrain`` row's ``queued_at`` from empty, and only the call that flips it writes a task. The
drain empties the flag when it starts (so a message stored meanwhile queues the next drain,
which a second worker can run beside it) and then claims pending messages in batches
(``channels.services.drain``). A schedule runs the same drain every minute, the safety net for a
task lost on the way (a broker emptied, a flag left set by a worker that died).

With the ORM broker (the default) the task row is written by us, in the caller's transaction, or
inside a larger statement (the webhook's one-statement accept, ``wake_statement``). The row is
exactly what django-q2's own ORM broker would store: the package is built and signed by
django-q2's ``async_task``, and only the INSERT is ours. That leans on django-q2's internals
(``OrmQ`` and the ``enqueue`` hook of a broker), so ``DJANGO_Q2_VERSION`` pins the version it was
checked against and a test fails on any other (tests/channels/test_queue.py): check the row format
again, then move the pin. With Redis the broker cannot join a transaction: the task is sent when
the transaction commits.
"""

import functools

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from channels.models import InboxDrain
from core.sql import insert, insert_statement

#: The django-q2 version whose ORM broker row ``task_row`` reproduces.
DJANGO_Q2_VERSION = "1.11.1"
DRAIN_TASK = "channels.tasks.drain_inbox"
#: The flag's row.
FLAG = 1
#: django-q2 keeps no success record of a drain: the messages record their outcomes (status,
#: order, processed at), and saving one costs django-q2's monitor a pass over the whole success
#: table each time. Failures are still recorded.
SAVE_SUCCESS = False


def wake() -> bool:
    """Have a drain run soon: queue its task unless one is queued already. Call it in the
    transaction that stores the messages (with the ORM broker the task row commits with them).
    Returns whether a task was queued."""
    now = timezone.now()
    flipped = InboxDrain.objects.filter(pk=FLAG, queued_at__isnull=True).update(queued_at=now)
    if not flipped:
        _flag, flipped = InboxDrain.objects.get_or_create(pk=FLAG, defaults={"queued_at": now})
    if flipped:
        enqueue_drain()
    return bool(flipped)


def drain_started() -> None:
    """A drain starts: the next message stored queues the next drain."""
    if not InboxDrain.objects.filter(pk=FLAG).update(queued_at=None):
        InboxDrain.objects.get_or_create(pk=FLAG)


def enqueue_drain() -> None:
    """Queue one drain task: with the ORM broker the task row is written now, inside the caller's
    transaction if there is one; with Redis (or in sync mode) it is sent on commit."""
    if writes_rows_itself():
        insert([task_row()])
    else:
        from django_q.tasks import async_task

        transaction.on_commit(functools.partial(async_task, DRAIN_TASK, save=SAVE_SUCCESS))


def orm_broker() -> bool:
    return "orm" in settings.Q_CLUSTER


def writes_rows_itself() -> bool:
    """Whether ``task_row`` rows are what the worker reads: the ORM broker, not in sync mode
    (``Q_CLUSTER["sync"]`` runs tasks at once)."""
    from django_q.conf import Conf

    return orm_broker() and not Conf.SYNC


def wake_statement() -> tuple[str, list]:
    """PostgreSQL: (a CTE part, params) that flips the flag and, only if it flipped, writes the
    drain's task row, for a caller that puts it in one statement with its own write (``WITH
    inbox AS (INSERT …), <this>``). Needs ``writes_rows_itself()``."""
    flag = connection.ops.quote_name(InboxDrain._meta.db_table)
    task_sql, task_params = insert_statement([task_row()])
    head, values = task_sql.split(" VALUES ", 1)
    # Only quoted identifiers and placeholders are interpolated; every value is a parameter.
    # The flag row is made by a migration; should it be missing, the first writer makes it
    # (ON CONFLICT DO NOTHING, which locks nothing: the common case, a drain already queued,
    # takes no lock at all and webhooks never queue behind each other on the flag).
    sql = (
        f"wake AS (UPDATE {flag} SET queued_at = %s WHERE id = %s AND queued_at IS NULL RETURNING id), "  # noqa: S608
        f"born AS (INSERT INTO {flag} (id, queued_at) SELECT %s, %s WHERE NOT EXISTS (SELECT 1 FROM {flag}) "
        f"ON CONFLICT (id) DO NOTHING RETURNING id) "
        f"{head} SELECT {values[1:-1]} FROM (SELECT id FROM wake UNION ALL SELECT id FROM born) AS woken"
    )
    now = timezone.now()
    return sql, [now, FLAG, FLAG, now, *task_params]


class _PackageOnly:
    """A django-q2 broker stand-in that keeps the signed package ``async_task`` built, so that the
    ORM broker's row can be written by us: without a RETURNING, or within a larger statement."""

    def __init__(self, list_key: str):
        self.list_key = list_key
        self.package: str | None = None

    def enqueue(self, package: str) -> str:
        self.package = package
        return "inbox drain"  # what django-q2 logs as the queued id


def task_row():
    """The django-q2 ORM broker's queue row for one drain (not saved): the package is built and
    signed by django-q2's own ``async_task``, exactly as its broker would store it."""
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.tasks import async_task

    broker = _PackageOnly(Conf.CLUSTER_NAME)
    async_task(DRAIN_TASK, broker=broker, save=SAVE_SUCCESS)
    return OrmQ(key=broker.list_key, payload=broker.package, lock=timezone.now())
