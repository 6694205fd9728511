"""Odd input to the API and the admin gets a 4xx in the API's JSON shape, never a 500: NUL
characters (PostgreSQL refuses them in text), deeply nested JSON, bodies over the limit, a bad
cursor or page size."""

import pytest
from django.test import Client
from django.urls import reverse

from orders.models import Order
from tests.security.test_masking import _api

ORDERS = "/api/v1/orders"
STOCK = "/api/v1/stock"


@pytest.fixture
def api(db):
    return _api(["orders.view_order", "orders.add_order", "inventory.view_stocklevel"])


def assert_json_error(response, status: int, code: str | None = None):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"code", "message"} and body["message"]
    if code:
        assert body["code"] == code, body


@pytest.mark.parametrize(
    "url",
    [
        f"{ORDERS}/a%00b",
        f"{ORDERS}?channel=a%00b",
        f"{ORDERS}?phone=%00",
        f"{ORDERS}/SO1?channel=%00",
        f"{STOCK}?sku=%00",
        f"{STOCK}?warehouse=a%00",
        f"{ORDERS}?a%00=1",
    ],
)
def test_a_nul_in_an_api_path_or_query_is_a_400_json(api, stocked, url):
    assert_json_error(api.get(url), 400, "invalid")


@pytest.mark.parametrize(
    "query",
    ["status__exact=%00", "q=%00", "q=SO%00", "channel__id__exact=%00", "hold=%00", "o=%00", "p=%00"],
)
def test_a_nul_in_an_admin_query_is_a_400(ops_client, stocked, query):
    response = ops_client.get(f"{reverse('admin:orders_order_changelist')}?{query}")
    assert response.status_code == 400


def test_a_nul_in_an_admin_path_is_a_400(ops_client, stocked):
    response = ops_client.get(reverse("admin:orders_order_changelist") + "a%00b/change/")
    assert response.status_code == 400


def test_a_nul_in_a_header_is_a_400(api, stocked, taobao_channel):
    response = api.post(ORDERS, {}, format="json", headers={"Idempotency-Key": "key\x00"})
    assert_json_error(response, 400)
    anonymous = Client().get(ORDERS, headers={"Authorization": "Token abc\x00def"})
    assert_json_error(anonymous, 400)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [1000, 100_000, 200])
def test_deeply_nested_json_is_a_parse_error(api, stocked, taobao_channel, depth):
    body = '{"channel": "tb-main", "external_id": "X1", "recipient": ' + nested(depth) + "}"
    response = api.post(ORDERS, body, content_type="application/json")
    assert_json_error(response, 400, "parse_error")
    assert not Order.objects.exists()


def test_a_body_over_the_limit_gets_the_apis_json_413(api, settings, stocked, taobao_channel):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = '{"channel": "tb-main", "buyer_note": "' + "x" * 20_000 + '"}'

    response = api.post(ORDERS, body, content_type="application/json")

    assert_json_error(response, 413, "payload_too_large")
    assert not Order.objects.exists()


@pytest.mark.parametrize("url", [ORDERS, STOCK])
@pytest.mark.parametrize("cursor", ["garbage", "cD0xMjM", "%00", "cD1hYmM%3D", "bz0xJnA9MQ=="])
def test_a_bad_cursor_is_a_400_as_the_schema_lists(api, stocked, url, cursor):
    response = api.get(f"{url}?cursor={cursor}")
    if response.status_code == 200:
        return  # a cursor that decodes to a real position is a real cursor
    assert_json_error(response, 400)
    assert "cursor" in response.json().get("errors", {}) or response.json()["code"] == "invalid"


@pytest.mark.parametrize("url", [ORDERS, STOCK])
@pytest.mark.parametrize("page_size", ["abc", "0", "-1", "1.5", "100000", ""])
def test_a_bad_page_size_is_a_400(api, stocked, url, page_size):
    response = api.get(url, {"page_size": page_size})
    assert_json_error(response, 400, "invalid")
    assert "page_size" in response.json()["errors"]


def test_a_good_page_size_still_pages(api, stocked):
    assert len(api.get(STOCK, {"page_size": "3"}).json()["results"]) == 3
    assert api.get(STOCK, {"page_size": "500"}).status_code == 200
