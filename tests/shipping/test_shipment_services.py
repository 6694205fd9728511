"""Shipment services: propose, ops' change with a reason, issue (idempotent), void."""

from decimal import Decimal

import pytest

from orders.models import OrderEvent
from orders.services import order_cancel, order_start_picking
from warehouse.carriers.errors import ShippingRefused
from warehouse.carriers.services import (
    EVENT_CARRIER_CHANGED,
    EVENT_WAYBILL_ISSUED,
    EVENT_WAYBILL_VOIDED,
    shipment_choose,
    shipment_issue,
    shipment_propose,
    shipment_void,
)
from warehouse.models.carriers import CarrierService, Shipment, ShipmentStatus


def snapshot():
    return (
        list(Shipment.objects.order_by("pk").values()),
        OrderEvent.objects.filter(action__in=[EVENT_CARRIER_CHANGED, EVENT_WAYBILL_ISSUED, EVENT_WAYBILL_VOIDED]).count(),
    )


def test_issue_proposes_then_issues_and_a_repeat_returns_the_same_waybill(ready_order, ops_user):
    order = ready_order(province="浙江省", city="杭州市")

    first = shipment_issue(order=order, weight_g=1200, actor=ops_user)
    again = shipment_issue(order=order, weight_g=1200, actor=ops_user)

    assert first.status == ShipmentStatus.ISSUED and first.waybill_number.startswith("JT")
    assert again.pk == first.pk and again.waybill_number == first.waybill_number
    assert first.service.name == "极兔标快" and first.price == Decimal("3.70") and first.weight_g == 1200
    assert first.sort_code.startswith("310 ") and first.hub == "杭州转运中心"
    assert first.issued_by == ops_user and first.issued_at is not None
    events = OrderEvent.objects.filter(order=order, action=EVENT_WAYBILL_ISSUED)
    assert [e.data["waybill"] for e in events] == [first.waybill_number]


@pytest.mark.parametrize("how", ["pending_review", "cancelled"])
def test_issue_is_refused_for_an_order_not_on_the_floor_and_nothing_is_written(ready_order, make_draft, how):
    order = ready_order()
    if how == "cancelled":
        order_cancel(order=order)
    else:
        from orders.services import order_intake

        order = order_intake(draft=make_draft([("A001", 1)])).order
    before = snapshot()

    with pytest.raises(ShippingRefused, match="不能出面单"):
        shipment_issue(order=order, weight_g=1000)
    assert snapshot() == before


def test_issue_without_any_weight_is_refused(ready_order):
    with pytest.raises(ShippingRefused, match="需要重量"):
        shipment_issue(order=ready_order())
    assert not Shipment.objects.exists()


def test_ops_change_the_carrier_with_a_reason(ready_order, ops_user):
    order = ready_order(province="浙江省", city="杭州市")
    shipment_propose(order=order, weight_g=1200)
    sf = CarrierService.objects.get(name="顺丰标快")

    shipment = shipment_choose(order=order, service=sf, reason="买家要求顺丰，补差价", actor=ops_user)

    assert shipment.service == sf and shipment.carrier.code == "SF"
    assert shipment.proposed_service.name == "极兔标快"  # what was proposed stays visible
    assert shipment.price == Decimal("14.00") and shipment.changed_by == ops_user
    event = OrderEvent.objects.get(order=order, action=EVENT_CARRIER_CHANGED)
    assert event.note == "买家要求顺丰，补差价" and event.data == {"from": "极兔标快", "to": "顺丰标快", "price": "14.00"}

    # A new weight re-prices the ops' choice; it does not switch back to the proposal.
    heavier = shipment_propose(order=order, weight_g=2500)
    assert heavier.service == sf and heavier.price == Decimal("16.00")
    assert shipment_issue(order=order, actor=ops_user).waybill_number.startswith("SF")


def test_a_change_without_a_reason_or_to_a_service_that_does_not_go_there_is_refused(ready_order, ops_user):
    order = ready_order(province="浙江省", city="杭州市")
    shipment_propose(order=order, weight_g=1200)
    before = snapshot()
    sf = CarrierService.objects.get(name="顺丰标快")

    with pytest.raises(ShippingRefused, match="请填写原因"):
        shipment_choose(order=order, service=sf, reason="  ", actor=ops_user)
    with pytest.raises(ShippingRefused, match="原因不能超过"):
        shipment_choose(order=order, service=sf, reason="长" * 201, actor=ops_user)
    sf.rates.filter(zone__warehouse=order.warehouse, zone__name="一区 省内").delete()
    with pytest.raises(ShippingRefused, match="顺丰标快 不发往「一区 省内」"):
        shipment_choose(order=order, service=sf, reason="买家要求", actor=ops_user)
    assert snapshot() == before


def test_a_change_before_any_proposal_or_after_the_waybill_is_refused(ready_order, ops_user):
    order = ready_order()
    sf = CarrierService.objects.get(name="顺丰标快")
    with pytest.raises(ShippingRefused, match="还没有推荐快递"):
        shipment_choose(order=order, service=sf, reason="买家要求", actor=ops_user)

    issued = shipment_issue(order=order, weight_g=1000)
    with pytest.raises(ShippingRefused, match=f"已出面单 {issued.waybill_number}，请先作废面单再改派"):
        shipment_choose(order=order, service=sf, reason="买家要求", actor=ops_user)


def test_void_then_reissue_gets_a_new_number(ready_order, ops_user):
    order = ready_order()
    first = shipment_issue(order=order, weight_g=1000, actor=ops_user).waybill_number

    voided = shipment_void(order=order, reason="面单打印模糊", actor=ops_user)
    assert voided.status == ShipmentStatus.PROPOSED and voided.waybill_number == "" and voided.attempt == 1
    second = shipment_issue(order=order, actor=ops_user).waybill_number

    assert second != first
    event = OrderEvent.objects.get(order=order, action=EVENT_WAYBILL_VOIDED)
    assert event.data["waybill"] == first and event.note == "面单打印模糊"


def test_void_needs_an_issued_waybill_and_a_reason(ready_order, ops_user):
    order = ready_order()
    with pytest.raises(ShippingRefused, match="没有可作废的面单"):
        shipment_void(order=order, reason="错了", actor=ops_user)
    shipment_issue(order=order, weight_g=1000)
    with pytest.raises(ShippingRefused, match="请填写原因"):
        shipment_void(order=order, reason="", actor=ops_user)


def test_a_cancelled_orders_waybill_can_still_be_voided(ready_order, ops_user):
    order = ready_order()
    order_start_picking(order=order)
    shipment_issue(order=order, weight_g=1000)
    order_cancel(order=order)

    assert shipment_void(order=order, reason="订单已取消", actor=ops_user).waybill_number == ""


def test_propose_leaves_an_issued_shipment_alone(ready_order):
    order = ready_order()
    issued = shipment_issue(order=order, weight_g=1000)

    again = shipment_propose(order=order, weight_g=5000)

    assert (again.waybill_number, again.weight_g) == (issued.waybill_number, 1000)


def test_issue_with_a_new_weight_re_proposes_before_issuing(ready_order):
    order = ready_order(province="浙江省", city="杭州市")
    shipment_propose(order=order, weight_g=500)

    shipment = shipment_issue(order=order, weight_g=3200)

    assert shipment.weight_g == 3200 and shipment.price == Decimal("2.7") + 3 * Decimal("1")
