"""What the warehouse tells the order flow: a wave not yet released holds its orders (no merge,
split or re-route under the floor's feet), a weight mismatch becomes an exception for ops, and
the rate table prices routing's tie-break."""

from decimal import Decimal

import pytest

from orders.flow_models import OrderFlag, ProvinceRoute
from orders.models import Order
from orders.services import OrderActionRefused
from orders.services.merge import order_merge
from orders.services.reroute import order_reroute
from orders.services.split import order_split
from orders.states import ExceptionReason
from tests.fixtures.floor import pack_all, pick_all
from warehouse.models.carriers import Carrier, CarrierRate, CarrierService, RateZone
from warehouse.order_flow import shipping_estimate, shipping_rate_card
from warehouse.services import parcel_weigh, wave_build
from warehouse.services.errors import FloorRefused

pytestmark = pytest.mark.django_db


def test_an_open_wave_holds_its_orders(floor_order, supervisor, warehouse_gz, taobao_channel, shop_policy):
    first = floor_order([("F001", 1), ("F003", 1)])
    second = floor_order([("F002", 1)])
    wave_build(warehouse=first.warehouse_id, actor=supervisor)
    shop_policy(taobao_channel, allow_split=True)
    ProvinceRoute.objects.create(warehouse=warehouse_gz, provinces=["浙江"], priority=1)
    for attempt in (
        lambda: order_merge(orders=[first, second]),
        lambda: order_split(order=first, line_ids=[first.lines.first().pk]),
        lambda: order_reroute(order=first),
    ):
        with pytest.raises(OrderActionRefused, match="待下发"):
            attempt()
    assert Order.objects.get(pk=first.pk).warehouse_id == first.warehouse_id


def test_a_weight_mismatch_is_an_exception_for_ops(released_wave, picker_hz, boxes):
    wave, (order,) = released_wave([[("F001", 2), ("F003", 1)]])
    pick_all(wave, picker_hz)
    pack_all(Order.objects.get(pk=order.pk), picker_hz, boxes["8号"])
    with pytest.raises(FloorRefused):
        parcel_weigh(order=order, weight_g=2500, actor=picker_hz)
    flag = OrderFlag.objects.get(order=order)
    assert flag.reason == ExceptionReason.WEIGHT_MISMATCH and flag.raised_by == picker_hz
    assert "2500" in flag.note
    assert Order.objects.get(pk=order.pk).exception_reason == ExceptionReason.WEIGHT_MISMATCH


def _rates(warehouse_hz):
    carrier = Carrier.objects.create(code="YTO", name="圆通速递", short_name="圆通")
    cheap = CarrierService.objects.create(carrier=carrier, name="圆通标快")
    dear = CarrierService.objects.create(carrier=carrier, name="圆通特快")
    near = RateZone.objects.create(warehouse=warehouse_hz, name="省内", provinces=["浙江"], sequence=1)
    far = RateZone.objects.create(warehouse=warehouse_hz, name="全国", provinces=["浙江", "广东"], sequence=2)
    CarrierRate.objects.create(service=cheap, zone=near, first_price=Decimal("5.00"), step_price=Decimal("1.00"))
    CarrierRate.objects.create(service=dear, zone=near, first_price=Decimal("9.00"), step_price=Decimal("1.00"))
    CarrierRate.objects.create(service=cheap, zone=far, first_price=Decimal("3.00"), step_price=Decimal("1.00"))
    return carrier, cheap, dear


def test_shipping_estimate_prices_the_first_zone_covering_the_province(warehouse_hz, warehouse_gz):
    _rates(warehouse_hz)
    assert shipping_estimate([warehouse_hz.pk, warehouse_gz.pk], "浙江省", 2500) == {warehouse_hz.pk: Decimal("7.00")}
    assert shipping_estimate([warehouse_hz.pk], "广东", 100) == {warehouse_hz.pk: Decimal("3.00")}
    assert shipping_estimate([warehouse_hz.pk], "西藏", 100) == {}


def test_a_stopped_service_or_carrier_prices_nothing(warehouse_hz):
    carrier, cheap, dear = _rates(warehouse_hz)
    cheap.active = False
    cheap.save()  # as the admin does (a save forgets the rates kept: core.config_cache)
    assert shipping_estimate([warehouse_hz.pk], "浙江", 2500) == {warehouse_hz.pk: Decimal("11.00")}
    assert shipping_estimate([warehouse_hz.pk], "广东", 100) == {}
    carrier.active = False
    carrier.save()
    assert shipping_estimate([warehouse_hz.pk], "浙江", 2500) == {}


def test_a_batch_prices_every_order_from_one_read_of_the_rates(warehouse_hz, warehouse_gz, django_assert_num_queries):
    _rates(warehouse_hz)
    zone = RateZone.objects.create(warehouse=warehouse_gz, name="全国", provinces=["浙江", "广东"])
    CarrierRate.objects.create(
        service=CarrierService.objects.get(name="圆通标快"), zone=zone, first_price=Decimal("4.00"), step_price=Decimal("2.00")
    )
    asks = [
        ([warehouse_hz.pk, warehouse_gz.pk], "浙江省", 2500),
        ([warehouse_hz.pk, warehouse_gz.pk], "广东", 100),
        ([warehouse_gz.pk], "广东省", 3100),
        ([warehouse_hz.pk], "西藏", 100),
    ]
    expected = [shipping_estimate(*ask) for ask in asks]
    assert expected[0] == {warehouse_hz.pk: Decimal("7.00"), warehouse_gz.pk: Decimal("8.00")}
    card = shipping_rate_card()
    with django_assert_num_queries(1):
        assert [card(*ask) for ask in asks] == expected
