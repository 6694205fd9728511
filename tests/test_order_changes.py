"""Order changes outside the lifecycle: relinking SKUs after a mapping, address changes before
packing, exceptions flagged and cleared. Each writes its OrderEvent, or is refused changing nothing."""

import pytest

from inventory.models import Sku, StockLevel
from orders.models import Order, OrderEvent
from orders.services import (
    OrderActionRefused,
    order_cancel,
    order_change_address,
    order_clear_exception,
    order_flag_exception,
    order_relink_skus,
)
from orders.states import ExceptionReason, HoldReason, OrderStatus
from tests.fixtures.ledger import assert_ledger_matches


def fresh(order) -> Order:
    return Order.objects.get(pk=order.pk)


def reserved() -> dict[str, int]:
    return {f"{lv.sku.code}@{lv.warehouse.code}": lv.reserved for lv in StockLevel.objects.select_related("sku", "warehouse") if lv.reserved}


def events(order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).order_by("id").values_list("action", flat=True))


# ---- relink ----


def test_mapping_the_unknown_code_releases_the_order_and_reserves_it(place_order, ops_user):
    order = place_order([("TB-CUP-RED", 2), ("A002", 1)])
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.UNKNOWN_SKU)
    assert reserved() == {}

    order = order_relink_skus(order=order, codes={"TB-CUP-RED": "A001"}, actor=ops_user)

    order = fresh(order)
    assert order.status == OrderStatus.PENDING_REVIEW and order.hold_reason == "" and order.hold_note == ""
    assert sorted((line.sku.code, line.sku_code, line.reserved_quantity) for line in order.lines.all()) == [
        ("A001", "A001", 2), ("A002", "A002", 1)]
    assert reserved() == {"A001@HZ": 2, "A002@HZ": 1}
    assert events(order)[-2:] == ["relink_skus", "release_hold"]
    relink = OrderEvent.objects.get(order=order, action="relink_skus")
    assert relink.data == {"codes": {"TB-CUP-RED": "A001"}} and relink.actor == ops_user


def test_unpaid_order_goes_back_to_waiting_for_payment(place_order):
    order = place_order([("X-1", 1)], paid=False)

    order = order_relink_skus(order=order, codes={"X-1": "A003"})

    assert fresh(order).status == OrderStatus.PENDING_PAYMENT
    assert reserved() == {"A003@HZ": 1}


def test_another_unknown_code_keeps_it_held_with_the_updated_reason(place_order):
    order = place_order([("X-1", 1), ("X-2", 1)])
    assert "X-1" in order.hold_note and "X-2" in order.hold_note

    order_relink_skus(order=order, codes={"X-1": "A001"})

    order = fresh(order)
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.UNKNOWN_SKU)
    assert order.hold_note == "未知商家编码：X-2"
    assert reserved() == {}
    assert events(order)[-2:] == ["relink_skus", "hold_reason"]

    order_relink_skus(order=order, codes={"X-2": "A002"})
    assert fresh(order).status == OrderStatus.PENDING_REVIEW
    assert reserved() == {"A001@HZ": 1, "A002@HZ": 1}


def test_out_of_stock_after_mapping_stays_held_as_out_of_stock(place_order):
    Sku.objects.create(code="EMPTY-1", name="无货商品")
    order = place_order([("X-1", 1), ("A001", 1)])

    order_relink_skus(order=order, codes={"X-1": "EMPTY-1"})

    order = fresh(order)
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.OUT_OF_STOCK)
    assert order.lines.get(sku_code="EMPTY-1").sku.code == "EMPTY-1"
    assert reserved() == {}


@pytest.mark.parametrize("target", ["NOPE", ""])
def test_a_bad_target_code_is_refused_and_changes_nothing(place_order, target):
    order = place_order([("X-1", 1)])
    before = events(order)

    with pytest.raises(OrderActionRefused, match="SKU 编码不存在或已停用"):
        order_relink_skus(order=order, codes={"X-1": target})

    order = fresh(order)
    assert order.lines.get().sku_code == "X-1" and order.lines.get().sku_id is None
    assert events(order) == before and order.hold_reason == HoldReason.UNKNOWN_SKU


def test_an_inactive_sku_is_not_a_target(place_order):
    Sku.objects.filter(code="A004").update(active=False)
    order = place_order([("X-1", 1)])

    with pytest.raises(OrderActionRefused):
        order_relink_skus(order=order, codes={"X-1": "A004"})


def test_an_order_that_moved_on_is_refused(place_order):
    order = place_order([("X-1", 1)])
    order_cancel(order=order, note="买家不要了")
    before = events(order)

    with pytest.raises(OrderActionRefused) as refused:
        order_relink_skus(order=order, codes={"X-1": "A001"})

    assert refused.value.code == "moved_on"
    assert events(order) == before and fresh(order).lines.get().sku_id is None


def test_a_code_the_order_does_not_wait_on_is_refused(place_order):
    order = place_order([("X-1", 1)])

    with pytest.raises(OrderActionRefused) as refused:
        order_relink_skus(order=order, codes={"OTHER": "A001"})

    assert refused.value.code == "nothing_to_map"


# ---- address ----

NEW_ADDRESS = {"province": "广东省", "city": "深圳市", "district": "南山区", "street": "科技园 1 号"}


@pytest.mark.parametrize("status", [OrderStatus.PENDING_PAYMENT, OrderStatus.PENDING_REVIEW, OrderStatus.READY,
                                    OrderStatus.PICKING, OrderStatus.ON_HOLD])
def test_address_changes_before_packing_with_an_event(order_in_state, ops_user, status):
    order = order_in_state(status)
    stock = reserved()

    order_change_address(order=order, address=NEW_ADDRESS, actor=ops_user, note="买家来电")

    order = fresh(order)
    assert (order.province, order.city, order.district, order.street) == tuple(NEW_ADDRESS.values())
    assert order.status == status
    event = OrderEvent.objects.filter(order=order, action="change_address").last()
    assert (event.action, event.actor, event.note) == ("change_address", ops_user, "买家来电")
    assert event.data["before"]["city"] == "杭州市" and event.data["after"]["city"] == "深圳市"
    if status in (OrderStatus.PENDING_REVIEW, OrderStatus.READY, OrderStatus.ON_HOLD):
        # Not yet picked: re-routed to the warehouse serving 广东, in the same transaction.
        assert reserved() == {key.replace("@HZ", "@GZ"): qty for key, qty in stock.items()}
        assert OrderEvent.objects.filter(order=order).last().action == "route"
    else:
        assert reserved() == stock
    assert_ledger_matches()


@pytest.mark.parametrize("status", [OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.CANCELLED])
def test_address_change_is_refused_once_packed(order_in_state, status):
    order = order_in_state(status)
    before = events(order)

    with pytest.raises(OrderActionRefused, match="不能修改地址"):
        order_change_address(order=order, address=NEW_ADDRESS)

    assert fresh(order).city == "杭州市" and events(order) == before


@pytest.mark.parametrize("address,message", [
    ({"street": "  "}, "地址缺少"),
    ({"city": "深" * 40}, "不能超过"),
    ({"zip": "310000"}, "未知的地址字段"),
])
def test_a_bad_address_is_refused_and_changes_nothing(order_in_state, address, message):
    order = order_in_state(OrderStatus.PENDING_REVIEW)
    before = events(order)

    with pytest.raises(OrderActionRefused, match=message):
        order_change_address(order=order, address=address)

    assert fresh(order).street == "文三路 90 号" and events(order) == before


def test_the_same_address_again_writes_nothing(order_in_state):
    order = order_in_state(OrderStatus.PENDING_REVIEW)
    before = events(order)

    order_change_address(order=order, address={"city": "杭州市"})

    assert events(order) == before


# ---- exceptions ----


def test_flag_and_clear_an_exception(order_in_state, ops_user):
    order = order_in_state(OrderStatus.SHIPPED)

    order_flag_exception(order=order, reason=ExceptionReason.LATE_REFUND, note="平台通知：退款中")
    flagged = fresh(order)
    assert flagged.exception_reason == ExceptionReason.LATE_REFUND and flagged.exception_at is not None
    assert flagged.status == OrderStatus.SHIPPED

    order_clear_exception(order=order, note="已联系买家，拒收后退款", actor=ops_user)
    cleared = fresh(order)
    assert (cleared.exception_reason, cleared.exception_note, cleared.exception_at) == ("", "", None)
    assert events(order)[-2:] == ["flag_exception", "clear_exception"]
    assert OrderEvent.objects.filter(order=order).last().actor == ops_user


def test_clearing_needs_a_note_and_an_exception(order_in_state):
    order = order_in_state(OrderStatus.SHIPPED)
    with pytest.raises(OrderActionRefused, match="没有待处理的异常"):
        order_clear_exception(order=order, note="好了")
    order_flag_exception(order=order, reason=ExceptionReason.OTHER, note="x")
    with pytest.raises(OrderActionRefused, match="请填写处理说明"):
        order_clear_exception(order=order, note=" ")
    assert fresh(order).exception_reason == ExceptionReason.OTHER


def test_flag_with_an_unknown_reason_is_refused(order_in_state):
    order = order_in_state(OrderStatus.SHIPPED)
    with pytest.raises(OrderActionRefused):
        order_flag_exception(order=order, reason="bogus")
    assert fresh(order).exception_reason == ""


def test_completing_the_address_of_an_order_held_for_it_reserves_and_releases_it(place_order, ops_user):
    order = place_order([("A001", 1)], street=" ")
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.BAD_ADDRESS)

    order_change_address(order=order, address={"street": "文三路 100 号"}, actor=ops_user)

    order = fresh(order)
    assert order.status == OrderStatus.PENDING_REVIEW and order.hold_reason == ""
    assert reserved() == {"A001@HZ": 1}
    assert events(order)[-2:] == ["change_address", "release_hold"]


def test_a_manual_hold_stays_after_an_address_change(order_in_state):
    order = order_in_state(OrderStatus.ON_HOLD)

    order_change_address(order=order, address={"street": "文三路 100 号"})

    assert fresh(order).hold_reason == HoldReason.MANUAL
