"""Tracking write-back: outbox rows per platform order, pushes to the simulator with backoff, the
lease that survives a dying worker, give-up, harmless repeats, and the admin retry action."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.models import EventCursor, OutboundPush, PushStatus
from channels.services import writeback
from channels.services.polling import poll_channel
from channels.services.writeback import (
    MAX_ATTEMPTS,
    backoff,
    outbound_push,
    outbound_push_due,
    shipment_cursor,
    shipments_collect,
)
from orders.models import Order, OrderSource
from orders.services import order_approve, order_pack, order_ship, order_start_picking


@pytest.fixture
def writeback_on(db):
    """Write-back switched on before the orders under test ship (the cursor starts at the newest event)."""
    return shipment_cursor()


@pytest.fixture
def shipped(stocked, simulated_channel, platform_simulator, writeback_on):
    """``shipped("jd")``: a platform order polled from the simulator, then picked, packed and shipped."""

    def make(platform: str, *, tracking: str = "SF1234567890", carrier: str = "顺丰速运", extra_sources=()):
        channel = simulated_channel(platform, code=f"sim-{platform}")
        external_id = platform_simulator.add_order(platform, [("A001", 1, "9.90")])
        poll_channel(channel_id=channel.pk)
        order = OrderSource.objects.get(channel=channel, external_id=external_id).order
        for other in extra_sources:
            # A merged order carries each platform order it came from (merging itself is not ours to test).
            OrderSource.objects.create(order=order, channel=channel, external_id=other)
        for step in (order_approve, order_start_picking, order_pack):
            order = step(order=order)
        order = order_ship(order=order, carrier=carrier, tracking_number=tracking)
        return channel, order, external_id

    return make


def due_now(push):
    OutboundPush.objects.filter(pk=push.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_shipment_becomes_one_push_per_platform_order(shipped):
    extra = "4261130999999000001"
    channel, order, external_id = shipped("taobao", extra_sources=[extra])

    assert shipments_collect() == 2
    assert shipments_collect() == 0  # read again: nothing new

    pushes = OutboundPush.objects.filter(order=order).order_by("external_id")
    assert sorted((p.external_id, p.carrier, p.tracking_number, p.status) for p in pushes) == sorted([
        (external_id, "顺丰速运", "SF1234567890", PushStatus.PENDING),
        (extra, "顺丰速运", "SF1234567890", PushStatus.PENDING),
    ])
    assert {p.channel_id for p in pushes} == {channel.pk}


def test_the_cursor_stays_behind_unsettled_events_and_a_reread_creates_nothing(shipped):
    _channel, order, _ = shipped("jd")
    cursor_before = EventCursor.objects.get(name="shipments").last_event_id

    assert shipments_collect() == 1
    # The ship event is younger than SETTLE: the cursor has not passed it (an earlier id may be committing)...
    assert EventCursor.objects.get(name="shipments").last_event_id == cursor_before
    assert shipments_collect() == 0  # ...and reading it again is harmless
    later = timezone.now() + writeback.SETTLE + timedelta(seconds=1)
    assert shipments_collect(now=later) == 0
    assert EventCursor.objects.get(name="shipments").last_event_id == order.events.order_by("-id")[0].id
    assert OutboundPush.objects.filter(order=order).count() == 1


def test_shipments_before_write_back_started_are_not_pushed(order_in_state, taobao_channel):
    from orders.states import OrderStatus

    order_in_state(OrderStatus.SHIPPED)  # history: shipped before the cursor existed
    assert not EventCursor.objects.exists()

    assert shipments_collect() == 0
    assert not OutboundPush.objects.exists()


def test_channels_without_a_platform_adapter_get_no_push(order_in_state, writeback_on, taobao_channel):
    from channels.models import Channel, Platform
    from orders.states import OrderStatus

    Channel.objects.filter(pk=taobao_channel.pk).update(platform=Platform.MANUAL, api_base_url="http://127.0.0.1:9/x")
    order = order_in_state(OrderStatus.PACKED)
    OrderSource.objects.get_or_create(order=order, channel=taobao_channel, defaults={"external_id": "M-1"})
    order_ship(order=order, carrier="SF", tracking_number="SF0001")

    assert shipments_collect() == 0


def test_push_reaches_the_platform(shipped, platform_simulator):
    _channel, order, external_id = shipped("douyin")
    shipments_collect()

    counts = outbound_push_due()

    assert (counts.done, counts.failed) == (1, 0)
    push = OutboundPush.objects.get(order=order)
    assert (push.status, push.attempts, push.last_error, push.next_attempt_at) == (PushStatus.DONE, 1, "", None)
    assert push.pushed_at is not None
    [callback] = platform_simulator.shipments
    assert (callback["external_id"], callback["carrier"], callback["tracking_number"], callback["accepted"]) == (
        external_id, "shunfeng", "SF1234567890", True)
    assert platform_simulator.store.get("douyin", external_id).status == "shipped"
    assert outbound_push_due().done == 0  # done rows are not pushed again


def test_push_is_retried_with_backoff_after_an_outage_then_succeeds(shipped, platform_simulator):
    _channel, order, external_id = shipped("jd")
    shipments_collect()
    platform_simulator.set_outage(True, ["jd"])

    before = timezone.now()
    assert outbound_push_due().failed == 1
    push = OutboundPush.objects.get(order=order)
    assert push.status == PushStatus.FAILED and push.attempts == 1 and "503" in push.last_error
    assert before + timedelta(seconds=59) < push.next_attempt_at <= timezone.now() + timedelta(minutes=1)
    assert outbound_push_due().failed == 0  # not due yet: nothing is tried

    due_now(push)
    outbound_push_due()
    push.refresh_from_db()
    assert push.attempts == 2 and push.status == PushStatus.FAILED
    assert push.next_attempt_at > timezone.now() + timedelta(seconds=110)  # 2 minutes now

    platform_simulator.set_outage(False)
    due_now(push)
    assert outbound_push_due().done == 1
    push.refresh_from_db()
    assert (push.status, push.attempts, push.last_error) == (PushStatus.DONE, 3, "")
    assert [s["external_id"] for s in platform_simulator.shipments if s["accepted"]] == [external_id]


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == writeback.MAX_DELAY


def test_push_gives_up_after_max_attempts(shipped, platform_simulator):
    _channel, order, _ = shipped("pinduoduo")
    shipments_collect()
    platform_simulator.set_outage(True)
    push = OutboundPush.objects.get(order=order)

    for attempt in range(1, MAX_ATTEMPTS + 1):
        due_now(push)
        outbound_push(push_id=push.pk)
        push.refresh_from_db()
        assert push.attempts == attempt
    assert push.status == PushStatus.GIVEN_UP and push.next_attempt_at is None and push.last_error
    due_now(push)
    assert outbound_push(push_id=push.pk) is None  # given up: no longer taken


def test_a_permanent_refusal_is_marked_refused_at_once_with_the_reason(shipped, platform_simulator):
    _channel, order, external_id = shipped("taobao")
    platform_simulator.cancel("taobao", external_id)  # closed on the platform meanwhile
    shipments_collect()

    counts = outbound_push_due()

    push = OutboundPush.objects.get(order=order)
    assert (counts.refused, counts.failed) == (1, 0)
    assert push.status == PushStatus.REFUSED and push.attempts == 1 and push.next_attempt_at is None
    assert "平台拒绝" in push.last_error and "关闭" in push.last_error
    due_now(push)
    assert outbound_push(push_id=push.pk) is None  # refused for good: never taken again by itself


@pytest.mark.parametrize("platform", ["jd", "pinduoduo", "douyin", "aliexpress"])
def test_an_order_the_platform_does_not_know_is_refused_on_every_platform(shipped, platform_simulator, platform):
    _channel, order, external_id = shipped(platform)
    shipments_collect()
    OutboundPush.objects.filter(order=order).update(external_id="404404404")

    outbound_push_due()

    push = OutboundPush.objects.get(order=order)
    assert push.status == PushStatus.REFUSED and "不存在" in push.last_error


def test_shipped_elsewhere_is_refused(shipped, platform_simulator):
    _channel, order, external_id = shipped("jd", tracking="SF1111111111")
    # Someone shipped it from the platform's own back office with another carrier.
    platform_simulator.store.act("jd", external_id, "ship", tracking=("中通快递", "ZT999"))
    shipments_collect()

    outbound_push_due()

    push = OutboundPush.objects.get(order=order)
    assert push.status == PushStatus.REFUSED and "ZT999" in push.last_error


def test_already_shipped_with_our_own_tracking_number_is_done(shipped, platform_simulator):
    """A platform that does not accept a repeat answers "already shipped" with our number: an
    earlier attempt got through, so the push is done, not refused."""
    _channel, order, _external_id = shipped("pinduoduo", tracking="SF2222222222")
    shipments_collect()
    refusal = writeback.PayloadInvalid("拼多多拒绝了请求：订单已发货，运单号 SF2222222222")

    with mock.patch.object(writeback, "_send", side_effect=refusal):
        assert outbound_push_due().done == 1

    assert OutboundPush.objects.get(order=order).status == PushStatus.DONE


def test_a_transient_refusal_keeps_the_backoff(shipped, platform_simulator):
    _channel, order, _external_id = shipped("douyin")
    shipments_collect()

    with mock.patch.object(
        writeback, "_send", side_effect=writeback.PayloadInvalid("抖音拒绝了请求：系统繁忙，请稍后重试")
    ):
        assert outbound_push_due().failed == 1

    push = OutboundPush.objects.get(order=order)
    assert push.status == PushStatus.FAILED and "系统繁忙" in push.last_error
    assert timezone.now() < push.next_attempt_at <= timezone.now() + timedelta(minutes=1)
    due_now(push)
    assert outbound_push_due().done == 1  # the platform took it on the next attempt


def test_a_supervisor_may_retry_a_refused_push(shipped, platform_simulator, supervisor_client):
    _channel, order, external_id = shipped("taobao")
    platform_simulator.cancel("taobao", external_id)
    shipments_collect()
    outbound_push_due()
    push = OutboundPush.objects.get(order=order)
    assert push.status == PushStatus.REFUSED

    page = supervisor_client.get(reverse("admin:channels_outboundpush_changelist")).content.decode()
    assert "平台拒绝，不再重试" in page
    supervisor_client.post(reverse("admin:channels_outboundpush_changelist"), {
        "action": "retry_now", "_selected_action": [push.pk]})
    push.refresh_from_db()
    assert push.status == PushStatus.PENDING


def test_a_repeated_push_is_harmless(shipped, platform_simulator):
    _channel, order, external_id = shipped("aliexpress")
    shipments_collect()
    outbound_push_due()
    push = OutboundPush.objects.get(order=order)

    # Pushed again (a retry after a lost answer, a person's retry): the platform accepts the repeat.
    OutboundPush.objects.filter(pk=push.pk).update(status=PushStatus.PENDING, next_attempt_at=timezone.now())
    assert outbound_push_due().done == 1

    first, second = platform_simulator.shipments
    assert first["accepted"] and second["accepted"] and second["repeat"]
    assert OutboundPush.objects.get(pk=push.pk).status == PushStatus.DONE


def test_a_worker_dying_mid_push_leaves_the_row_to_be_pushed_after_the_lease(shipped, platform_simulator):
    _channel, order, external_id = shipped("jd")
    shipments_collect()
    push = OutboundPush.objects.get(order=order)

    class WorkerDied(BaseException):
        pass

    with mock.patch.object(writeback, "call", side_effect=WorkerDied), pytest.raises(WorkerDied):
        outbound_push_due()

    push.refresh_from_db()
    assert push.status == PushStatus.PENDING and push.attempts == 1
    assert push.next_attempt_at > timezone.now()  # held by the lease, not lost
    assert outbound_push(push_id=push.pk) is None  # another worker does not take it meanwhile

    with mock.patch.object(writeback.timezone, "now", return_value=timezone.now() + writeback.LEASE):
        assert outbound_push_due().done == 1
    push.refresh_from_db()
    assert push.status == PushStatus.DONE and push.attempts == 2
    assert [s["external_id"] for s in platform_simulator.shipments] == [external_id]


def test_the_push_task_collects_and_pushes(shipped, platform_simulator):
    from channels import tasks

    shipped("taobao")

    assert tasks.push_outbound() == "new=1 done=1 failed=0 given_up=0"
    assert len(platform_simulator.shipments) == 1


# ---- admin ----


def failed_push(shipped, platform_simulator, status=PushStatus.FAILED):
    _channel, order, _ = shipped("jd")
    shipments_collect()
    push = OutboundPush.objects.get(order=order)
    later = timezone.now() + timedelta(hours=1)
    OutboundPush.objects.filter(pk=push.pk).update(status=status, attempts=3, last_error="平台暂时不可用（HTTP 503）",
                                                   next_attempt_at=later if status == PushStatus.FAILED else None)
    return push


def test_ops_see_pushes_with_status_attempts_and_error(shipped, platform_simulator, ops_client):
    push = failed_push(shipped, platform_simulator)

    page = ops_client.get(reverse("admin:channels_outboundpush_changelist"))

    assert page.status_code == 200
    html = page.content.decode()
    for text in ("推送失败，等待重试", push.external_id, "SF1234567890", "平台暂时不可用（HTTP 503）", "顺丰速运"):
        assert text in html
    assert "retry_now" not in html  # ops may look, not retry
    detail = ops_client.get(reverse("admin:channels_outboundpush_change", args=[push.pk]))
    assert detail.status_code == 200


def test_supervisor_retries_failed_and_given_up_pushes_now(shipped, platform_simulator, supervisor_client):
    push = failed_push(shipped, platform_simulator, status=PushStatus.GIVEN_UP)

    response = supervisor_client.post(reverse("admin:channels_outboundpush_changelist"), {
        "action": "retry_now", "_selected_action": [push.pk]}, follow=True)

    assert response.status_code == 200 and "1 条回传将立即重试" in response.content.decode()
    push.refresh_from_db()
    assert push.status == PushStatus.PENDING and push.next_attempt_at <= timezone.now()
    assert outbound_push_due().done == 1


def test_retry_leaves_done_pushes_alone(shipped, platform_simulator, supervisor_client):
    _channel, order, _ = shipped("jd")
    shipments_collect()
    outbound_push_due()
    push = OutboundPush.objects.get(order=order)

    response = supervisor_client.post(reverse("admin:channels_outboundpush_changelist"), {
        "action": "retry_now", "_selected_action": [push.pk]}, follow=True)

    assert "1 条不是失败或已放弃状态，未改动" in response.content.decode()
    assert OutboundPush.objects.get(pk=push.pk).status == PushStatus.DONE


def test_ops_cannot_retry(shipped, platform_simulator, ops_client):
    push = failed_push(shipped, platform_simulator)

    response = ops_client.post(reverse("admin:channels_outboundpush_changelist"), {
        "action": "retry_now", "_selected_action": [push.pk]}, follow=True)

    push.refresh_from_db()
    assert push.status == PushStatus.FAILED and push.next_attempt_at > timezone.now() + timedelta(minutes=30)
    assert "1 条回传将立即重试" not in response.content.decode()


def test_people_without_the_role_do_not_see_pushes(shipped, platform_simulator, picker_member):
    from django.test import Client

    failed_push(shipped, platform_simulator)
    picker_member.is_staff = True
    picker_member.save()
    client = Client()
    client.force_login(picker_member)

    assert client.get(reverse("admin:channels_outboundpush_changelist")).status_code == 403


def test_channel_admin_shows_the_last_poll_error(simulated_channel, supervisor_client):
    channel = simulated_channel("jd", api_base_url="http://127.0.0.1:9/jd")
    poll_channel(channel_id=channel.pk)

    html = supervisor_client.get(reverse("admin:channels_channel_change", args=[channel.pk])).content.decode()

    assert "连不上平台" in html
    assert Order.objects.count() == 0


def test_a_shop_without_an_api_address_gets_no_push(shipped):
    from channels.models import Channel

    channel, order, _ = shipped("taobao")
    Channel.objects.filter(pk=channel.pk).update(api_base_url="")

    assert shipments_collect() == 0
    assert not OutboundPush.objects.filter(order=order).exists()


def test_an_exchange_order_is_not_pushed_to_the_platform(shipped, platform_simulator):
    """An exchange order sits in the original shop under the return's number, which the platform
    never sold: shipping it tells the platform nothing (the original order was pushed already)."""
    from orders.returns_models import ReturnRequest

    channel, original, _ = shipped("taobao")
    assert shipments_collect() == 1  # the original sale

    def ship_another(tracking):
        external_id = platform_simulator.add_order("taobao", [("A001", 1, "9.90")])
        poll_channel(channel_id=channel.pk)
        order = OrderSource.objects.get(channel=channel, external_id=external_id).order
        for step in (order_approve, order_start_picking, order_pack):
            order = step(order=order)
        return order_ship(order=order, carrier="顺丰速运", tracking_number=tracking)

    exchange = ship_another("SF7777777777")
    ReturnRequest.objects.create(order=original, number="RT20261207000001", exchange_order=exchange)
    assert shipments_collect() == 0
    assert not OutboundPush.objects.filter(order=exchange).exists()

    sale = ship_another("SF8888888888")  # an ordinary sale still is
    assert shipments_collect() == 1
    assert OutboundPush.objects.filter(order=sale).count() == 1
