"""Waking the worker: one drain task per burst, our own INSERT of django-q2's ORM broker row, read
back by django-q2 itself."""

from importlib.metadata import version

import pytest
from django.db import transaction
from django_q.brokers import get_broker
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from channels.models import InboxDrain, InboxSource
from channels.services import queue
from channels.services.inbox import inbox_receive


def test_the_row_format_is_pinned_to_the_installed_django_q2():
    """The row is django-q2's internal format: upgrading django-q2 fails here until someone has
    checked ``queue.task_row`` against the new version and moved ``DJANGO_Q2_VERSION``."""
    assert version("django-q2") == queue.DJANGO_Q2_VERSION


def test_django_q2s_own_broker_reads_the_task_we_wrote(taobao_channel):
    with transaction.atomic():
        inbox_receive(channel=taobao_channel, body="{}", source=InboxSource.WEBHOOK)
        assert queue.wake() is True

    [(task_id, payload)] = get_broker().dequeue()
    task = SignedPackage.loads(payload)
    assert (task["func"], task["args"], task["kwargs"], task["save"]) == (queue.DRAIN_TASK, (), {}, False)
    assert OrmQ.objects.get(pk=task_id).key == get_broker().list_key


def test_wake_queues_one_drain_until_a_drain_starts(taobao_channel):
    assert [queue.wake() for _ in range(3)] == [True, False, False]
    assert OrmQ.objects.count() == 1

    queue.drain_started()
    assert queue.wake() is True and OrmQ.objects.count() == 2


def test_wake_makes_the_flag_when_its_row_is_missing(taobao_channel):
    InboxDrain.objects.all().delete()

    assert queue.wake() is True and queue.wake() is False
    assert InboxDrain.objects.get().queued_at is not None and OrmQ.objects.count() == 1


def test_the_task_row_commits_or_rolls_back_with_the_callers_transaction(taobao_channel):
    inbox_receive(channel=taobao_channel, body="{}", source=InboxSource.WEBHOOK)

    with pytest.raises(RuntimeError), transaction.atomic():
        queue.wake()
        assert OrmQ.objects.count() == 1
        raise RuntimeError("the caller failed")

    assert OrmQ.objects.count() == 0
    assert InboxDrain.objects.filter(queued_at__isnull=False).count() == 0
