"""Orders admin: exceptions in red with a filter, cleared by ops with a note; address changes
before packing from the order page."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from orders.models import Order, OrderEvent
from orders.services import order_flag_exception
from orders.states import ExceptionReason, OrderStatus

ORDERS = reverse("admin:orders_order_changelist")


def page(order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def action_url(order, name) -> str:
    return reverse(f"admin:orders_order_{name}", args=[order.pk])


def msgs(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def fresh(order) -> Order:
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def flagged(order_in_state):
    order = order_in_state(OrderStatus.SHIPPED)
    return order_flag_exception(order=order, reason=ExceptionReason.LATE_REFUND, note="平台通知：退款中")


def test_the_list_shows_exceptions_in_red_and_filters_them(ops_client, flagged, order_in_state):
    other = order_in_state(OrderStatus.PENDING_REVIEW)

    listing = ops_client.get(ORDERS)
    only = ops_client.get(ORDERS, {"exception": "yes"})
    by_reason = ops_client.get(ORDERS, {"exception": ExceptionReason.LATE_ADDRESS_CHANGE})
    none = ops_client.get(ORDERS, {"exception": "no"})

    assert "oms-exception" in listing.content.decode() and "已打包/已发货后平台退款/取消" in listing.content.decode()
    assert [o.pk for o in only.context["cl"].result_list] == [flagged.pk]
    assert list(by_reason.context["cl"].result_list) == []
    assert [o.pk for o in none.context["cl"].result_list] == [other.pk]


def test_ops_clear_an_exception_with_a_note(ops_client, ops_member, flagged):
    text = ops_client.get(page(flagged)).content.decode()
    assert "平台通知：退款中" in text and action_url(flagged, "clear_exception") in text

    blank = ops_client.post(action_url(flagged, "clear_exception"), {"note": "  ", "apply": "1"})
    assert blank.status_code == 200 and "请填写处理说明" in blank.content.decode()
    assert fresh(flagged).exception_reason == ExceptionReason.LATE_REFUND

    done = ops_client.post(action_url(flagged, "clear_exception"), {"note": "已拦截快递，退回后退款"}, follow=True)

    assert fresh(flagged).exception_reason == "" and any("已处理异常" in m for m in msgs(done))
    event = OrderEvent.objects.filter(order=flagged).last()
    assert (event.action, event.actor, event.note) == ("clear_exception", ops_member, "已拦截快递，退回后退款")
    assert action_url(flagged, "clear_exception") not in ops_client.get(page(flagged)).content.decode()


def test_bulk_clear_from_the_list(ops_client, flagged):
    data = {"action": "clear_exceptions", "_selected_action": [flagged.pk], "apply": "1", "note": "批量处理"}
    ops_client.post(ORDERS, data, follow=True)
    assert fresh(flagged).exception_reason == ""


def test_staff_without_the_right_cannot_clear(flagged, django_user_model):
    viewer = django_user_model.objects.create_user(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client = Client()
    client.force_login(viewer)

    assert action_url(flagged, "clear_exception") not in client.get(page(flagged)).content.decode()
    assert client.post(action_url(flagged, "clear_exception"), {"note": "x"}).status_code == 403
    assert client.post(action_url(flagged, "change_address"), {"street": "x"}).status_code == 403
    assert fresh(flagged).exception_reason == ExceptionReason.LATE_REFUND


def test_ops_change_the_address_before_packing(ops_client, ops_member, order_in_state):
    order = order_in_state(OrderStatus.READY)
    assert action_url(order, "change_address") in ops_client.get(page(order)).content.decode()

    response = ops_client.post(action_url(order, "change_address"),
                               {"city": "宁波市", "district": "鄞州区", "street": "天童南路 1 号", "note": "买家来电"},
                               follow=True)

    order = fresh(order)
    assert (order.province, order.city, order.district, order.street) == ("浙江省", "宁波市", "鄞州区", "天童南路 1 号")
    assert order.phone == "13812341234" and any("已修改地址" in m for m in msgs(response))
    event = OrderEvent.objects.filter(order=order).last()
    assert (event.action, event.actor, event.note) == ("change_address", ops_member, "买家来电")


def test_an_empty_address_form_changes_nothing(ops_client, order_in_state):
    order = order_in_state(OrderStatus.READY)

    response = ops_client.post(action_url(order, "change_address"), {"note": "x"})

    assert response.status_code == 200 and "请至少填写一项" in response.content.decode()
    assert fresh(order).street == "文三路 90 号"


def test_address_change_after_packing_is_refused(ops_client, order_in_state):
    order = order_in_state(OrderStatus.PACKED)
    assert action_url(order, "change_address") not in ops_client.get(page(order)).content.decode()

    response = ops_client.post(action_url(order, "change_address"), {"street": "新地址 1 号"}, follow=True)

    assert any("不能修改地址" in m for m in msgs(response))
    assert fresh(order).street == "文三路 90 号"
