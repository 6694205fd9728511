"""The polling lease and the push lease under real concurrency (PostgreSQL, threads with their own
connections): of several workers released at once, exactly one polls a shop and exactly one
pushes a row."""

import pytest

from channels.models import Channel, InboxMessage, OutboundPush, PushStatus
from channels.services.polling import poll_channel
from channels.services.writeback import outbound_push, shipment_cursor, shipments_collect
from orders.models import Order, OrderSource
from orders.services import order_approve, order_pack, order_ship, order_start_picking
from tests.fixtures.concurrency import errors_of, run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_four_pollers_at_once_poll_the_shop_once(stocked, simulated_channel, platform_simulator):
    channel = simulated_channel("taobao")
    ids = [platform_simulator.add_order("taobao", [("A001", 1, "9.90")]) for _ in range(6)]

    outcomes = run_together(lambda i: poll_channel(channel_id=channel.pk, page_size=2), 4)

    assert errors_of(outcomes) == []
    assert sum(o.value.polled for o in outcomes) == 1
    assert InboxMessage.objects.filter(channel=channel).count() == 6
    assert sorted(OrderSource.objects.filter(channel=channel).values_list("external_id", flat=True)) == sorted(ids)
    assert Order.objects.filter(channel=channel).count() == 6
    channel.refresh_from_db()
    assert channel.poll_cursor == "6" and channel.poll_lease_token == ""


def test_four_workers_at_once_push_a_row_once(stocked, simulated_channel, platform_simulator):
    shipment_cursor()
    channel = simulated_channel("jd")
    platform_simulator.add_order("jd", [("A001", 1, "9.90")])
    poll_channel(channel_id=channel.pk)
    order = Order.objects.get(channel=channel)
    for step in (order_approve, order_start_picking, order_pack):
        order = step(order=order)
    order_ship(order=order, carrier="京东物流", tracking_number="JDVA00000000001")
    shipments_collect()
    push = OutboundPush.objects.get()

    outcomes = run_together(lambda i: outbound_push(push_id=push.pk), 4)

    assert errors_of(outcomes) == []
    assert sum(o.value is not None for o in outcomes) == 1
    push.refresh_from_db()
    assert (push.status, push.attempts) == (PushStatus.DONE, 1)
    assert len(platform_simulator.shipments) == 1
    assert Channel.objects.get(pk=channel.pk).poll_lease_token == ""
