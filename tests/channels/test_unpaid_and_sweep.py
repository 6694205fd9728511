"""Unpaid timeout (a payment racing in wins) and the inbox re-queue sweep."""

import json
from datetime import timedelta
from unittest import mock

from django.utils import timezone
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from channels.models import Channel, InboxMessage, InboxStatus
from channels.services import sweep
from channels.services.inbox import inbox_process, inbox_receive
from channels.services.sweep import MAX_REQUEUES, inbox_requeue_stale
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


# ---- the inbox sweep ----


def stored(channel, minutes_ago, status=InboxStatus.PENDING, body=None, source="webhook"):
    message = inbox_receive(channel=channel, body=body or json.dumps({"tid": "1"}), source=source)
    InboxMessage.objects.filter(pk=message.pk).update(received_at=timezone.now() - timedelta(minutes=minutes_ago),
                                                      status=status)
    return message


def test_sweep_enqueues_again_only_messages_left_pending(taobao_channel):
    stale = stored(taobao_channel, 10)
    fresh = stored(taobao_channel, 1)
    stored(taobao_channel, 10, status=InboxStatus.PROCESSED)
    stored(taobao_channel, 10, status=InboxStatus.FAILED)
    stored(taobao_channel, 10, source="import")  # its import job takes it in

    assert inbox_requeue_stale() == {"requeued": 1, "failed": 0}
    # Through the inbox's queue write: the ORM broker's task row, written with the sweep's count.
    [task] = [SignedPackage.loads(row.payload) for row in OrmQ.objects.all()]
    assert (task["func"], task["args"], task["save"]) == ("channels.tasks.process_inbox_message", (stale.pk,), False)
    stale.refresh_from_db()
    assert stale.requeues == 1 and stale.requeued_at is not None
    assert InboxMessage.objects.get(pk=fresh.pk).requeues == 0

    # Swept a moment ago: not again until it has had time to run.
    enqueued = []
    assert inbox_requeue_stale(enqueue=enqueued.append)["requeued"] == 0
    later = timezone.now() + sweep.STALE + timedelta(seconds=1)
    assert inbox_requeue_stale(now=later, enqueue=enqueued.append)["requeued"] == 2  # now the fresh one too
    assert sorted(enqueued) == sorted([stale.pk, fresh.pk])


def test_a_requeued_message_is_processed_once_into_one_order(stocked, taobao_channel, platform_simulator):
    external_id = platform_simulator.add_order("taobao", [("A001", 1, "9.90")])
    message = stored(taobao_channel, 10, body=json.dumps(platform_simulator.payload("taobao", external_id)))
    enqueued = []
    inbox_requeue_stale(enqueue=enqueued.append)

    for message_id in enqueued + enqueued:  # the lost task turns up after all: run twice
        inbox_process(message_id)

    message.refresh_from_db()
    assert message.status == InboxStatus.PROCESSED
    assert Order.objects.filter(channel=taobao_channel).count() == 1


def test_a_message_that_never_finishes_is_failed_after_max_requeues(taobao_channel):
    message = stored(taobao_channel, 60)
    InboxMessage.objects.filter(pk=message.pk).update(requeues=MAX_REQUEUES)

    assert inbox_requeue_stale(enqueue=lambda pk: None) == {"requeued": 0, "failed": 1}

    message.refresh_from_db()
    assert message.status == InboxStatus.FAILED and "重新排队" in message.error
