"""carrier_propose: the cheapest service meeting the order's delivery priority, reason in words."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from orders.models import Priority
from warehouse.carriers.errors import ShippingRefused
from warehouse.carriers.proposal import billing_weight_g, carrier_propose, rate_price
from warehouse.models.carriers import Carrier, CarrierRate, RateZone

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


def test_billing_weight_is_the_larger_of_actual_and_volumetric():
    assert billing_weight_g(500, None, 6000) == 500
    assert billing_weight_g(500, (400, 300, 300), 6000) == 6000  # 40×30×30 cm / 6000 = 6 kg
    assert billing_weight_g(500, (400, 300, 300), 8000) == 4500
    assert billing_weight_g(7000, (400, 300, 300), 6000) == 7000


def test_price_is_first_weight_plus_each_started_step():
    rate = CarrierRate(first_weight_g=1000, first_price=Decimal("3.00"), step_weight_g=1000, step_price=Decimal("1.50"))

    assert rate_price(rate, 800) == Decimal("3.00")
    assert rate_price(rate, 1000) == Decimal("3.00")
    assert rate_price(rate, 1001) == Decimal("4.50")
    assert rate_price(rate, 3200) == Decimal("7.50")


def test_a_normal_order_gets_the_cheapest_service(ready_order):
    order = ready_order(province="浙江省", city="杭州市")

    proposal = carrier_propose(order=order, weight_g=1200, now=MORNING)

    assert proposal.zone.name == "一区 省内"
    assert (proposal.quote.service, proposal.quote.price) == ("极兔标快", Decimal("3.70"))
    assert proposal.quote.price == min(q.price for q in proposal.quotes)
    assert "普通订单" in proposal.reason and "极兔标快 ¥3.70" in proposal.reason and "1.2 kg" in proposal.reason


def test_an_urgent_order_skips_services_too_slow_for_it(ready_order):
    order = ready_order(province="上海市", city="上海市", priority=Priority.HIGH)

    proposal = carrier_propose(order=order, weight_g=1200, now=MORNING)

    # 极兔 is cheaper but takes 3 days to 二区; 加急 allows 2.
    jt = next(q for q in proposal.quotes if q.service == "极兔标快")
    assert not jt.meets_priority and jt.price < proposal.quote.price
    assert proposal.quote.service == "韵达标快" and proposal.quote.transit_days <= 2
    assert "加急订单（需 2 天内送达）" in proposal.reason


def test_a_most_urgent_order_needs_an_express_next_day_service(ready_order):
    order = ready_order(province="浙江省", city="杭州市", priority=Priority.URGENT)

    proposal = carrier_propose(order=order, weight_g=1200, now=MORNING)

    assert (proposal.quote.service, proposal.quote.price) == ("EMS标准快递", Decimal("17.00"))
    assert all(q.level == "express" and q.transit_days == 1 for q in proposal.quotes if q.meets_priority)


def test_when_nothing_meets_the_priority_the_fastest_is_proposed_and_said_so(ready_order):
    order = ready_order(province="新疆维吾尔自治区", city="乌鲁木齐市", priority=Priority.URGENT)

    proposal = carrier_propose(order=order, weight_g=1200, now=MORNING)

    assert proposal.zone.name == "四区 偏远"
    assert not any(q.meets_priority for q in proposal.quotes)
    assert proposal.quote.transit_days == min(q.transit_days for q in proposal.quotes)
    assert proposal.quote.service == "京东特快"
    assert "没有服务能做到，改选最快的 京东特快" in proposal.reason


def test_urgent_orders_prefer_a_carrier_that_still_collects_today(ready_order):
    order = ready_order(province="浙江省", city="杭州市", priority=Priority.URGENT)

    # EMS (cheapest) collects until 16:30, 京东 until 18:00, 顺丰 until 18:30.
    at_five = carrier_propose(order=order, weight_g=1200, now=MORNING.replace(hour=17))
    at_seven = carrier_propose(order=order, weight_g=1200, now=MORNING.replace(hour=19))

    assert at_five.quote.service == "京东特快" and "已过今日揽收截止的快递不考虑" in at_five.reason
    assert at_seven.quote.service == "EMS标准快递" and "今日已过揽收截止，明日揽收" in at_seven.reason


def test_volumetric_weight_can_change_the_choice(ready_order):
    order = ready_order(province="浙江省", city="杭州市")

    light_big_box = carrier_propose(order=order, weight_g=500, box_mm=(400, 300, 300), now=MORNING)

    quote = next(q for q in light_big_box.quotes if q.service == "顺丰标快")
    assert quote.billing_weight_g == 6000 and quote.price == Decimal("12") + 5 * Decimal("2")
    assert light_big_box.quote.billing_weight_g == 4500


@pytest.mark.parametrize("weight", [0, -5, "1200", 1.5, True, 100_001])
def test_a_weight_no_parcel_has_is_refused(ready_order, weight):
    order = ready_order()

    with pytest.raises(ShippingRefused, match="重量必须是") as caught:
        carrier_propose(order=order, weight_g=weight)
    assert caught.value.code == "bad_weight"


@pytest.mark.parametrize("box", [(0, 100, 100), (100, 100), (100, 100, 10_000), (100.5, 100, 100)])
def test_a_box_size_no_box_has_is_refused(ready_order, box):
    with pytest.raises(ShippingRefused, match="箱子尺寸"):
        carrier_propose(order=ready_order(), weight_g=1000, box_mm=box)


def test_an_order_without_a_warehouse_or_a_zone_is_refused_with_the_reason(ready_order):
    order = ready_order(province="浙江省", city="杭州市")
    RateZone.objects.filter(warehouse=order.warehouse, name="一区 省内").delete()

    with pytest.raises(ShippingRefused, match="没有覆盖「浙江省」的运费分区"):
        carrier_propose(order=order, weight_g=1000)

    order.warehouse_id = None
    with pytest.raises(ShippingRefused, match="尚未分配发货仓"):
        carrier_propose(order=order, weight_g=1000)


def test_a_zone_with_no_active_service_is_refused(ready_order):
    order = ready_order(province="浙江省", city="杭州市")
    Carrier.objects.update(active=False)

    with pytest.raises(ShippingRefused, match="没有可用的快递服务"):
        carrier_propose(order=order, weight_g=1000)
