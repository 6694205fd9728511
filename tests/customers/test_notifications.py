"""Buyer notifications: the outbox reads shipped, delivered, held-for-input and return events once,
fills each active template, skips privacy numbers, and retries a failing sender with backoff."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from orders.models import Customer, Notification, NotificationTemplate, OrderEvent
from orders.notification_models import NotificationStatus, NotifyChannel, NotifyEvent
from orders.services import order_hold
from orders.services.notifications import (
    MAX_ATTEMPTS,
    notification_cursor,
    notification_retry,
    notifications_collect,
    notifications_send_due,
    render,
    template_problems,
)
from orders.services.returns import return_approve, return_refuse
from orders.states import HoldReason, OrderStatus
from orders.tasks import notify_buyers

LATER = timedelta(minutes=5)


class Flaky:
    """A sender that fails the first ``failures`` sends, then records what it sends."""

    failures = 0
    sent: list = []

    def send(self, *, recipient, subject, body):
        if Flaky.failures:
            Flaky.failures -= 1
            raise ConnectionError("短信网关超时")
        Flaky.sent.append((recipient, body))


@pytest.fixture
def flaky_sms(settings):
    Flaky.failures, Flaky.sent = 0, []
    settings.NOTIFY_SENDERS = {"sms": "tests.customers.test_notifications.Flaky",
                               "email": "orders.senders.DjangoEmailSender"}
    return Flaky


def _collect():
    return notifications_collect(now=timezone.now() + LATER)


def test_a_shipped_order_gets_one_sms_with_its_waybill(order_in_state, flaky_sms, db):
    notification_cursor()
    order = order_in_state(OrderStatus.SHIPPED)
    assert _collect() == 1
    assert _collect() == 0  # read again: nothing twice
    row = Notification.objects.get()
    assert row.event == NotifyEvent.SHIPPED and row.channel == NotifyChannel.SMS and row.recipient == "13812341234"
    assert order.number in row.body and order.tracking_number in row.body and "/track/" in row.body
    assert notifications_send_due().sent == 1
    assert flaky_sms.sent == [("13812341234", row.body)]
    assert Notification.objects.get().status == NotificationStatus.SENT


def test_history_before_the_outbox_started_is_never_sent(order_in_state, flaky_sms):
    order_in_state(OrderStatus.SHIPPED)
    notification_cursor()  # starts at the newest event
    assert _collect() == 0


def test_a_failing_sender_is_retried_with_backoff_until_it_succeeds(order_in_state, flaky_sms):
    notification_cursor()
    order_in_state(OrderStatus.SHIPPED)
    _collect()
    flaky_sms.failures = 2

    first = notifications_send_due()
    row = Notification.objects.get()
    assert first.failed == 1 and row.status == NotificationStatus.FAILED and row.attempts == 1
    assert "短信网关超时" in row.last_error and row.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert notifications_send_due().skipped + notifications_send_due().sent == 0  # not due yet

    Notification.objects.update(next_attempt_at=timezone.now())
    assert notifications_send_due().failed == 1
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at > timezone.now() + timedelta(seconds=110)  # 2 minutes

    Notification.objects.update(next_attempt_at=timezone.now())
    assert notifications_send_due().sent == 1
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT and row.attempts == 3 and row.last_error == ""
    assert len(flaky_sms.sent) == 1


def test_given_up_after_max_attempts_and_retried_by_hand(order_in_state, flaky_sms):
    notification_cursor()
    order_in_state(OrderStatus.SHIPPED)
    _collect()
    flaky_sms.failures = MAX_ATTEMPTS
    for _ in range(MAX_ATTEMPTS):
        Notification.objects.update(next_attempt_at=timezone.now())
        notifications_send_due()
    row = Notification.objects.get()
    assert row.status == NotificationStatus.GIVEN_UP and row.next_attempt_at is None
    assert notification_retry(notification_ids=[row.pk]) == 1
    assert notifications_send_due().sent == 1


def test_privacy_numbers_get_no_sms_and_an_email_goes_where_one_is_known(place_order, flaky_sms):
    notification_cursor()
    hidden = place_order(phone="139****1234")
    order_hold(order=hidden, reason=HoldReason.ADDRESS_CHANGE, note="买家改地址")
    known = place_order(phone="13900001111")
    Customer.objects.filter(phone="13900001111").update(email="buyer@example.com")
    order_hold(order=known, reason=HoldReason.ADDRESS_CHANGE, note="买家改地址")
    assert _collect() == 2
    assert set(Notification.objects.values_list("order_id", "channel")) == {
        (known.pk, NotifyChannel.SMS), (known.pk, NotifyChannel.EMAIL)
    }
    counts = notifications_send_due()
    assert counts.sent == 2
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["buyer@example.com"]
    assert known.number in mail.outbox[0].subject and "改地址" in mail.outbox[0].body


def test_only_holds_that_wait_on_the_buyer_are_told(order_in_state, place_order, flaky_sms):
    notification_cursor()
    order_in_state(OrderStatus.ON_HOLD)  # a manual hold: internal
    place_order(street="")  # an incomplete address: held at intake, the buyer must complete it
    assert _collect() == 1
    assert Notification.objects.get().event == NotifyEvent.HELD


def test_delivered_and_return_decisions(make_return, delivered_order, ops_user, flaky_sms):
    notification_cursor()
    first = make_return()
    return_refuse(request=first, actor=ops_user, note="已超过七天无理由期限")
    second = make_return()
    return_approve(request=second, actor=ops_user, note="请寄回")
    _collect()
    rows = {row.event: row for row in Notification.objects.all()}
    assert set(rows) == {NotifyEvent.RETURN_REFUSED, NotifyEvent.RETURN_APPROVED}
    assert first.number in rows[NotifyEvent.RETURN_REFUSED].body
    assert "已超过七天无理由期限" in rows[NotifyEvent.RETURN_REFUSED].body


def test_an_inactive_template_sends_nothing_and_edits_apply(order_in_state, flaky_sms):
    notification_cursor()
    NotificationTemplate.objects.filter(event=NotifyEvent.SHIPPED, channel=NotifyChannel.SMS).update(
        body="{name}，{order_number} 出发啦 {unknown}"
    )
    NotificationTemplate.objects.filter(event=NotifyEvent.DELIVERED).update(active=False)
    order = order_in_state(OrderStatus.DELIVERED)
    assert _collect() == 1
    assert Notification.objects.get().body == f"王小明，{order.number} 出发啦 {{unknown}}"


def test_the_cursor_waits_for_events_that_may_still_commit(order_in_state, flaky_sms):
    notification_cursor()
    order_in_state(OrderStatus.SHIPPED)
    notifications_collect()  # now: the ship event is younger than the settle window
    assert Notification.objects.count() == 1  # read already…
    cursor = notification_cursor()
    assert cursor.last_event_id < OrderEvent.objects.order_by("-id").first().id  # …but the cursor stays before it
    assert _collect() == 0


def test_placeholders():
    assert template_problems("{order_number} {nope} {track_url}") == ["nope"]
    assert render("{a} {order_number}", {"order_number": "SO1"}) == "{a} SO1"


def test_the_task_collects_and_sends(order_in_state, flaky_sms):
    notification_cursor()
    order_in_state(OrderStatus.SHIPPED)
    assert notify_buyers().startswith("created=")
