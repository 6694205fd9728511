"""Polling against the local platform simulator: pages into the inbox with the cursor saved in the
same transaction, a restart mid-batch, the lease, the poll task."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from channels.connectors import PlatformStatus
from channels.models import Channel, InboxMessage, InboxSource, InboxStatus
from channels.services import polling
from channels.services.polling import poll_channel, poll_due_channels, poll_lease_take
from orders.models import Order, OrderSource
from orders.states import OrderStatus

S = PlatformStatus


def add_orders(sim, platform, n, **kwargs):
    return [sim.add_order(platform, [("A001", 1, "9.90")], **kwargs) for _ in range(n)]


@pytest.mark.parametrize("platform", ["taobao", "douyin"])
def test_poll_takes_every_order_in_page_by_page_and_saves_the_cursor(stocked, simulated_channel, platform_simulator,
                                                                    platform):
    channel = simulated_channel(platform)
    ids = add_orders(platform_simulator, platform, 5)

    result = poll_channel(channel_id=channel.pk, page_size=2)

    assert (result.polled, result.pages, result.received, result.error) == (True, 3, 5, "")
    channel.refresh_from_db()
    assert channel.poll_cursor == "5" and channel.polled_at is not None and channel.last_poll_error == ""
    assert channel.poll_lease_until is None and channel.poll_lease_token == ""
    messages = InboxMessage.objects.filter(channel=channel)
    assert {m.source for m in messages} == {InboxSource.POLL}
    assert {m.status for m in messages} == {InboxStatus.PROCESSED}
    assert set(OrderSource.objects.filter(channel=channel).values_list("external_id", flat=True)) == set(ids)

    # Nothing new: a second poll takes nothing in and keeps the cursor.
    again = poll_channel(channel_id=channel.pk, page_size=2)
    assert (again.pages, again.received) == (1, 0)
    assert Order.objects.filter(channel=channel).count() == 5


def test_poll_brings_later_payment_and_cancellation(stocked, simulated_channel, platform_simulator):
    channel = simulated_channel("jd")
    waiting, doomed = add_orders(platform_simulator, "jd", 2, status=S.UNPAID)
    poll_channel(channel_id=channel.pk)
    platform_simulator.pay("jd", waiting)
    platform_simulator.cancel("jd", doomed)

    poll_channel(channel_id=channel.pk)

    status = {s.external_id: s.order.status for s in OrderSource.objects.filter(channel=channel).select_related("order")}
    assert status == {waiting: OrderStatus.PENDING_REVIEW, doomed: OrderStatus.CANCELLED}


def test_restart_mid_batch_resumes_from_the_last_saved_page_without_duplicates(stocked, simulated_channel,
                                                                              platform_simulator):
    channel = simulated_channel("pinduoduo")
    ids = add_orders(platform_simulator, "pinduoduo", 6)
    real_call = polling.call
    calls = []

    def platform_goes_down_after_page_one(base_url, request, **kw):
        calls.append(1)
        if len(calls) == 2:
            platform_simulator.set_outage(True)
        return real_call(base_url, request, **kw)

    with mock.patch.object(polling, "call", platform_goes_down_after_page_one):
        first = poll_channel(channel_id=channel.pk, page_size=2)

    channel.refresh_from_db()
    assert first.pages == 1 and first.received == 2
    assert "503" in first.error and channel.last_poll_error == first.error
    assert channel.poll_cursor == "2"  # exactly what was taken in, not further
    assert Order.objects.filter(channel=channel).count() == 2
    assert channel.poll_lease_until is None  # released: the next run may go on at once

    platform_simulator.set_outage(False)
    second = poll_channel(channel_id=channel.pk, page_size=2)

    channel.refresh_from_db()
    assert (second.received, second.error, channel.last_poll_error, channel.poll_cursor) == (4, "", "", "6")
    assert sorted(OrderSource.objects.filter(channel=channel).values_list("external_id", flat=True)) == sorted(ids)
    assert InboxMessage.objects.filter(channel=channel).count() == 6


def test_a_worker_dying_after_a_page_is_stored_loses_nothing(stocked, simulated_channel, platform_simulator):
    """The worker dies after page 1 was committed but before its messages were processed: the
    lease stays held until it expires, then the next poller takes over; the stored messages are
    still pending (the drain takes them in) and the re-fetched page adds no duplicate."""
    channel = simulated_channel("taobao")
    ids = add_orders(platform_simulator, "taobao", 4)

    class WorkerDied(BaseException):
        pass

    with mock.patch.object(polling, "inbox_process", side_effect=WorkerDied), pytest.raises(WorkerDied):
        poll_channel(channel_id=channel.pk, page_size=2)

    channel.refresh_from_db()
    assert channel.poll_cursor == "2" and channel.poll_lease_until is not None
    assert InboxMessage.objects.filter(channel=channel, status=InboxStatus.PENDING).count() == 2

    refused = poll_channel(channel_id=channel.pk, page_size=2)
    assert refused.polled is False  # the dead worker's lease has not expired yet

    Channel.objects.filter(pk=channel.pk).update(poll_lease_until=timezone.now() - timedelta(seconds=1))
    taken_over = poll_channel(channel_id=channel.pk, page_size=2)
    assert taken_over.polled and taken_over.received == 2 and taken_over.error == ""

    from channels.services.inbox import inbox_process

    for message in InboxMessage.objects.filter(channel=channel, status=InboxStatus.PENDING):
        inbox_process(message.pk)  # what the drain does with a message left pending
    assert sorted(OrderSource.objects.filter(channel=channel).values_list("external_id", flat=True)) == sorted(ids)


def test_a_refetched_page_is_not_stored_twice(stocked, simulated_channel, platform_simulator):
    channel = simulated_channel("douyin")
    add_orders(platform_simulator, "douyin", 3)
    poll_channel(channel_id=channel.pk)
    Channel.objects.filter(pk=channel.pk).update(poll_cursor="")  # as if the cursor save had been lost

    again = poll_channel(channel_id=channel.pk)

    assert (again.received, again.skipped) == (0, 3)
    assert InboxMessage.objects.filter(channel=channel).count() == 3
    assert Order.objects.filter(channel=channel).count() == 3


def test_the_lease_refuses_a_second_concurrent_poller(stocked, simulated_channel, platform_simulator):
    channel = simulated_channel("jd")
    add_orders(platform_simulator, "jd", 2)
    token = poll_lease_take(channel_id=channel.pk)
    assert token

    assert poll_lease_take(channel_id=channel.pk) is None
    second = poll_channel(channel_id=channel.pk)
    assert second.polled is False and second.received == 0
    assert not InboxMessage.objects.filter(channel=channel).exists()
    channel.refresh_from_db()
    assert channel.poll_lease_token == token and channel.poll_cursor == ""


def test_a_poller_whose_lease_was_taken_over_stops_without_saving(stocked, simulated_channel, platform_simulator):
    channel = simulated_channel("taobao")
    add_orders(platform_simulator, "taobao", 4)
    real_call = polling.call

    def slow_call(base_url, request, **kw):
        # While this worker waits for the platform, its lease expires and another takes it over.
        Channel.objects.filter(pk=channel.pk).update(poll_lease_token="other", poll_lease_until=timezone.now())
        return real_call(base_url, request, **kw)

    with mock.patch.object(polling, "call", slow_call):
        result = poll_channel(channel_id=channel.pk, page_size=2)

    assert result.received == 0 and result.error
    channel.refresh_from_db()
    assert channel.poll_cursor == "" and channel.poll_lease_token == "other"
    assert not InboxMessage.objects.filter(channel=channel).exists()


def test_unreachable_platform_is_recorded_on_the_channel(stocked, simulated_channel):
    channel = simulated_channel("jd", api_base_url="http://127.0.0.1:9/jd")

    result = poll_channel(channel_id=channel.pk)

    channel.refresh_from_db()
    assert result.error and "连不上平台" in channel.last_poll_error
    assert channel.polled_at is not None and channel.poll_cursor == ""


def test_platform_refusal_is_recorded(stocked, simulated_channel, platform_simulator):
    channel = simulated_channel("taobao", api_base_url=platform_simulator.base_url("taobao") + "/nowhere")

    result = poll_channel(channel_id=channel.pk)

    assert "淘宝" in result.error
    channel.refresh_from_db()
    assert channel.last_poll_error == result.error


def test_poll_due_channels_polls_only_active_channels_with_polling_on(stocked, simulated_channel, platform_simulator):
    on = simulated_channel("taobao")
    off = simulated_channel("jd", poll_enabled=False)
    inactive = simulated_channel("douyin", active=False)
    for platform in ("taobao", "jd", "douyin"):
        add_orders(platform_simulator, platform, 1)

    results = poll_due_channels()

    assert [r.channel for r in results] == [on.code]
    assert Order.objects.filter(channel=on).count() == 1
    assert not Order.objects.filter(channel__in=[off, inactive]).exists()


def test_a_poll_that_leaves_its_messages_pending_wakes_the_drain(stocked, simulated_channel, platform_simulator):
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    from channels.services.drain import inbox_drain

    channel = simulated_channel("jd")
    ids = add_orders(platform_simulator, "jd", 3)

    result = poll_channel(channel_id=channel.pk, process=False)

    assert result.received == 3
    assert [SignedPackage.loads(r.payload)["func"] for r in OrmQ.objects.all()] == ["channels.tasks.drain_inbox"]
    assert inbox_drain().processed == 3
    assert sorted(OrderSource.objects.filter(channel=channel).values_list("external_id", flat=True)) == sorted(ids)


def test_poll_channels_task_enqueues_one_poll_per_channel(stocked, simulated_channel, django_capture_on_commit_callbacks):
    from channels import tasks

    first = simulated_channel("taobao")
    simulated_channel("jd", poll_enabled=False)
    second = simulated_channel("pinduoduo")
    with mock.patch("django_q.tasks.async_task") as enqueue, django_capture_on_commit_callbacks(execute=True):
        assert tasks.poll_channels() == 2

    assert sorted(c.args for c in enqueue.call_args_list) == sorted(
        [("channels.tasks.poll_channel", first.pk), ("channels.tasks.poll_channel", second.pk)])


def test_a_shop_switched_off_after_the_task_was_enqueued_is_not_polled(stocked, simulated_channel, platform_simulator):
    channel = simulated_channel("jd")
    add_orders(platform_simulator, "jd", 1)
    Channel.objects.filter(pk=channel.pk).update(poll_enabled=False)

    assert poll_channel(channel_id=channel.pk).polled is False
    assert not InboxMessage.objects.exists()


def test_an_unexpected_error_is_shown_on_the_channel_and_frees_the_lease(stocked, simulated_channel,
                                                                        platform_simulator):
    channel = simulated_channel("jd")
    add_orders(platform_simulator, "jd", 1)

    with mock.patch.object(polling, "_store_page", side_effect=RuntimeError("boom")), pytest.raises(RuntimeError):
        poll_channel(channel_id=channel.pk)

    channel.refresh_from_db()
    assert "boom" in channel.last_poll_error and channel.poll_lease_until is None and channel.poll_cursor == ""
