"""A runaway query stops with its web request (``core.middleware.StatementTimeoutMiddleware``): on
PostgreSQL the statement is cancelled after ``WEB_STATEMENT_TIMEOUT_MS`` and the request answers
503 in the user's language; the worker's and commands' connections have no limit."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import translation

from core import middleware
from orders.models import Order

SLOW = "SELECT pg_sleep(5)"


def sleeping_search(queryset, text):
    """Stands in for the order search: a query that would take 5 s."""
    if not text:
        return queryset
    with connection.cursor() as cursor:
        cursor.execute(SLOW)
    return queryset


def sleeping_list(**filters):
    with connection.cursor() as cursor:
        cursor.execute(SLOW)
    return Order.objects.none()


@pytest.fixture(autouse=True)
def no_limit_after_the_test():
    """The test process is both the web process and the one that flushes the database after a
    transactional test: lift the web limit before the flush (and leave the language as found)."""
    yield
    translation.deactivate()  # the English requests below leave English active in this thread
    # Inside a test's transaction the limit was SET LOCAL and goes with the rollback.
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
        middleware._applied.clear()


@pytest.fixture
def api_client(ops_member):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=ops_member)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_admin_query_is_cancelled_with_a_page_in_chinese(ops_client, settings, monkeypatch):
    settings.WEB_STATEMENT_TIMEOUT_MS = 200
    monkeypatch.setattr("orders.admin.order.search_orders", sleeping_search)

    response = ops_client.get("/admin/orders/order/", {"q": "SO1"})

    assert response.status_code == 503
    text = response.content.decode()
    assert "查询超过 0.2 秒被中止" in text and "缩小范围" in text
    # The connection still works for the next request.
    assert ops_client.get("/admin/orders/order/").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_page_is_in_english_for_an_english_user(ops_client, settings, monkeypatch):
    settings.WEB_STATEMENT_TIMEOUT_MS = 200
    monkeypatch.setattr("orders.admin.order.search_orders", sleeping_search)
    ops_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = ops_client.get("/admin/orders/order/", {"q": "SO1"})

    assert response.status_code == 503
    assert "stopped after 0.2 s" in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db  # inside the test's transaction: the limit is set for it alone (SET LOCAL)
def test_the_api_answers_its_json_error(api_client, settings, monkeypatch):
    settings.WEB_STATEMENT_TIMEOUT_MS = 200
    monkeypatch.setattr("orders.api.order_list", sleeping_list)

    response = api_client.get("/api/v1/orders", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "query_timeout"
    assert "stopped after 0.2 s" in body["message"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_limit_when_the_setting_is_zero(ops_client, settings, monkeypatch):
    settings.WEB_STATEMENT_TIMEOUT_MS = 0
    monkeypatch.setattr("orders.admin.order.search_orders", lambda queryset, text: queryset)

    assert ops_client.get("/admin/orders/order/", {"q": "SO1"}).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


def show_timeout_on_a_new_connection() -> str:
    """``SHOW statement_timeout`` as the worker or a command sees it: its own connection."""
    seen = []

    def work():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SHOW statement_timeout")
                seen.append(cursor.fetchone()[0])
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return seen[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_limit_stays_with_web_requests(ops_member, settings):
    """Set for the web request's session (once per session, not per request); a connection that
    no request has used (the worker's, a command's) has no limit."""
    settings.WEB_STATEMENT_TIMEOUT_MS = 1500
    client = Client()
    client.force_login(ops_member)

    assert client.get("/admin/orders/order/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "1500ms"
    assert show_timeout_on_a_new_connection() == "0"


@pytest.mark.django_db(transaction=True)
def test_nothing_is_set_on_sqlite(ops_client, settings):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite side")
    settings.WEB_STATEMENT_TIMEOUT_MS = 1
    assert ops_client.get("/admin/orders/order/").status_code == 200
