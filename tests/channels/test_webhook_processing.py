"""What the worker makes of webhook deliveries: bad bodies stay in the inbox with their error,
duplicates are one order, an older status arriving late changes nothing, and (PostgreSQL) two
workers processing the same platform order at once still agree."""

import importlib
import itertools
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from channels.connectors import PlatformStatus
from channels.models import Channel, InboxMessage, InboxStatus, Platform
from channels.tasks import process_inbox_message
from orders.models import Order, OrderSource
from orders.states import OrderStatus
from tests.channels.connector_helpers import load
from tests.channels.webhook_helpers import encode, sample, send
from tests.fixtures.concurrency import errors_of, run_together

PLATFORMS = ["taobao", "jd", "pinduoduo", "douyin", "aliexpress"]
S = PlatformStatus


@pytest.fixture
def shop(db):
    def make(platform: str = "taobao") -> Channel:
        return Channel.objects.create(code=f"push-{platform}", name=f"{platform} 推送店", platform=platform)

    return make


def run_queued() -> list[InboxMessage]:
    """Run the queued django-q2 tasks the way the worker does (function by dotted name), then
    return the inbox, oldest first. However many deliveries came, they queued one drain, which
    took every one of them in."""
    tasks = [SignedPackage.loads(row.payload) for row in OrmQ.objects.order_by("id")]
    assert [(task["func"], task["args"]) for task in tasks] == [("channels.tasks.drain_inbox", ())]
    for task in tasks:
        module, name = task["func"].rsplit(".", 1)
        getattr(importlib.import_module(module), name)(*task["args"], **task["kwargs"])
    OrmQ.objects.all().delete()
    messages = list(InboxMessage.objects.order_by("id"))
    assert InboxStatus.PENDING not in {m.status for m in messages}
    return messages


_resent = itertools.count()


def deliver(client, channel, payload) -> int:
    """One delivery, signed anew (as a platform signs each retry: the same signed request twice is
    a replay and is refused), so repeats of a payload are separate deliveries."""
    body = payload if isinstance(payload, bytes) else encode(payload)
    # Each delivery's timestamp is later than the one before (within the 5-minute window), so two
    # deliveries of one body never share a signature, even when a second ticks over between them.
    response = send(client, channel, body, timestamp=int(time.time()) - 250 + next(_resent) % 200)
    assert response.status_code == 202, response.content
    return response.json()["inbox_id"]


def test_malformed_json_is_kept_failed_with_a_readable_error(client, shop):
    channel = shop()
    deliver(client, channel, b'{"tid": 123, "status": ')

    [message] = run_queued()

    assert message.status == InboxStatus.FAILED
    assert message.error.startswith("内容不是合法的 JSON")
    assert message.body == '{"tid": 123, "status": ' and message.attempts == 1
    assert not Order.objects.exists()


def test_json_that_is_not_an_object_is_failed(client, shop):
    deliver(client, shop(), b"[1, 2, 3]")

    [message] = run_queued()

    assert message.status == InboxStatus.FAILED and message.error == "内容不是一个订单对象"
    assert not Order.objects.exists()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_body_the_connector_rejects_is_kept_failed(client, shop, stocked, platform):
    deliver(client, shop(platform), load(platform, "malformed"))

    [message] = run_queued()

    assert message.status == InboxStatus.FAILED and message.error
    assert message.order is None and not Order.objects.exists()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_fixture_payload_delivered_three_times_is_one_order(client, shop, stocked, platform):
    channel = shop(platform)
    payload = load(platform, "paid")
    ids = [deliver(client, channel, payload) for _ in range(3)]

    messages = run_queued()

    assert [m.pk for m in messages] == ids
    assert [m.status for m in messages] == [InboxStatus.PROCESSED, InboxStatus.IGNORED, InboxStatus.IGNORED]
    order = Order.objects.get(channel=channel)
    assert {m.order_id for m in messages} == {order.pk}
    assert OrderSource.objects.filter(channel=channel).count() == 1


def test_a_task_run_twice_is_harmless(client, shop, stocked):
    message_id = deliver(client, shop(), sample("taobao", "9001"))

    assert process_inbox_message(message_id) == InboxStatus.PROCESSED
    assert process_inbox_message(message_id) == InboxStatus.PROCESSED
    assert Order.objects.count() == 1 and InboxMessage.objects.get().attempts == 1


def test_cancel_then_the_older_paid_message_stays_cancelled(client, shop, stocked):
    channel = shop()
    now = timezone.now().replace(microsecond=0)
    deliver(client, channel, sample("taobao", "9002", S.CANCELLED, updated_at=now))
    deliver(client, channel, sample("taobao", "9002", S.PAID, updated_at=now - timedelta(minutes=10)))

    cancelled, late_paid = run_queued()

    order = Order.objects.get(channel=channel)
    assert order.status == OrderStatus.CANCELLED
    assert cancelled.status == InboxStatus.PROCESSED
    assert late_paid.status == InboxStatus.IGNORED and "旧" in late_paid.error
    assert order.lines.get().reserved_quantity == 0


def test_unpaid_then_paid_then_a_late_unpaid_repeat_keeps_it_paid(client, shop, stocked):
    channel = shop()
    now = timezone.now().replace(microsecond=0)
    deliver(client, channel, sample("taobao", "9003", S.UNPAID, updated_at=now - timedelta(minutes=5)))
    deliver(client, channel, sample("taobao", "9003", S.PAID, updated_at=now))
    deliver(client, channel, sample("taobao", "9003", S.UNPAID, updated_at=now - timedelta(minutes=5)))

    statuses = [m.status for m in run_queued()]

    assert statuses == [InboxStatus.PROCESSED, InboxStatus.PROCESSED, InboxStatus.IGNORED]
    assert Order.objects.get(channel=channel).status == OrderStatus.PENDING_REVIEW


# -- PostgreSQL: real threads, each with its own connection --------------------------------------


def _deliveries(channel, payloads) -> list[int]:
    """Store ``payloads`` as the view does, committed (the threads must see them)."""
    from channels.models import InboxSource
    from channels.services.inbox import inbox_accept

    return [
        inbox_accept(channel=channel, body=json.dumps(p, ensure_ascii=False), source=InboxSource.WEBHOOK).pk
        for p in payloads
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("platform", ["taobao", "pinduoduo"])
def test_duplicates_processed_at_the_same_moment_are_one_order(stocked, platform):
    channel = Channel.objects.create(code="race", name="并发店", platform=platform)
    ids = _deliveries(channel, [sample(platform, "880001", lines=(("A001", 2, "9.90"),))] * 6)

    outcomes = run_together(lambda i: process_inbox_message(ids[i]), len(ids))

    assert errors_of(outcomes) == []
    assert sorted(o.value for o in outcomes) == [InboxStatus.IGNORED] * 5 + [InboxStatus.PROCESSED]
    order = Order.objects.get(channel=channel)
    assert set(InboxMessage.objects.values_list("order_id", flat=True)) == {order.pk}
    assert order.lines.get().reserved_quantity == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_message_run_by_two_workers_at_once_is_applied_once(stocked):
    channel = Channel.objects.create(code="race", name="并发店", platform=Platform.TAOBAO)
    [message_id] = _deliveries(channel, [sample("taobao", "880002")])

    outcomes = run_together(lambda i: process_inbox_message(message_id), 4)

    assert errors_of(outcomes) == []
    assert {o.value for o in outcomes} == {InboxStatus.PROCESSED}
    assert Order.objects.filter(channel=channel).count() == 1
    assert InboxMessage.objects.get().attempts == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_paid_and_cancel_racing_end_cancelled_whoever_wins(stocked):
    channel = Channel.objects.create(code="race", name="并发店", platform=Platform.TAOBAO)
    now = timezone.now().replace(microsecond=0)
    rounds = []
    for n in range(5):
        external_id = f"88010{n}"
        ids = _deliveries(channel, [
            sample("taobao", external_id, S.PAID, updated_at=now - timedelta(minutes=3)),
            sample("taobao", external_id, S.CANCELLED, updated_at=now),
            sample("taobao", external_id, S.PAID, updated_at=now - timedelta(minutes=3)),
        ])
        outcomes = run_together(lambda i, ids=ids: process_inbox_message(ids[i]), len(ids))
        assert errors_of(outcomes) == []
        rounds.append(external_id)

    sources = OrderSource.objects.filter(channel=channel).select_related("order")
    assert sorted(s.external_id for s in sources) == sorted(rounds)
    assert {s.order.status for s in sources} == {OrderStatus.CANCELLED}
    assert not InboxMessage.objects.filter(status=InboxStatus.FAILED).exists()
