"""The admin lists at millions of rows (issue 15): a filtered list counts at most ``cap + 1`` rows
and shows "10,000+", pages stop at the cap with a word on why, every sortable column is served by
an index in both directions, and the filters read their indexes."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.admin_paginator import EstimatedCountPaginator
from inventory.models import MovementReason, StockMovement
from orders.admin.order import OrderAdmin
from orders.models import Order
from orders.services import order_flag_exception, order_intake
from orders.states import ExceptionReason, OrderStatus

pytestmark = pytest.mark.django_db

ORDERS = reverse("admin:orders_order_changelist")
MOVEMENTS = reverse("admin:inventory_stockmovement_changelist")


@pytest.fixture
def place(stocked, make_draft):
    def make(**kwargs) -> Order:
        return order_intake(draft=make_draft([("A001", 1)], **kwargs)).order

    return make


@pytest.fixture
def small_cap(monkeypatch):
    """A cap of 5 rows and pages of 2: what 10,000 rows and pages of 50 do, with 8 orders."""
    monkeypatch.setattr(EstimatedCountPaginator, "cap", 5)
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 5)
    monkeypatch.setattr(OrderAdmin, "list_per_page", 2)


def page_links(html: str) -> list[int]:
    return sorted({int(n) for n in re.findall(r'href="\?(?:[^"]*&amp;)?p=(\d+)', html)})


def test_a_filtered_list_beyond_the_cap_says_cap_plus_and_pages_stop_there(ops_client, place, small_cap):
    for _ in range(8):
        place()

    with CaptureQueriesContext(connection) as queries:
        response = ops_client.get(ORDERS, {"status__exact": OrderStatus.PENDING_REVIEW})

    html = response.content.decode()
    assert "5+ 订单" in html
    assert "只能翻看前 5 条" in html
    assert page_links(html) == [2, 3]  # 5 rows in pages of 2; page 1 is the current one
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and "orders_order" in q["sql"]]
    assert any("LIMIT 6" in sql for sql in counts), counts
    # The last page offered is reachable; the one after it is not offered and not served.
    assert ops_client.get(ORDERS, {"status__exact": OrderStatus.PENDING_REVIEW, "p": 3}).status_code == 200
    beyond = ops_client.get(ORDERS, {"status__exact": OrderStatus.PENDING_REVIEW, "p": 4})
    assert beyond.status_code == 302 and "e=1" in beyond["Location"]


def test_a_list_within_the_cap_is_counted_exactly(ops_client, place, small_cap):
    for _ in range(3):
        place()

    html = ops_client.get(ORDERS, {"status__exact": OrderStatus.PENDING_REVIEW}).content.decode()

    assert "3 订单" in html and "只能翻看" not in html
    assert page_links(html) == [2]


def test_the_search_box_shows_the_capped_count_in_english(ops_client, place, small_cap):
    orders = [place() for _ in range(7)]
    ops_client.cookies["django_language"] = "en"

    html = ops_client.get(ORDERS, {"q": " ".join(order.number for order in orders)}).content.decode()

    assert "5+ results" in html
    assert "Only the first 5 rows can be paged through" in html


def test_the_id_follows_the_direction_of_the_sorted_column(ops_client, place):
    place()
    for param, expected in (
        ("7", '"placed_at" ASC, "orders_order"."id" ASC'),
        ("-7", '"placed_at" DESC, "orders_order"."id" DESC'),
        ("-5", '"paid_amount" DESC, "orders_order"."id" DESC'),
        ("6", '"warehouse_id" ASC, "orders_order"."id" ASC'),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert ops_client.get(ORDERS, {"o": param}).status_code == 200
        listed = [q["sql"] for q in queries.captured_queries if 'FROM "orders_order"' in q["sql"] and "ORDER BY" in q["sql"]]
        assert any(expected in sql.split("ORDER BY", 1)[1] for sql in listed), (param, listed)


def test_only_indexed_columns_can_be_sorted(ops_client, place):
    place()

    html = ops_client.get(ORDERS).content.decode()

    sortable = set(re.findall(r'<th scope="col" class="sortable column-(\w+)', html))
    assert sortable == {"number", "paid_amount", "shipping_column", "placed_column"}


def test_the_exception_filter_lists_orders_with_one(ops_client, order_in_state):
    flagged = order_in_state(OrderStatus.PACKED)
    order_flag_exception(order=flagged, reason=ExceptionReason.WEIGHT_MISMATCH, note="称重差 30%")
    order_in_state(OrderStatus.PACKED)

    listed = ops_client.get(ORDERS, {"exception": "yes"}).context["cl"].result_list

    assert [order.pk for order in listed] == [flagged.pk]


# ---- the indexes serve what ops click (PostgreSQL's plans) ----


def plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def page_query(client, url, params, table) -> str:
    """The SQL of the list's page (the sorted query on ``table``)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    for query in queries.captured_queries:
        sql = query["sql"]
        if sql.startswith("SELECT") and "ORDER BY" in sql and f'FROM "{table}"' in sql and "COUNT(" not in sql.upper():
            return sql
    raise AssertionError(f"no page query for {params}")


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({}, "orders_order_pkey"),
        ({"o": "7"}, "order_placed_idx"),
        ({"o": "-7"}, "order_placed_idx"),
        ({"o": "5"}, "order_paid_amount_idx"),
        ({"o": "-5"}, "order_paid_amount_idx"),
        ({"o": "6"}, "order_warehouse_idx"),
        ({"o": "-6"}, "order_warehouse_idx"),
        ({"hold": "out_of_stock"}, "order_held_idx"),
        # Few orders have one: the partial index, or the newest orders filtered, never a sort.
        ({"exception": "yes"}, ("order_exception_idx", "orders_order_pkey")),
        ({"exception": "short_pick"}, "order_exception_idx"),
    ],
)
def test_each_sort_and_filter_is_read_from_an_index_without_sorting(ops_client, place, params, index):
    place()
    sql = page_query(ops_client, ORDERS, params, "orders_order")

    explained = plan(sql, ())

    assert any(name in explained for name in ((index,) if isinstance(index, str) else index)), explained
    if "o" in params or not params or params.get("exception") == "yes":
        assert "Sort" not in explained, explained


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({}, "movement_at_idx"),
        ({"reason__exact": "reserve"}, "movement_reason_at_idx"),
        ({"o": "0"}, "movement_at_idx"),  # 时间, oldest first (no action checkbox: the ledger is read-only)
    ],
)
def test_the_ledger_pages_are_read_from_an_index(ops_client, place, params, index):
    place()
    assert StockMovement.objects.filter(reason=MovementReason.RESERVE).exists()
    sql = page_query(ops_client, MOVEMENTS, params, "inventory_stockmovement")

    explained = plan(sql, ())

    assert index in explained and "Sort" not in explained, explained


@pytest.mark.postgres
def test_a_whole_table_is_shown_as_an_estimate(ops_client, place, monkeypatch):
    for _ in range(3):
        place()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)

    assert EstimatedCountPaginator(Order.objects.all(), 50).count_label == "约 3"
    assert "约 3 订单" in ops_client.get(ORDERS).content.decode()
