"""End to end: a platform's payload, stored raw in the inbox and processed, becomes exactly one
order in the order core with the right lines — whether pushed once, twice, or pulled page by
page from the simulator."""

import json
from decimal import Decimal

import pytest

from channels.connectors import PlatformStatus, get_connector
from channels.http import call
from channels.models import InboxMessage, InboxStatus
from channels.services.inbox import inbox_process, inbox_receive
from orders.models import Order, OrderSource
from orders.states import HoldReason, OrderStatus
from tests.channels.connector_helpers import fixture_names, load

PLATFORMS = ["taobao", "jd", "pinduoduo", "douyin", "aliexpress"]
S = PlatformStatus


def deliver(channel, payload, source="webhook") -> InboxMessage:
    message = inbox_receive(channel=channel, body=json.dumps(payload, ensure_ascii=False), source=source)
    return inbox_process(message.pk)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_payload_twice_is_one_order_with_the_right_lines(stocked, simulated_channel, platform_simulator, platform):
    channel = simulated_channel(platform)
    external_id = platform_simulator.add_order(
        platform, [("A001", 2, "19.90", "保温杯"), ("A002", 1, "59.00"), ("A005", 1, "0.00", "【赠品】杯刷")],
        name="🌸小雨🌸", phone="13812345678", province="广东省", city="东莞市", district="", street="长安镇振安中路 368 号",
    )
    payload = platform_simulator.payload(platform, external_id)

    first = deliver(channel, payload)
    second = deliver(channel, payload)

    assert (first.status, first.error) == (InboxStatus.PROCESSED, "")
    assert second.status == InboxStatus.IGNORED and second.order_id == first.order_id
    order = Order.objects.get(channel=channel)
    assert OrderSource.objects.get(order=order).external_id == external_id
    assert order.status == OrderStatus.PENDING_REVIEW
    assert [(line.sku_code, line.quantity, line.unit_price, line.reserved_quantity) for line in
            order.lines.order_by("id")] == [
        ("A001", 2, Decimal("19.90"), 2), ("A002", 1, Decimal("59.00"), 1), ("A005", 1, Decimal("0.00"), 1)]
    assert order.lines.order_by("id").first().title == "保温杯"
    assert order.goods_amount == Decimal("98.80")
    assert order.recipient_name == "🌸小雨🌸"
    expected_street = "长安镇振安中路 368 号"
    assert (order.province, order.city, order.district, order.street) == ("广东省", "东莞市", "", expected_street)
    assert order.currency == ("USD" if platform == "aliexpress" else "CNY")
    assert first.external_id == external_id and first.platform_status == S.PAID


@pytest.mark.parametrize("platform", PLATFORMS)
def test_polled_page_by_page_with_later_payment_and_cancellation(stocked, simulated_channel, platform_simulator,
                                                                 platform):
    channel = simulated_channel(platform)
    connector = get_connector(platform)
    paid = [platform_simulator.add_order(platform, [("A001", 1, "9.90")]) for _ in range(3)]
    unpaid = platform_simulator.add_order(platform, [("A003", 2, "5.00")], status=S.UNPAID)
    doomed = platform_simulator.add_order(platform, [("A004", 1, "5.00")], status=S.UNPAID)

    def pull(cursor):
        while True:
            request = connector.poll_request(credentials=channel.credentials, cursor=cursor, page_size=2)
            page = connector.parse_poll_response(call(channel.api_base_url, request), cursor=cursor)
            for payload in page.payloads:
                assert deliver(channel, payload, source="poll").status != InboxStatus.FAILED
            cursor = page.next_cursor
            if not page.has_more:
                return cursor

    cursor = pull("")
    assert Order.objects.filter(channel=channel).count() == 5
    by_id = {s.external_id: s.order for s in OrderSource.objects.filter(channel=channel).select_related("order")}
    assert {by_id[e].status for e in paid} == {OrderStatus.PENDING_REVIEW}
    assert by_id[unpaid].status == OrderStatus.PENDING_PAYMENT

    platform_simulator.pay(platform, unpaid)
    platform_simulator.cancel(platform, doomed)
    pull(cursor)
    assert Order.objects.filter(channel=channel).count() == 5
    assert Order.objects.get(pk=by_id[unpaid].pk).status == OrderStatus.PENDING_REVIEW
    assert Order.objects.get(pk=by_id[doomed].pk).status == OrderStatus.CANCELLED


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_fixture_through_the_inbox(stocked, simulated_channel, platform):
    channel = simulated_channel(platform)
    results = {name: deliver(channel, load(platform, name)) for name in fixture_names(platform)}

    malformed = results.pop("malformed")
    assert malformed.status == InboxStatus.FAILED and malformed.order_id is None
    assert malformed.error  # the reason stays with the raw body, for a person to fix and replay
    assert all(m.status == InboxStatus.PROCESSED for m in results.values()), {
        n: (m.status, m.error) for n, m in results.items()}
    assert Order.objects.filter(channel=channel).count() == len(results)

    orders = {name: Order.objects.get(pk=m.order_id) for name, m in results.items()}
    assert orders["paid"].status == OrderStatus.PENDING_REVIEW
    assert orders["unpaid"].status == OrderStatus.PENDING_PAYMENT
    assert orders["cancelled"].status == OrderStatus.CANCELLED
    assert orders["refunding"].status == OrderStatus.CANCELLED  # first news is a refund: kept, cancelled
    assert orders["missing_district"].status == OrderStatus.PENDING_REVIEW and orders["missing_district"].district == ""
    assert orders["gift"].lines.get(sku_code="A005").unit_price == Decimal("0.00")
    assert "🌸" in orders["emoji_name"].recipient_name
    multi = orders["multi_line"]
    assert multi.status == OrderStatus.ON_HOLD and multi.hold_reason == HoldReason.UNKNOWN_SKU  # engraving line
    assert multi.lines.count() == 4
    if "masked" in orders:
        assert "*" in orders["masked"].phone and orders["masked"].customer_id is None
