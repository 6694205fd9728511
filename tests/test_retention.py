"""Retention (issue 15): processed inbox messages are deleted after ``INBOX_RETENTION_DAYS``, in
batches, never a pending, failed or ignored one; the events of long-finished orders move to the
archive with every field and id, and the order page still shows them."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.connectors import get_connector
from channels.models import InboxMessage, InboxStatus
from channels.services.inbox import inbox_process, inbox_receive
from channels.services.retention import inbox_purge_processed
from oms.schedules import SCHEDULES
from orders.models import EventArchiveCursor, Order, OrderEvent, OrderEventArchive
from orders.services import order_flag_exception
from orders.services.archive import order_events_archive
from orders.states import ExceptionReason, OrderStatus

pytestmark = pytest.mark.django_db

FIELDS = ("id", "order_id", "action", "from_status", "to_status", "actor_id", "at", "note", "data")


def receive(channel, external_id: str, *, process: bool = True, body: str | None = None) -> InboxMessage:
    payload = get_connector("taobao").sample_payload(external_id=external_id, lines=[("A001", 1, "19.90")],
                                                     name="王小明", phone="13912345678")
    message = inbox_receive(channel=channel, body=body or json.dumps(payload, ensure_ascii=False), source="webhook")
    return inbox_process(message.pk) if process else message


@pytest.fixture
def inbox(stocked, taobao_channel):
    """Five processed messages, and one each pending, failed and ignored."""
    processed = [receive(taobao_channel, f"80{i}") for i in range(5)]
    pending = receive(taobao_channel, "900", process=False)
    failed = receive(taobao_channel, "901", body="{not json")
    ignored = receive(taobao_channel, "800")  # the same platform order again, nothing new
    assert {m.status for m in processed} == {InboxStatus.PROCESSED}
    assert (pending.status, failed.status, ignored.status) == (
        InboxStatus.PENDING, InboxStatus.FAILED, InboxStatus.IGNORED)
    return {"processed": processed, "kept": [pending, failed, ignored]}


def later(days: int):
    return timezone.now() + timedelta(days=days)


def test_processed_messages_past_the_retention_are_deleted_and_nothing_else(inbox, settings):
    settings.INBOX_RETENTION_DAYS = 90
    orders = Order.objects.count()

    assert inbox_purge_processed(now=later(89)) == 0
    assert inbox_purge_processed(now=later(91)) == 5

    assert set(InboxMessage.objects.values_list("pk", flat=True)) == {m.pk for m in inbox["kept"]}
    assert Order.objects.count() == orders  # the orders the messages made stay


def test_deleted_in_batches_until_done_or_out_of_time(inbox, settings):
    settings.INBOX_RETENTION_DAYS = 30

    assert inbox_purge_processed(now=later(31), batch_size=2, max_seconds=0) == 2
    assert inbox_purge_processed(now=later(31), batch_size=2) == 3
    assert not InboxMessage.objects.filter(status=InboxStatus.PROCESSED).exists()


def test_no_retention_when_the_setting_is_zero(inbox, settings):
    settings.INBOX_RETENTION_DAYS = 0

    assert inbox_purge_processed(now=later(3650)) == 0
    assert InboxMessage.objects.count() == 8


def test_both_run_by_a_schedule():
    funcs = {declared.func for declared in SCHEDULES}
    assert {"channels.tasks.purge_inbox", "orders.tasks.archive_events"} <= funcs


# ---- the event archive ----


def snapshot(order) -> list[tuple]:
    return list(OrderEvent.objects.filter(order=order).order_by("id").values_list(*FIELDS))


@pytest.fixture
def finished_and_active(order_in_state):
    completed = order_in_state(OrderStatus.COMPLETED)
    cancelled = order_in_state(OrderStatus.CANCELLED)
    active = order_in_state(OrderStatus.READY)
    return completed, cancelled, active


def test_events_of_long_finished_orders_move_to_the_archive_unchanged(finished_and_active, settings):
    settings.EVENT_ARCHIVE_DAYS = 180
    completed, cancelled, active = finished_and_active
    before = {order.pk: snapshot(order) for order in finished_and_active}
    assert all(before.values())

    early = order_events_archive(now=later(179))
    assert (early.orders, early.events, OrderEventArchive.objects.count()) == (0, 0, 0)

    run = order_events_archive(now=later(181))

    assert run.done and run.orders == 2
    assert run.events == len(before[completed.pk]) + len(before[cancelled.pk])
    for order in (completed, cancelled):
        archived = list(OrderEventArchive.objects.filter(order=order).order_by("id").values_list(*FIELDS))
        assert archived == before[order.pk]
        assert not OrderEvent.objects.filter(order=order).exists()
    assert snapshot(active) == before[active.pk]
    # Run again: nothing moves twice, nothing is lost.
    again = order_events_archive(now=later(182))
    assert (again.orders, again.events) == (0, 0)
    assert OrderEventArchive.objects.count() == run.events


def test_the_archive_walks_on_from_where_it_stopped(finished_and_active, settings):
    settings.EVENT_ARCHIVE_DAYS = 180

    first = order_events_archive(now=later(181), batch_size=1, max_seconds=0)
    assert not first.done
    rest = order_events_archive(now=later(181), batch_size=1)

    assert rest.done and first.orders + rest.orders == 2
    assert EventArchiveCursor.objects.get().order_id == max(order.pk for order in finished_and_active)


def test_an_order_changed_after_its_archive_is_visited_again(finished_and_active, settings):
    settings.EVENT_ARCHIVE_DAYS = 180
    completed = finished_and_active[0]
    order_events_archive(now=later(181))
    archived = OrderEventArchive.objects.filter(order=completed).count()
    order_flag_exception(order=completed, reason=ExceptionReason.LATE_REFUND, note="平台退款")
    assert OrderEvent.objects.filter(order=completed).count() == 1

    order_events_archive(now=later(200))

    assert OrderEventArchive.objects.filter(order=completed).count() == archived + 1
    assert not OrderEvent.objects.filter(order=completed).exists()


def test_the_order_page_shows_the_archived_log(finished_and_active, ops_client, settings):
    settings.EVENT_ARCHIVE_DAYS = 180
    completed = finished_and_active[0]
    active = finished_and_active[2]
    order_events_archive(now=later(181))
    page = reverse("admin:orders_order_change", args=[completed.pk])

    html = ops_client.get(page).content.decode()

    assert "订单日志（已归档）" in html
    assert html.count("已完成") >= 2  # the status badge and the archived completion
    assert "订单日志（已归档）" not in ops_client.get(reverse("admin:orders_order_change", args=[active.pk])).content.decode()


def test_the_tracking_page_reads_the_archived_log(finished_and_active, settings):
    from orders.tracking import public_order

    settings.EVENT_ARCHIVE_DAYS = 180
    completed = finished_and_active[0]
    steps_before = [(step.label, step.done, step.at) for step in public_order(completed).steps]
    order_events_archive(now=later(181))

    assert [(step.label, step.done, step.at) for step in public_order(completed).steps] == steps_before


def test_the_api_shows_the_archived_log_before_the_live_one(finished_and_active, settings):
    from tests.test_api import client_for, make_user

    settings.EVENT_ARCHIVE_DAYS = 180
    completed = finished_and_active[0]
    api = client_for(make_user("erp-reader", "orders.view_order"))
    path = f"/api/v1/orders/{completed.number}"
    before = api.get(path).json()["events"]
    assert len(before) >= 2

    order_events_archive(now=later(181))
    assert not OrderEvent.objects.filter(order=completed).exists()
    assert api.get(path).json()["events"] == before

    order_flag_exception(order=completed, reason=ExceptionReason.LATE_REFUND, note="平台退款")
    after = api.get(path).json()["events"]
    assert after[:-1] == before and after[-1]["action"] == "flag_exception"
