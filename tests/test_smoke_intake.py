from orders.services import order_intake
from orders.states import OrderStatus


def test_paid_order_is_reserved_in_the_warehouse_serving_its_province(stocked, make_draft, warehouse_gz):
    result = order_intake(draft=make_draft([("A001", 2), ("A002", 1)], province="广东省", city="深圳市"))
    assert result.created
    assert result.order.status == OrderStatus.PENDING_REVIEW
    assert result.order.warehouse == warehouse_gz
    assert [line.reserved_quantity for line in result.order.lines.all()] == [2, 1]
