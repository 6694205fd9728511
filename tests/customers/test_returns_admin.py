"""After-sales and notifications in admin: buttons through the services, 新建售后单, masked recipients,
placeholder checks, retry only for supervisors."""

from django.urls import reverse

from orders.models import Notification, NotificationTemplate
from orders.notification_models import NotificationStatus, NotifyChannel, NotifyEvent
from orders.returns_models import RefundStatus, ReturnRequest, ReturnStatus


def _button(pk, name):
    return reverse("admin:orders_returnrequest_button", args=[pk, name])


def test_ops_approve_and_record_the_refund_from_the_request_page(ops_client, make_return):
    request = make_return(lines=[("A001", 1)])
    page = ops_client.get(reverse("admin:orders_returnrequest_change", args=[request.pk])).content.decode()
    assert _button(request.pk, "approve") in page and _button(request.pk, "refuse") in page
    assert _button(request.pk, "refund") not in page
    assert "19.90" in ops_client.get(_button(request.pk, "approve")).content.decode()  # the suggested refund

    assert ops_client.post(_button(request.pk, "approve"), {"refund_amount": "15.00", "note": "请寄回"}).status_code == 302
    request.refresh_from_db()
    assert request.status == ReturnStatus.APPROVED and str(request.refund_amount) == "15.00"
    assert ops_client.post(_button(request.pk, "refund"), {"reference": "TB-RF-9"}).status_code == 302
    request.refresh_from_db()
    assert request.refund_status == RefundStatus.REFUNDED and request.refund_reference == "TB-RF-9"


def test_a_refusal_needs_words_and_a_second_decision_is_refused(ops_client, make_return):
    request = make_return()
    response = ops_client.post(_button(request.pk, "refuse"), {"note": ""})
    assert response.status_code == 200 and ReturnRequest.objects.get(pk=request.pk).status == ReturnStatus.REQUESTED
    ops_client.post(_button(request.pk, "refuse"), {"note": "商品已使用"})
    response = ops_client.post(_button(request.pk, "approve"), {}, follow=True)
    assert "不能这样处理" in response.content.decode()
    assert ReturnRequest.objects.get(pk=request.pk).status == ReturnStatus.REFUSED


def test_ops_open_a_request_for_an_order(ops_client, delivered_order):
    add = reverse("admin:orders_returnrequest_add")
    assert "找不到订单" in ops_client.get(add, {"order": "SO-NOPE"}).content.decode()
    line = delivered_order.lines.get(sku_code="A002")
    response = ops_client.post(add, {"order": delivered_order.number, f"quantity_{line.pk}": "1",
                                     "kind": "refund_only", "reason": "missing_item"})
    created = ReturnRequest.objects.get()
    assert response.status_code == 302 and created.source == "ops" and created.created_by.username == "ops_wang"
    bad = ops_client.post(add, {"order": delivered_order.number, f"quantity_{line.pk}": "9",
                                "kind": "return", "reason": "damaged"})
    assert "最多可申请 0 件" in bad.content.decode() and ReturnRequest.objects.count() == 1


def test_pickers_and_strangers_see_no_returns_admin(picker_client, make_return):
    request = make_return()
    assert picker_client.get(reverse("admin:orders_returnrequest_change", args=[request.pk])).status_code == 302


def test_notification_recipients_are_masked_for_ops(ops_client, supervisor_client, order_in_state):
    from orders.services.notifications import notification_cursor, notifications_collect

    notification_cursor()
    order_in_state("shipped")
    from datetime import timedelta

    from django.utils import timezone

    notifications_collect(now=timezone.now() + timedelta(minutes=5))
    row = Notification.objects.get()
    url = reverse("admin:orders_notification_changelist")
    assert "138****1234" in ops_client.get(url).content.decode()
    assert "13812341234" not in ops_client.get(url).content.decode()
    assert "13812341234" in supervisor_client.get(url).content.decode()

    Notification.objects.filter(pk=row.pk).update(status=NotificationStatus.GIVEN_UP)
    action = {"action": "retry", "_selected_action": [row.pk]}
    ops_client.post(url, action)
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.GIVEN_UP  # ops may not
    supervisor_client.post(url, action)
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.PENDING


def test_a_template_with_an_unknown_placeholder_is_refused(supervisor_client):
    template = NotificationTemplate.objects.get(event=NotifyEvent.SHIPPED, channel=NotifyChannel.SMS)
    url = reverse("admin:orders_notificationtemplate_change", args=[template.pk])
    response = supervisor_client.post(url, {"event": "shipped", "channel": "sms", "active": "on",
                                            "body": "{order_number} {tracking_no}"})
    assert response.status_code == 200 and "{tracking_no}" in response.content.decode()
    ok = supervisor_client.post(url, {"event": "shipped", "channel": "sms", "active": "on",
                                      "body": "已发货 {tracking_number}"})
    assert ok.status_code == 302
    assert NotificationTemplate.objects.get(pk=template.pk).body == "已发货 {tracking_number}"
