"""The inbox drain: pending messages claimed in batches and taken in through the batch intake, with
the single message's guarantees (duplicates one order, a late older status changes nothing, a bad
body failed with its reason), nothing lost or doubled by an error or a crash mid-batch, a backlog
drained in one run, and (PostgreSQL) two drains at once each taking a message once."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from channels.connectors import PlatformStatus
from channels.models import Channel, InboxDrain, InboxMessage, InboxSource, InboxStatus, Platform
from channels.services import drain
from channels.services.drain import MAX_ATTEMPTS, inbox_claim, inbox_drain
from channels.services.inbox import inbox_accept
from orders.models import Order, OrderSource
from orders.states import OrderStatus
from tests.channels.webhook_helpers import sample
from tests.fixtures.concurrency import errors_of, run_together

S = PlatformStatus


@pytest.fixture
def shop(db):
    return Channel.objects.create(code="drain-tb", name="淘宝批量店", platform=Platform.TAOBAO)


def store(channel, *payloads) -> list[int]:
    """Store payloads (dicts, or raw bodies) as the webhook does; their ids."""
    return [
        inbox_accept(
            channel=channel, source=InboxSource.WEBHOOK,
            body=p if isinstance(p, str) else json.dumps(p, ensure_ascii=False),
        ).pk
        for p in payloads
    ]


def inbox(ids) -> list[InboxMessage]:
    found = InboxMessage.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


def test_a_mixed_batch_keeps_every_rule_of_the_single_message(shop, stocked):
    now = timezone.now().replace(microsecond=0)
    ids = store(
        shop,
        sample("taobao", "7001"),  # new
        sample("taobao", "7002", S.CANCELLED, updated_at=now),  # new, and already closed
        '{"tid": "7003", "status": ',  # malformed
        sample("taobao", "7001"),  # a repeat of the first
        sample("taobao", "7002", S.PAID, updated_at=now - timedelta(minutes=10)),  # older than the cancel
        sample("taobao", "7004", lines=()),  # the adapter refuses: no lines
        sample("taobao", "7005", S.UNPAID, updated_at=now - timedelta(minutes=5)),
        sample("taobao", "7005", S.PAID, updated_at=now),  # later news of an order of this batch
        [1, 2],  # JSON, not an object
    )
    OrmQ.objects.all().delete()

    result = inbox_drain()

    assert (result.batches, result.processed, result.ignored, result.failed, result.left) == (1, 4, 2, 3, 0)
    first, closed, malformed, repeat, late, no_lines, unpaid, paid, not_object = inbox(ids)
    assert [m.status for m in (first, closed, unpaid, paid)] == [InboxStatus.PROCESSED] * 4
    assert repeat.status == InboxStatus.IGNORED and repeat.order_id == first.order_id
    assert repeat.error == "与已处理的消息内容相同，已忽略"
    assert late.status == InboxStatus.IGNORED and "旧" in late.error and late.order_id == closed.order_id
    assert malformed.status == InboxStatus.FAILED and malformed.error.startswith("内容不是合法的 JSON")
    assert not_object.status == InboxStatus.FAILED and not_object.error == "内容不是一个订单对象"
    assert no_lines.status == InboxStatus.FAILED and no_lines.error and no_lines.order_id is None
    assert {m.attempts for m in inbox(ids)} == {1} and {m.claimed_until for m in inbox(ids)} == {None}
    orders = {s.external_id: s.order for s in OrderSource.objects.filter(channel=shop).select_related("order")}
    assert sorted(orders) == ["7001", "7002", "7005"]
    assert orders["7002"].status == OrderStatus.CANCELLED and orders["7002"].lines.get().reserved_quantity == 0
    assert orders["7005"].status == OrderStatus.PENDING_REVIEW and orders["7005"].paid_at is not None
    assert orders["7001"].status == OrderStatus.PENDING_REVIEW
    assert paid.order_id == unpaid.order_id == orders["7005"].pk


def test_a_batch_of_new_orders_costs_a_bounded_number_of_queries(shop, stocked):
    def drain_queries(count: int, start: int) -> int:
        store(shop, *[sample("taobao", str(start + n)) for n in range(count)])
        with CaptureQueriesContext(connection) as queries:
            assert inbox_drain().processed == count
        return len(queries.captured_queries)

    drain_queries(2, 100)  # warm caches
    small, large = drain_queries(5, 200), drain_queries(40, 300)

    # Eight times the orders, a handful more statements: no query per message.
    assert large - small <= 6, (small, large)


def test_a_repeat_in_a_later_batch_is_ignored_and_a_new_address_in_it_applied(shop, stocked):
    payload = sample("taobao", "7101")
    store(shop, payload)
    inbox_drain()
    moved = {**payload, "receiver_address": "文一西路 969 号"}
    repeat, changed = store(shop, payload, moved)

    with CaptureQueriesContext(connection) as queries:
        inbox_drain()

    repeat, changed = inbox([repeat, changed])
    assert repeat.status == InboxStatus.IGNORED and repeat.error == "与已处理的消息内容相同，已忽略"
    assert changed.status == InboxStatus.PROCESSED, changed.error
    order = Order.objects.get()
    assert order.street == "文一西路 969 号" and repeat.order_id == changed.order_id == order.pk
    assert len(queries.captured_queries) < 60


def test_an_error_inside_the_batch_loses_nothing_and_doubles_nothing(shop, stocked):
    ids = store(shop, *[sample("taobao", f"71{n}") for n in range(3)], sample("taobao", "710"))
    real = drain.inbox_outcome_new
    calls = []

    def fails_once(parsed, order):
        calls.append(order.pk)
        if len(calls) == 2:
            raise RuntimeError("database hiccup")
        return real(parsed, order)

    with mock.patch.object(drain, "inbox_outcome_new", side_effect=fails_once):
        result = inbox_drain()

    # The batch rolled back whole (its orders too), then each message went through one by one.
    assert (result.batches, result.processed, result.ignored, result.left) == (1, 3, 1, 0)
    assert OrderSource.objects.filter(channel=shop).count() == Order.objects.count() == 3
    messages = inbox(ids)
    assert [m.status for m in messages] == [InboxStatus.PROCESSED] * 3 + [InboxStatus.IGNORED]
    assert {m.attempts for m in messages} == {1}  # the claim counted the attempt, once


def test_a_message_that_keeps_failing_is_retried_then_failed_with_its_error(shop, stocked):
    good, bad = store(shop, sample("taobao", "7201"), sample("taobao", "7202"))
    real = drain.inbox_process

    def breaks_on_bad(message_id, **kwargs):
        if message_id == bad:
            raise RuntimeError("adapter state broken")
        return real(message_id, **kwargs)

    with (
        mock.patch.object(drain, "inbox_outcome_new", side_effect=RuntimeError("batch broken")),
        mock.patch.object(drain, "inbox_process", side_effect=breaks_on_bad),
    ):
        first = inbox_drain()
        assert (first.processed, first.left) == (1, 1)
        message = InboxMessage.objects.get(pk=bad)
        assert message.status == InboxStatus.PENDING and "adapter state broken" in message.error
        assert inbox_drain().batches == 0  # claimed: no drain takes it before its lease runs out

        for attempt in range(2, MAX_ATTEMPTS + 1):
            InboxMessage.objects.filter(pk=bad).update(claimed_until=timezone.now() - timedelta(seconds=1))
            assert inbox_drain().left == 1
            assert InboxMessage.objects.get(pk=bad).attempts == attempt

    InboxMessage.objects.filter(pk=bad).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert inbox_drain().given_up == 1
    message = InboxMessage.objects.get(pk=bad)
    assert message.status == InboxStatus.FAILED and message.error.startswith(f"处理 {MAX_ATTEMPTS} 次仍未完成")
    assert "adapter state broken" in message.error
    assert InboxMessage.objects.get(pk=good).status == InboxStatus.PROCESSED
    assert Order.objects.count() == 1


def test_a_drain_that_dies_mid_batch_leaves_its_messages_for_the_next_one(shop, stocked):
    ids = store(shop, *[sample("taobao", f"73{n}") for n in range(4)])

    class WorkerDied(BaseException):
        """Not an Exception: nothing in the drain catches it, as with a killed process."""

    with mock.patch.object(drain, "inbox_outcome_new", side_effect=WorkerDied), pytest.raises(WorkerDied):
        inbox_drain()

    assert not Order.objects.exists()  # the batch's transaction rolled back
    assert {m.status for m in inbox(ids)} == {InboxStatus.PENDING}
    assert inbox_drain().batches == 0  # still claimed by the dead drain
    InboxMessage.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))

    assert inbox_drain().processed == 4
    assert OrderSource.objects.filter(channel=shop).count() == 4
    assert {m.attempts for m in inbox(ids)} == {2}


def test_a_shop_switched_off_fails_its_messages_and_not_the_others(shop, stocked):
    other = Channel.objects.create(code="drain-jd", name="京东批量店", platform=Platform.JD)
    off, on = store(shop, sample("taobao", "7401"))[0], store(other, sample("jd", "7402"))[0]
    Channel.objects.filter(pk=shop.pk).update(active=False)

    result = inbox_drain()

    assert (result.processed, result.failed, result.left) == (1, 1, 0)
    off, on = inbox([off, on])
    assert off.status == InboxStatus.FAILED and "drain-tb" in off.error and "停用" in off.error
    assert on.status == InboxStatus.PROCESSED and Order.objects.get().pk == on.order_id


def test_a_backlog_is_drained_in_one_run_not_five_hundred_at_a_time(shop, hot_catalog):
    total = 1_050
    store(shop, *[sample("taobao", f"74{n:05d}", lines=(("H01", 1, "9.90"),)) for n in range(total)])
    [task] = [SignedPackage.loads(row.payload) for row in OrmQ.objects.all()]  # one wake for the lot
    assert task["func"] == "channels.tasks.drain_inbox"

    result = inbox_drain()

    assert result.processed == total and result.batches == 11 and result.more is False
    assert not InboxMessage.objects.filter(status=InboxStatus.PENDING).exists()
    assert Order.objects.count() == total


def test_a_drain_out_of_time_hands_over_to_the_next(shop, stocked):
    store(shop, *[sample("taobao", f"75{n}") for n in range(5)])
    OrmQ.objects.all().delete()

    result = inbox_drain(budget_s=0, chunk=2)

    assert (result.batches, result.processed, result.more) == (1, 2, True)
    assert InboxDrain.objects.get().queued_at is not None
    assert [SignedPackage.loads(r.payload)["func"] for r in OrmQ.objects.all()] == ["channels.tasks.drain_inbox"]
    assert inbox_drain().processed == 3


def test_the_claim_takes_the_oldest_pending_webhook_and_polled_messages(shop):
    webhook = store(shop, "{}", "{}")
    polled = InboxMessage.objects.create(channel=shop, source=InboxSource.POLL, body="{}")
    InboxMessage.objects.create(channel=shop, source=InboxSource.IMPORT, body="{}")  # its import job's
    done = InboxMessage.objects.create(channel=shop, source=InboxSource.WEBHOOK, body="{}",
                                       status=InboxStatus.FAILED)

    assert inbox_claim(limit=2) == webhook
    assert inbox_claim(limit=10) == [polled.pk]
    assert inbox_claim(limit=10) == []
    assert InboxMessage.objects.get(pk=done.pk).attempts == 0


# -- PostgreSQL: real threads, each with its own connection --------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_take_each_message_once(hot_catalog):
    channel = Channel.objects.create(code="race", name="并发店", platform=Platform.TAOBAO)
    now = timezone.now().replace(microsecond=0)
    payloads = []
    for n in range(150):
        payloads.append(sample("taobao", f"76{n:04d}", lines=(("H01", 1, "9.90"),)))
        if n % 3 == 0:  # a repeat, and a cancel after it, somewhere later in the inbox
            payloads.append(sample("taobao", f"76{n:04d}", lines=(("H01", 1, "9.90"),)))
            payloads.append(sample("taobao", f"76{n:04d}", S.CANCELLED, updated_at=now + timedelta(minutes=1),
                                   lines=(("H01", 1, "9.90"),)))
    ids = store(channel, *payloads)

    outcomes = run_together(lambda i: inbox_drain(chunk=20), 2)

    assert errors_of(outcomes) == []
    results = [o.value for o in outcomes]
    assert all(r.batches > 0 for r in results)  # both took part
    assert sum(r.processed + r.ignored for r in results) == len(ids)
    messages = InboxMessage.objects.filter(pk__in=ids)
    assert {m.attempts for m in messages} == {1} and {m.status for m in messages} <= {
        InboxStatus.PROCESSED, InboxStatus.IGNORED}
    sources = OrderSource.objects.filter(channel=channel).select_related("order")
    assert sources.count() == Order.objects.count() == 150
    cancelled = {s.external_id for s in sources if s.order.status == OrderStatus.CANCELLED}
    assert cancelled == {f"76{n:04d}" for n in range(0, 150, 3)}
    assert sum(level.reserved for level in hot_catalog[0].stock_levels.all()) == 100


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_drain_and_single_message_runs_on_the_same_orders_agree(hot_catalog):
    from channels.tasks import process_inbox_message

    channel = Channel.objects.create(code="race", name="并发店", platform=Platform.TAOBAO)
    ids = store(channel, *[sample("taobao", f"77{n:03d}", lines=(("H02", 1, "9.90"),)) for n in range(60)] * 2)

    outcomes = run_together(
        lambda i: inbox_drain(chunk=30) if i == 0 else [process_inbox_message(pk) for pk in ids[60:][::-1]], 2
    )

    assert errors_of(outcomes) == []
    assert OrderSource.objects.filter(channel=channel).count() == Order.objects.count() == 60
    statuses = [m.status for m in InboxMessage.objects.filter(pk__in=ids)]
    assert statuses.count(InboxStatus.PROCESSED) == 60 and statuses.count(InboxStatus.IGNORED) == 60
