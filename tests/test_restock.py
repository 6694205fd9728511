"""Holds that clear themselves: when stock arrives (receipt, count correction, a cancel's release),
orders held out of stock for it are re-run oldest first by paid time, in bounded runs, until the
new stock is used up; and bulk releases report one line per short SKU."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockLevel
from inventory.services import stock_adjust, stock_receive
from orders.events import EventAction
from orders.models import Order, OrderEvent, RestockCursor
from orders.services import order_cancel, order_intake
from orders.services.restock import restock_cursor, restock_rerun
from orders.states import HoldReason, OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def take(make_draft):
    """``take(qty, paid_minutes_ago)``: an order for HOT-1 paid that long ago."""

    def make(qty: int, minutes_ago: int, code: str = "HOT-1"):
        draft = make_draft([(code, qty)])
        draft = replace(draft, paid_at=timezone.now() - timedelta(minutes=minutes_ago))
        return order_intake(draft=draft).order

    return make


@pytest.fixture
def held(hot_sku, take):
    """HOT-1 sold out by one big order; then three orders of 2 held out of stock, taken in in an
    order different from their paid time (oldest paid: ``second``)."""
    big = take(100, 300)
    assert big.status == OrderStatus.PENDING_REVIEW
    restock_cursor()  # write-back style: the re-run starts after the history so far
    first, second, third = take(2, 30), take(2, 90), take(2, 60)
    assert {o.hold_reason for o in (first, second, third)} == {HoldReason.OUT_OF_STOCK}
    assert "HOT-1 缺 2 件" in first.hold_note
    return {"big": big, "first": first, "second": second, "third": third}


def fresh(order) -> Order:
    return Order.objects.get(pk=order.pk)


def test_a_receipt_re_runs_the_held_orders_oldest_paid_first_until_it_is_used_up(held, hot_sku, warehouse_hz):
    stock_receive(sku=hot_sku, warehouse=warehouse_hz, quantity=4, reference="PO-1")

    report = restock_rerun()

    assert report.released == [held["second"].number, held["third"].number]
    assert fresh(held["first"]).status == OrderStatus.ON_HOLD
    assert report.skipped == 1 and report.still_held == []  # used up: the last one not even tried
    assert not OrderEvent.objects.filter(order=held["first"]).exclude(action=EventAction.CREATED).exists()
    level = StockLevel.objects.get(sku=hot_sku, warehouse=warehouse_hz)
    assert level.reserved == level.on_hand == 104
    release = OrderEvent.objects.get(order=held["second"], action=EventAction.RELEASE_HOLD)
    assert release.actor is None and "到货" in release.note


def test_nothing_arrived_nothing_is_tried(held):
    report = restock_rerun()
    assert (report.skus, report.released, report.skipped) == ([], [], 0)
    assert all(fresh(o).status == OrderStatus.ON_HOLD for k, o in held.items() if k != "big")


def test_a_count_correction_upwards_re_runs_them_too(held, hot_sku, warehouse_hz):
    level = StockLevel.objects.get(sku=hot_sku, warehouse=warehouse_hz)
    stock_adjust(stock_level=level, delta=2, note="盘点多出 2 件")

    assert restock_rerun().released == [held["second"].number]


def test_a_cancel_gives_its_stock_to_the_oldest_waiting_order(held):
    order_cancel(order=held["big"], note="买家取消")

    report = restock_rerun()

    assert report.released == [held["second"].number, held["third"].number, held["first"].number]


def test_runs_are_bounded_and_continue_where_they_stopped(held, hot_sku, warehouse_hz, django_capture_on_commit_callbacks):
    stock_receive(sku=hot_sku, warehouse=warehouse_hz, quantity=10, reference="PO-2")

    with django_capture_on_commit_callbacks() as queued:
        first_run = restock_rerun(limit=1)
    assert first_run.released == [held["second"].number] and first_run.more
    assert len(queued) == 1  # the next run is queued at once
    cursor = RestockCursor.objects.get()
    assert cursor.resume_after and cursor.lease_token == ""

    second_run = restock_rerun(limit=1)
    assert second_run.released == [held["third"].number]
    third_run = restock_rerun(limit=1)
    assert third_run.released == [held["first"].number]
    assert restock_rerun(limit=1).more is False
    assert RestockCursor.objects.get().pending_skus == []


def test_only_one_worker_runs_at_a_time(held, hot_sku, warehouse_hz):
    stock_receive(sku=hot_sku, warehouse=warehouse_hz, quantity=2, reference="PO-3")
    RestockCursor.objects.update(lease_until=timezone.now() + timedelta(minutes=1), lease_token="other")

    assert restock_rerun().busy
    assert fresh(held["second"]).status == OrderStatus.ON_HOLD
    # An expired lease (a worker that died) is taken over.
    RestockCursor.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    assert restock_rerun().released == [held["second"].number]


def test_an_order_that_still_cannot_be_reserved_gets_its_note_brought_up_to_date(take, hot_sku, warehouse_gz, warehouse_hz):
    take(100, 300)
    restock_cursor()
    waiting = take(3, 10)
    assert "杭州仓可用 0" in waiting.hold_note
    # 2 arrive in Guangzhou and 1 in Hangzhou: 3 in all, but no warehouse can take the whole order.
    stock_receive(sku=hot_sku, warehouse=warehouse_gz, quantity=2, reference="PO-4")
    stock_receive(sku=hot_sku, warehouse=warehouse_hz, quantity=1, reference="PO-4")

    report = restock_rerun()

    assert report.still_held == [waiting.number]
    assert fresh(waiting).hold_note == "HOT-1 缺 1 件（广州仓可用 2）"


def test_history_from_before_the_re_run_existed_is_not_re_run(hot_sku, take, warehouse_hz):
    take(100, 300)
    waiting = take(1, 10)
    stock_receive(sku=hot_sku, warehouse=warehouse_hz, quantity=1, reference="PO-5")
    restock_cursor()  # switched on after that receipt

    assert restock_rerun().released == []
    assert fresh(waiting).status == OrderStatus.ON_HOLD


# ---- the 缺货 page ----

SHORTAGES = reverse("admin:orders_order_shortages")


def test_the_shortages_page_lists_each_short_sku(held, ops_client, hot_sku, warehouse_hz, warehouse_gz):
    response = ops_client.get(SHORTAGES)

    [row] = response.context["rows"]
    assert (row.code, row.orders, row.units, row.short) == ("HOT-1", 3, 6, 6)
    assert row.free == [("杭州仓", 0), ("广州仓", 0)] or row.free == [("广州仓", 0), ("杭州仓", 0)]
    assert row.oldest_number == held["second"].number
    page = response.content.decode()
    assert f"?short_sku={hot_sku.pk}" in page
    listed = ops_client.get(reverse("admin:orders_order_changelist"), {"short_sku": hot_sku.pk})
    assert {o.pk for o in listed.context["cl"].result_list} == {held[k].pk for k in ("first", "second", "third")}


def test_an_order_short_of_one_sku_lists_only_that_one(make_draft, hot_sku, stocked, ops_client):
    order_intake(draft=make_draft([("HOT-1", 100)]))
    waiting = order_intake(draft=make_draft([("HOT-1", 1), ("A001", 1)])).order
    assert waiting.hold_reason == HoldReason.OUT_OF_STOCK

    rows = ops_client.get(SHORTAGES).context["rows"]

    assert [row.code for row in rows] == ["HOT-1"]


def test_the_page_button_queues_a_re_run_of_the_waiting_orders(held, ops_client, hot_sku, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = ops_client.post(SHORTAGES)
    assert response.status_code == 302 and len(queued) == 1
    assert RestockCursor.objects.get().pending_skus == [hot_sku.pk]


def test_the_page_needs_the_order_view_right_and_the_button_the_hold_right(held, picker_client, make_member):
    from django.test import Client

    assert picker_client.get(SHORTAGES).status_code in (302, 403)
    viewer = make_member("ops", "viewer_only")
    viewer.groups.clear()
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client = Client()
    client.force_login(viewer)
    assert client.get(SHORTAGES).status_code == 200
    assert client.post(SHORTAGES).status_code == 403


def test_the_page_costs_the_same_queries_however_many_orders_wait(take, hot_sku, ops_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    take(100, 300)
    take(1, 10)
    with CaptureQueriesContext(connection) as few:
        ops_client.get(SHORTAGES)
    for minutes in range(20):
        take(1, minutes)
    with CaptureQueriesContext(connection) as many:
        ops_client.get(SHORTAGES)
    assert len(many) == len(few)


# ---- bulk release: one line per SKU ----


def test_a_bulk_release_reports_one_line_per_short_sku(held, ops_client):
    ids = [held[k].pk for k in ("first", "second", "third")]
    response = ops_client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "release_orders", "_selected_action": ids},
        follow=True,
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)] or [str(m) for m in response.context["messages"]]
    short = [t for t in texts if "HOT-1" in t]
    assert len(short) == 1
    assert "3 单仍挂起" in short[0] and "共缺 6 件" in short[0] and held["first"].number in short[0]
