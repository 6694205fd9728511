"""The admin home page shows today's numbers (per shop, each a link to the list behind it), and
the order list fits a laptop: its columns and its 发货时间 filter."""

from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from channels.models import Channel, Platform
from orders.dashboard import day_start, today_numbers
from orders.events import EventAction
from orders.models import Order, OrderEvent
from orders.services import order_flag_exception
from orders.states import ExceptionReason, OrderStatus

LIST = reverse("admin:orders_order_changelist")


@pytest.fixture
def day(order_in_state, place_order, jd_channel, make_draft):
    """Orders of two shops in the counted states; one shipped yesterday, one placed yesterday."""
    orders = {
        "review": order_in_state(OrderStatus.PENDING_REVIEW),
        "hold": order_in_state(OrderStatus.ON_HOLD),
        "ready": order_in_state(OrderStatus.READY),
        "shipped": order_in_state(OrderStatus.SHIPPED),
        "old_ship": order_in_state(OrderStatus.SHIPPED),
        "jd_review": place_order(channel=jd_channel),
        "jd_packed": order_in_state(OrderStatus.PACKED),
    }
    order_flag_exception(order=orders["jd_packed"], reason=ExceptionReason.LATE_REFUND, note="平台通知：退款中")
    yesterday = day_start() - timedelta(hours=2)
    OrderEvent.objects.filter(order=orders["old_ship"], action=EventAction.SHIP).update(at=yesterday)
    Order.objects.filter(pk=orders["old_ship"].pk).update(placed_at=yesterday)
    return orders


def _cells(row):
    return {cell.key: cell.count for cell in row.cells}


def test_today_numbers_in_total_and_per_shop(day, taobao_channel, jd_channel):
    numbers = today_numbers()

    assert _cells(numbers.total) == {"new": 6, "review": 2, "hold": 1, "ready": 1, "shipped": 1, "exception": 1}
    shops = {row.label: _cells(row) for row in numbers.shops}
    assert shops[jd_channel.name] == {"new": 1, "review": 1, "hold": 0, "ready": 0, "shipped": 0, "exception": 0}
    assert shops[taobao_channel.name]["review"] == 1 and shops[taobao_channel.name]["exception"] == 1


def test_every_number_links_to_the_list_showing_exactly_those_orders(day, ops_client):
    numbers = today_numbers()
    for row in [numbers.total, *numbers.shops]:
        for cell in row.cells:
            response = ops_client.get(cell.url)
            assert response.status_code == 200, cell.url
            assert response.context["cl"].result_count == cell.count, (row.label, cell.key, cell.url)


def test_the_numbers_cost_three_queries_however_many_shops(day, db):
    for i in range(5):
        Channel.objects.create(code=f"shop{i}", name=f"店{i}", platform=Platform.OWN)
    with CaptureQueriesContext(connection) as queries:
        today_numbers()
    assert len(queries) == 3


def test_the_home_page_shows_them_to_ops_and_not_to_a_picker(day, ops_client, picker_member, client):
    page = ops_client.get(reverse("admin:index")).content.decode()
    assert 'id="oms-today"' in page and "今日发货" in page and f'href="{LIST}?status__exact=on_hold"' in page
    picker_member.is_staff = True
    picker_member.save()
    client.force_login(picker_member)
    assert 'id="oms-today"' not in client.get(reverse("admin:index")).content.decode()


def test_new_today_counts_by_the_local_day(day, settings):
    late = Order.objects.get(pk=day["review"].pk)
    # 23:30 yesterday in Shanghai is 15:30 UTC: not today, whatever the server's clock zone.
    Order.objects.filter(pk=late.pk).update(placed_at=day_start() - timedelta(minutes=30))
    assert _cells(today_numbers().total)["new"] == 5


def test_the_shipped_filter(day, ops_client):
    def listed(value):
        return {o.pk for o in ops_client.get(f"{LIST}?shipped={value}").context["cl"].result_list}

    assert listed("today") == {day["shipped"].pk}
    assert listed("yesterday") == {day["old_ship"].pk}
    assert listed("7d") == {day["shipped"].pk, day["old_ship"].pk}


def test_the_list_is_narrow_enough_for_a_laptop(day, ops_client):
    response = ops_client.get(LIST)
    assert response.context["is_nav_sidebar_enabled"] is False
    assert list(response.context["cl"].list_display)[1:] == [
        "number", "status_column", "channel_column", "recipient_masked", "paid_amount", "shipping_column",
        "placed_column",
    ]
    query = dict(parse_qsl(urlsplit(today_numbers().total.cells[0].url).query))
    assert timezone.localtime(timezone.now()).strftime("%Y-%m-%d") in query["placed_at__gte"]
