"""The scale and the carrier services meet: a cleared parcel gets its waybill from
``shipment_issue`` (the sandbox adapter here), recorded on the parcel; a refused label leaves the
weigh standing and says why; the dock ships with that waybill only, and the tracking write-back
picks it up."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels.models import Channel, OutboundPush
from channels.services.writeback import shipment_cursor, shipments_collect
from oms.demo.carriers import seed_carriers
from orders.models import Order, OrderEvent
from orders.states import OrderStatus
from tests.fixtures.floor import pack_all, pick_all
from warehouse.carriers.services import shipment_void
from warehouse.models import CarrierRate, FloorStep, Parcel, ScanRecord, Shipment, ShipmentStatus
from warehouse.services import FloorRefused, parcel_label, parcel_ship, parcel_weigh, parcel_weigh_override

pytestmark = pytest.mark.django_db


@pytest.fixture
def packed(released_wave, picker_hz, boxes):
    """F001×2 + F003×1 in 3号 (430×210×270, tare 200 g): expected 820 g ± 50, to 浙江 from 杭州仓."""
    wave, (order,) = released_wave([[("F001", 2), ("F003", 1)]])
    pick_all(wave, picker_hz)
    pack_all(order, picker_hz, boxes["3号"])
    return Order.objects.get(pk=order.pk)


def test_a_parcel_that_passes_the_scale_gets_its_waybill(packed, picker_hz, carriers):
    parcel = parcel_weigh(order=packed, weight_g=835, actor=picker_hz)

    shipment = Shipment.objects.select_related("carrier", "service").get(order=packed)
    assert shipment.status == ShipmentStatus.ISSUED and shipment.issued_by == picker_hz
    assert (parcel.carrier, parcel.waybill, parcel.label_error) == (shipment.carrier.name, shipment.waybill_number, "")
    assert shipment.weight_g == 835
    # The box counts: 430×210×270 mm is 3.05 kg by volume at ÷8000, more than the scale's 0.835 kg.
    assert shipment.billing_weight_g == 3048
    assert shipment.sort_code.startswith("310 ") and shipment.hub == "杭州转运中心"
    assert OrderEvent.objects.filter(order=packed, action="waybill_issue").count() == 1
    # Asking again (a double tap on 出面单) changes nothing.
    assert parcel_label(order=packed, actor=picker_hz).waybill == parcel.waybill
    assert Shipment.objects.get(order=packed).waybill_number == parcel.waybill


def test_a_refused_label_leaves_the_weigh_standing_and_can_be_retried(packed, picker_hz, warehouse_hz):
    """No rate table yet for the warehouse: the weigh is recorded, the reason is kept, and once
    ops add the rates the retry issues the label."""
    parcel = parcel_weigh(order=packed, weight_g=835, actor=picker_hz)

    assert (parcel.weight_ok, parcel.may_ship, parcel.waybill) == (True, True, "")
    assert "运费分区" in parcel.label_error
    assert ScanRecord.objects.filter(order=packed, step=FloorStep.WEIGH, ok=True).count() == 1
    with pytest.raises(FloorRefused) as refused:
        parcel_label(order=packed, actor=picker_hz)
    assert refused.value.code == "label_refused" and "运费分区" in refused.value.message
    with pytest.raises(FloorRefused) as refused:
        parcel_ship(order=packed, waybill="73100000000001", actor=picker_hz)
    assert refused.value.code == "no_label"
    assert Order.objects.get(pk=packed.pk).status == OrderStatus.PACKED

    seed_carriers()
    parcel = parcel_label(order=packed, actor=picker_hz)

    assert parcel.waybill and parcel.label_error == ""
    assert Parcel.objects.get(order=packed).waybill == Shipment.objects.get(order=packed).waybill_number


def test_a_carrier_without_a_rate_to_the_zone_is_a_refusal_too(packed, picker_hz, carriers):
    CarrierRate.objects.filter(zone__warehouse=packed.warehouse_id).delete()
    parcel = parcel_weigh(order=packed, weight_g=835, actor=picker_hz)
    assert parcel.may_ship and parcel.waybill == "" and "没有可用的快递服务" in parcel.label_error


def test_a_supervisors_release_issues_the_label(packed, picker_hz, supervisor, carriers):
    with pytest.raises(FloorRefused):
        parcel_weigh(order=packed, weight_g=1400, actor=picker_hz)
    assert not Shipment.objects.filter(order=packed).exists(), "a flagged parcel gets no label"
    with pytest.raises(FloorRefused) as refused:
        parcel_label(order=packed, actor=picker_hz)
    assert refused.value.code == "not_weighed"

    parcel = parcel_weigh_override(order=packed, reason="赠品未登记重量", supervisor=supervisor)

    assert parcel.waybill == Shipment.objects.get(order=packed).waybill_number
    assert Shipment.objects.get(order=packed).weight_g == 1400


def test_another_warehouses_picker_cannot_issue_the_label(packed, picker_hz, picker_gz, carriers):
    Parcel.objects.filter(order=packed).update(weight_g=835, weight_ok=True)  # as if weighed; no label
    with pytest.raises(FloorRefused) as refused:
        parcel_label(order=packed, actor=picker_gz)
    assert refused.value.code == "not_your_warehouse"
    assert not Shipment.objects.filter(order=packed).exists()


def test_the_dock_ships_with_the_issued_waybill_and_write_back_picks_it_up(packed, picker_hz, carriers):
    Channel.objects.filter(pk=packed.channel_id).update(api_base_url="http://127.0.0.1:9/taobao")
    shipment_cursor()
    parcel = parcel_weigh(order=packed, weight_g=835, actor=picker_hz)

    parcel_ship(order=packed, waybill=parcel.waybill, actor=picker_hz)

    order = Order.objects.get(pk=packed.pk)
    shipment = Shipment.objects.select_related("carrier").get(order=packed)
    assert (order.status, order.carrier, order.tracking_number) == (
        OrderStatus.SHIPPED, shipment.carrier.name, shipment.waybill_number,
    )
    assert shipments_collect(now=timezone.now() + timedelta(minutes=5)) == 1
    push = OutboundPush.objects.get(order=order)
    assert (push.carrier, push.tracking_number) == (shipment.carrier.name, shipment.waybill_number)


def test_a_voided_label_cannot_ship_and_a_new_one_is_issued(packed, picker_hz, ops_member, carriers):
    first = parcel_weigh(order=packed, weight_g=835, actor=picker_hz).waybill
    shipment_void(order=packed, reason="面单打印模糊", actor=ops_member)

    with pytest.raises(FloorRefused) as refused:
        parcel_ship(order=packed, waybill=first, actor=picker_hz)
    assert refused.value.code == "label_void" and first in refused.value.message
    assert Order.objects.get(pk=packed.pk).status == OrderStatus.PACKED

    second = parcel_label(order=packed, actor=picker_hz).waybill
    assert second and second != first
    parcel_ship(order=packed, waybill=second, actor=picker_hz)
    assert Order.objects.get(pk=packed.pk).tracking_number == second


def test_a_shipped_parcel_gets_no_new_label(packed, picker_hz, carriers):
    waybill = parcel_weigh(order=packed, weight_g=835, actor=picker_hz).waybill
    parcel_ship(order=packed, waybill=waybill, actor=picker_hz)
    with pytest.raises(FloorRefused) as refused:
        parcel_label(order=packed, actor=picker_hz)
    assert refused.value.code == "not_packed" and "已发货" in refused.value.message
    assert Shipment.objects.get(order=packed).waybill_number == waybill
