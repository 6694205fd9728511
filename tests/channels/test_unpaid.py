"""Unpaid timeout (a payment racing in wins). The inbox's safety net, which was a re-queue sweep
here, is the drain now: tests/channels/test_inbox_drain.py."""

from datetime import timedelta
from unittest import mock

from django.utils import timezone

from channels.models import Channel
from channels.services.unpaid import cancel_unpaid_orders
from orders.models import Order, OrderEvent
from orders.services import order_mark_paid
from orders.states import OrderStatus


def age(order, minutes):
    Order.objects.filter(pk=order.pk).update(placed_at=timezone.now() - timedelta(minutes=minutes))


def test_unpaid_orders_past_the_channel_timeout_are_cancelled(place_order, taobao_channel):
    Channel.objects.filter(pk=taobao_channel.pk).update(unpaid_timeout_minutes=30)
    old = place_order(paid=False)
    fresh = place_order(paid=False)
    paid = place_order(paid=True)
    age(old, 31)
    age(fresh, 29)
    age(paid, 300)

    result = cancel_unpaid_orders()

    assert result.cancelled == [old.number]
    old.refresh_from_db()
    assert old.status == OrderStatus.CANCELLED
    assert all(line.reserved_quantity == 0 for line in old.lines.all())
    event = OrderEvent.objects.filter(order=old, action="cancel").get()
    assert "30 分钟未付款" in event.note
    assert Order.objects.get(pk=fresh.pk).status == OrderStatus.PENDING_PAYMENT
    assert Order.objects.get(pk=paid.pk).status == OrderStatus.PENDING_REVIEW
    assert cancel_unpaid_orders().cancelled == []  # nothing twice


def test_timeout_counts_from_intake_when_the_platform_gave_no_order_time(place_order):
    order = place_order(paid=False)
    Order.objects.filter(pk=order.pk).update(placed_at=None, created_at=timezone.now() - timedelta(minutes=61))

    assert cancel_unpaid_orders().cancelled == [order.number]


def test_a_timeout_of_zero_turns_the_rule_off(place_order, taobao_channel):
    Channel.objects.filter(pk=taobao_channel.pk).update(unpaid_timeout_minutes=0)
    order = place_order(paid=False)
    age(order, 10_000)

    assert cancel_unpaid_orders().cancelled == []
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_a_payment_racing_in_wins_over_the_timeout(place_order):
    order = place_order(paid=False)
    age(order, 120)
    from channels.services import unpaid

    real_cancel = unpaid.order_cancel

    def pay_first(**kwargs):
        # The buyer's payment lands between the sweep's query and its cancel.
        order_mark_paid(order=kwargs["order"], note="平台通知已付款")
        return real_cancel(**kwargs)

    with mock.patch.object(unpaid, "order_cancel", side_effect=pay_first):
        result = cancel_unpaid_orders()

    assert result.cancelled == [] and result.left == [order.number]
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_REVIEW and order.paid_at is not None
    assert not OrderEvent.objects.filter(order=order, action="cancel").exists()
