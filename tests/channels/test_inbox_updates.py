"""Later platform messages about an order we have (address changed, refund, cancellation) and
replaying failed inbox messages."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from channels.connectors import PlatformStatus, get_connector
from channels.connectors.taobao import adapter as taobao_adapter
from channels.models import InboxMessage, InboxStatus, SkuMapping
from channels.services.inbox import InboxReplayRefused, inbox_process, inbox_receive, inbox_replay
from inventory.models import Sku
from orders.models import Order, OrderEvent
from orders.services import order_change_address
from orders.states import ExceptionReason, HoldReason, OrderStatus
from tests.fixtures.orders import advance

S = PlatformStatus
T0 = timezone.now() - timedelta(hours=2)
NEW_STREET = {"province": "上海市", "city": "上海市", "district": "浦东新区", "street": "张江路 88 号"}


def send(channel, external_id, *, minutes=0, status=S.PAID, lines=(("A001", 1, "19.90"),), **recipient):
    payload = get_connector("taobao").sample_payload(
        external_id=external_id, lines=list(lines), status=status, updated_at=T0 + timedelta(minutes=minutes),
        placed_at=T0, **recipient,
    )
    message = inbox_receive(channel=channel, body=json.dumps(payload, ensure_ascii=False), source="webhook")
    return inbox_process(message.pk)


def order_of(message) -> Order:
    return Order.objects.get(pk=message.order_id)


def drive(order, *steps) -> Order:
    for step in steps:
        order = advance(order, step)
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def taken_in(stocked, taobao_channel):
    """A paid Taobao order taken in through the inbox."""
    message = send(taobao_channel, "3001")
    assert message.status == InboxStatus.PROCESSED
    return order_of(message)


def test_address_change_before_packing_changes_the_order(taken_in, taobao_channel):
    message = send(taobao_channel, "3001", minutes=5, **NEW_STREET)

    order = Order.objects.get(pk=taken_in.pk)
    assert message.status == InboxStatus.PROCESSED
    assert (order.province, order.city, order.district, order.street) == tuple(NEW_STREET.values())
    event = OrderEvent.objects.filter(order=order).last()
    assert event.action == "change_address" and event.actor is None and "买家修改" in event.note
    assert order.exception_reason == ""


def test_address_change_after_packing_is_an_exception_once(taken_in, taobao_channel):
    drive(taken_in, "approve", "start_picking", "pack")

    first = send(taobao_channel, "3001", minutes=5, **NEW_STREET)
    again = send(taobao_channel, "3001", minutes=6, **NEW_STREET)

    order = Order.objects.get(pk=taken_in.pk)
    assert first.status == InboxStatus.PROCESSED and again.status == InboxStatus.IGNORED
    assert order.status == OrderStatus.PACKED and order.street == "文三路 90 号东部软件园 2 号楼"
    assert order.exception_reason == ExceptionReason.LATE_ADDRESS_CHANGE
    assert "张江路****" in order.exception_note and "张江路 88 号" not in order.exception_note  # ops read it
    event = OrderEvent.objects.get(order=order, action="flag_exception")
    assert "张江路 88 号" in event.data["address"]
    assert OrderEvent.objects.filter(order=order, action="flag_exception").count() == 1


def test_refund_before_packing_cancels_and_gives_stock_back(taken_in, taobao_channel):
    message = send(taobao_channel, "3001", minutes=5, status=S.REFUNDING)

    order = Order.objects.get(pk=taken_in.pk)
    assert message.status == InboxStatus.PROCESSED and order.status == OrderStatus.CANCELLED
    assert order.lines.get().reserved_quantity == 0


@pytest.mark.parametrize("steps", [("approve", "start_picking", "pack"), ("approve", "start_picking", "pack", "ship")])
@pytest.mark.parametrize("status", [S.REFUNDING, S.CANCELLED])
def test_refund_or_cancel_after_packing_is_an_exception(taken_in, taobao_channel, steps, status):
    shipped = drive(taken_in, *steps)

    message = send(taobao_channel, "3001", minutes=5, status=status)
    repeat = send(taobao_channel, "3001", minutes=6, status=status)

    order = Order.objects.get(pk=taken_in.pk)
    assert message.status == InboxStatus.PROCESSED and repeat.status == InboxStatus.IGNORED
    assert order.status == shipped.status
    assert order.exception_reason == ExceptionReason.LATE_REFUND
    assert OrderEvent.objects.filter(order=order, action="flag_exception").count() == 1


def test_the_platform_repeating_the_old_address_does_not_undo_a_persons_change(taken_in, taobao_channel, ops_user):
    order_change_address(order=taken_in, address=NEW_STREET, actor=ops_user, note="买家电话改地址")

    message = send(taobao_channel, "3001", minutes=5)  # same payload as at intake, a later time

    order = Order.objects.get(pk=taken_in.pk)
    assert message.status == InboxStatus.IGNORED
    assert order.street == "张江路 88 号"


def test_a_masked_phone_does_not_overwrite_the_real_one(taken_in, taobao_channel):
    send(taobao_channel, "3001", minutes=5, phone="138****5678", **NEW_STREET)

    order = Order.objects.get(pk=taken_in.pk)
    assert order.street == "张江路 88 号" and order.phone == "13812345678"


# ---- replay ----


def test_replay_after_an_adapter_bug_is_fixed_creates_the_order(stocked, taobao_channel, monkeypatch):
    def broken(self, payload, *, channel_code):
        raise KeyError("receiver_state")

    monkeypatch.setattr(taobao_adapter.TaobaoConnector, "parse", broken)
    failed = send(taobao_channel, "4001")
    assert failed.status == InboxStatus.FAILED and "对接程序出错" in failed.error
    assert not Order.objects.exists()

    monkeypatch.undo()  # the adapter is fixed
    replayed = inbox_replay(failed.pk)

    assert replayed.status == InboxStatus.PROCESSED and replayed.error == "" and replayed.attempts == 2
    assert order_of(replayed).status == OrderStatus.PENDING_REVIEW


def test_replay_of_a_processed_message_is_refused_and_creates_nothing(taken_in, taobao_channel):
    message = InboxMessage.objects.get(order=taken_in)

    with pytest.raises(InboxReplayRefused, match="只有失败或已忽略"):
        inbox_replay(message.pk)

    assert Order.objects.count() == 1
    assert InboxMessage.objects.get(pk=message.pk).attempts == 1


def test_replay_of_an_ignored_repeat_creates_nothing_new(taken_in, taobao_channel):
    repeat = send(taobao_channel, "3001")
    assert repeat.status == InboxStatus.IGNORED

    again = inbox_replay(repeat.pk)

    assert again.status == InboxStatus.IGNORED and again.order_id == taken_in.pk
    assert Order.objects.count() == 1 and again.attempts == 2


def test_unknown_code_mapped_then_the_held_order_runs(stocked, taobao_channel):
    message = send(taobao_channel, "5001", lines=(("TB-CUP-RED", 2, "19.90"),))
    order = order_of(message)
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.UNKNOWN_SKU)

    from channels.services.skus import sku_mapping_save

    _mapping, report = sku_mapping_save(channel=taobao_channel, external_code="TB-CUP-RED", sku_code="A001")

    assert report.released == [order.number]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_REVIEW
    assert SkuMapping.objects.get().sku == Sku.objects.get(code="A001")


def test_a_held_unpaid_order_paid_later_is_released_to_review_once_mapped(stocked, taobao_channel):
    from channels.services.skus import sku_mapping_save

    message = send(taobao_channel, "6001", status=S.UNPAID, lines=(("TB-NEW", 1, "9.90"),))
    order = order_of(message)
    assert order.status == OrderStatus.ON_HOLD and not order.is_paid

    paid = send(taobao_channel, "6001", minutes=5, status=S.PAID, lines=(("TB-NEW", 1, "9.90"),))
    assert paid.status == InboxStatus.PROCESSED
    assert Order.objects.get(pk=order.pk).is_paid

    sku_mapping_save(channel=taobao_channel, external_code="TB-NEW", sku_code="A002")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_REVIEW
