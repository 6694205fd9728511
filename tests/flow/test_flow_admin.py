"""The flow in admin: the exceptions page (sorted by age), red rows, the order page's trace,
split, merge, re-route and review actions, the rule admins — and the refusals."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from orders.flow_models import FlowSettings, OrderFlag, ReviewKind, ReviewListEntry, ReviewOutcome, ReviewRule
from orders.models import Order
from orders.services import order_approve, order_flag_exception, order_intake
from orders.states import ExceptionReason, OrderStatus

FLAGS = reverse("admin:orders_orderflag_changelist")
ORDERS = reverse("admin:orders_order_changelist")
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_exceptions_page_oldest_first_and_resolving(stocked, make_draft, ops_client, ops_member):
    orders = [order_intake(draft=make_draft()).order for _ in range(3)]
    for hours, order in zip((1, 5, 3), orders, strict=True):
        with time_machine.travel(T0 - timedelta(hours=hours), tick=False):
            order_flag_exception(order=order, reason=ExceptionReason.OTHER, note=f"买家电话 13812345678 第{hours}单")
    page = ops_client.get(FLAGS).content.decode()
    positions = [page.index(order.number) for order in orders]
    assert positions[1] < positions[2] < positions[0]  # 5 h, 3 h, 1 h waiting
    assert "13812345678" not in page and "138****5678" in page  # ops see notes masked
    response = ops_client.post(FLAGS, {"action": "resolve_orders", "_selected_action": [
        OrderFlag.objects.get(order=orders[1]).pk], "apply": "1", "note": "已电话联系"}, follow=True)
    assert any("已处理异常" in m for m in _messages(response))
    flag = OrderFlag.objects.get(order=orders[1])
    assert (flag.resolved_by, flag.resolution) == (ops_member, "已电话联系")
    assert orders[1].number not in ops_client.get(FLAGS).content.decode()
    assert orders[1].number in ops_client.get(FLAGS + "?open=no").content.decode()


def test_resolving_needs_a_note(stocked, make_draft, ops_client):
    order = order_flag_exception(order=order_intake(draft=make_draft()).order, reason=ExceptionReason.OTHER, note="x")
    flag = OrderFlag.objects.get(order=order)
    response = ops_client.post(FLAGS, {"action": "resolve_orders", "_selected_action": [flag.pk], "apply": "1", "note": " "})
    assert "请填写处理说明" in response.content.decode()
    assert OrderFlag.objects.get(pk=flag.pk).resolved_at is None


def test_flagged_orders_are_red_in_the_list(stocked, make_draft, ops_client):
    flagged = order_flag_exception(order=order_intake(draft=make_draft()).order, reason=ExceptionReason.PICK_LATE)
    page = ops_client.get(ORDERS).content.decode()
    row = page[page.index(f">{flagged.number}<") - 400:page.index(f">{flagged.number}<") + 1500]
    assert "oms-exception" in row


def test_order_page_shows_the_review_trace_and_the_routing(stocked, make_draft, ops_client, auto_approve, warehouse_hz):
    ReviewRule.objects.create(name="大额人工看", kind=ReviewKind.AMOUNT_ABOVE, amount=1000, outcome=ReviewOutcome.FLAG)
    order = order_intake(draft=make_draft()).order
    page = ops_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert 'id="oms-review-trace"' in page and "大额人工看" in page and "未命中" in page
    assert 'id="oms-route-trace"' in page and "杭州仓" in page and "优先级最高" in page


def test_split_page_and_its_refusals(stocked, make_draft, ops_client, taobao_channel, shop_policy):
    order = order_approve(order=order_intake(draft=make_draft([("A001", 1), ("A002", 1)])).order)
    url = reverse("admin:orders_order_split", args=[order.pk])
    page = ops_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert url in page
    line = order.lines.get(sku_code="A002")
    refused = ops_client.post(url, {"lines": [line.pk]}, follow=True)
    assert any("不允许拆单" in m for m in _messages(refused))
    assert Order.objects.count() == 1
    shop_policy(taobao_channel, allow_split=True)
    assert "请选择要拆出的商品行" in ops_client.post(url, {}).content.decode()
    done = ops_client.post(url, {"lines": [line.pk], "note": "先发"}, follow=True)
    assert any("已拆单" in m for m in _messages(done))
    assert Order.objects.count() == 2


def test_split_page_needs_the_permission(stocked, make_draft, picker_client, client, django_user_model):
    order = order_intake(draft=make_draft([("A001", 1), ("A002", 1)])).order
    user = django_user_model.objects.create_user(username="viewer", is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(user)
    assert client.get(reverse("admin:orders_order_split", args=[order.pk])).status_code == 403


def test_merge_action_from_the_list(stocked, make_draft, ops_client):
    first = order_approve(order=order_intake(draft=make_draft([("A001", 1)])).order)
    second = order_approve(order=order_intake(draft=make_draft([("A002", 1)])).order)
    other = order_approve(order=order_intake(draft=make_draft(phone="13900001111")).order)
    refused = ops_client.post(ORDERS, {"action": "merge_orders", "index": 0,
                                       "_selected_action": [first.pk, other.pk]}, follow=True)
    assert any("收件人不同" in m for m in _messages(refused))
    done = ops_client.post(ORDERS, {"action": "merge_orders", "index": 0,
                                    "_selected_action": [first.pk, second.pk]}, follow=True)
    assert any(first.number in m for m in _messages(done))
    assert Order.objects.get(pk=second.pk).status == OrderStatus.MERGED


def test_review_again_button(stocked, make_draft, ops_client, flow_settings):
    order = order_intake(draft=make_draft()).order
    ReviewRule.objects.create(name="全部通过", kind=ReviewKind.AMOUNT_ABOVE, amount=0, outcome=ReviewOutcome.APPROVE)
    url = reverse("admin:orders_order_review", args=[order.pk])
    assert url in ops_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    ops_client.post(url, {"seen_status": OrderStatus.PENDING_REVIEW})
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY


def test_rule_admins(ops_client, supervisor_client, warehouse_hz):
    response = ops_client.post(reverse("admin:orders_reviewlistentry_add"), {
        "list_kind": "blocked", "phone": " １３８００００１１１１ ", "address": "", "note": "恶意退款"})
    assert response.status_code == 302
    assert ReviewListEntry.objects.get().phone == "13800001111"
    empty = ops_client.post(reverse("admin:orders_reviewlistentry_add"), {"list_kind": "blocked", "phone": "", "address": ""})
    assert "请填写手机或地址" in empty.content.decode()
    no_amount = ops_client.post(reverse("admin:orders_reviewrule_add"), {
        "name": "大额", "sequence": 10, "enabled": "on", "kind": "amount_above", "outcome": "hold", "hold_reason": "review"})
    assert "金额规则需要填写金额" in no_amount.content.decode()
    # Routing rules are the supervisors': ops may look, not change.
    assert ops_client.get(reverse("admin:orders_provinceroute_add")).status_code == 403
    added = supervisor_client.post(reverse("admin:orders_provinceroute_add"), {
        "warehouse": warehouse_hz.pk, "provinces": "浙江省，江苏", "priority": 1, "enabled": "on"})
    assert added.status_code == 302
    from orders.flow_models import ProvinceRoute

    assert ProvinceRoute.objects.get().provinces == ["浙江", "江苏"]
    assert supervisor_client.get(reverse("admin:orders_flowsettings_changelist")).url.endswith("/1/change/")
    assert FlowSettings.objects.count() == 1


@pytest.mark.parametrize("url_name", ["orders_reviewrule_changelist", "orders_orderflag_changelist"])
def test_pickers_are_kept_out(picker_client, url_name):
    assert picker_client.get(reverse(f"admin:{url_name}")).status_code in (302, 403)
