"""``POST /api/v1/orders`` answers a new order from the rows intake wrote: the same bytes as
``GET /api/v1/orders/<number>`` (plus ``"duplicate"``), in every shape an order can take, with
fewer statements than reading it back."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from orders.flow_models import ReviewKind, ReviewOutcome
from tests.test_api import INTEGRATOR_PERMS, ORDERS, client_for, intake_body, make_user

DUPLICATE_FALSE = b',"duplicate":false}'


@pytest.fixture
def api(db):
    return client_for(make_user("erp-bridge", *INTEGRATOR_PERMS))


@pytest.fixture
def clerk_api(db):
    return client_for(make_user("clerk", "orders.view_order", "orders.add_order"))


def assert_same_as_detail(client, response) -> None:
    assert response.status_code == 201, response.content
    assert response.content.endswith(DUPLICATE_FALSE)
    number = response.json()["number"]
    language = response.wsgi_request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    detail = client.get(f"{ORDERS}/{number}", HTTP_ACCEPT_LANGUAGE=language)
    assert detail.status_code == 200
    assert response.content[: -len(DUPLICATE_FALSE)] + b"}" == detail.content


def test_a_reserved_order_is_answered_with_the_detail_bytes(api, stocked, taobao_channel):
    response = api.post(ORDERS, intake_body(), format="json")

    assert response.json()["warehouse"] == "HZ" and response.json()["status"] == "pending_review"
    assert_same_as_detail(api, response)


def test_an_order_held_for_an_unknown_sku_is_answered_with_the_detail_bytes(api, stocked, taobao_channel):
    body = intake_body(lines=[{"sku_code": "NOPE-1", "quantity": 1, "unit_price": "3.00"}])
    response = api.post(ORDERS, body, format="json")

    assert response.json()["status"] == "on_hold" and response.json()["warehouse"] is None
    assert_same_as_detail(api, response)


def test_an_unpaid_order_is_answered_with_the_detail_bytes(api, stocked, taobao_channel):
    response = api.post(ORDERS, intake_body(paid=False, paid_at=None), format="json")

    assert response.json()["status"] == "pending_payment"
    assert_same_as_detail(api, response)


@pytest.mark.parametrize("outcome", [ReviewOutcome.HOLD, ReviewOutcome.FLAG])
def test_an_order_reviewed_at_intake_is_answered_with_the_detail_bytes(
    api, stocked, taobao_channel, auto_approve, review_rule, outcome
):
    review_rule(ReviewKind.BUYER_NOTE, outcome)
    approved = api.post(ORDERS, intake_body(buyer_note=""), format="json")
    stopped = api.post(ORDERS, intake_body(), format="json")

    assert approved.json()["status"] == "ready" and len(approved.json()["events"]) == 3
    assert stopped.json()["status"] in {"on_hold", "pending_review"}
    assert_same_as_detail(api, approved)
    assert_same_as_detail(api, stopped)


def test_a_client_without_the_pii_permission_gets_the_masked_detail_bytes(clerk_api, stocked, taobao_channel):
    response = clerk_api.post(ORDERS, intake_body(buyer_note="到了打 13912345678"), format="json")

    assert "****" in response.json()["recipient"]["phone"] and "13912345678" not in response.content.decode()
    assert_same_as_detail(clerk_api, response)


def test_the_answer_in_english_is_the_english_detail(api, stocked, taobao_channel):
    with translation.override("en"):
        response = api.post(ORDERS, intake_body(), format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["status_label"] == "Pending review"
    assert_same_as_detail(api, response)


def test_a_new_order_is_not_read_back(api, stocked, taobao_channel):
    api.post(ORDERS, intake_body(), format="json")  # the token and permissions are now kept
    with CaptureQueriesContext(connection) as queries:
        response = api.post(ORDERS, intake_body(), format="json")

    assert response.status_code == 201
    reads_back = [q["sql"] for q in queries if q["sql"].startswith('SELECT "orders_orderline"')]
    assert reads_back == []


def test_a_repeat_is_answered_with_the_existing_order_read_back(api, stocked, taobao_channel):
    body = intake_body()
    first = api.post(ORDERS, body, format="json")
    again = api.post(ORDERS, body, format="json")

    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.content[: -len(b',"duplicate":true}')] == first.content[: -len(DUPLICATE_FALSE)]


def test_an_order_merged_right_after_intake_is_answered_as_it_is_after_the_merge(
    api, stocked, taobao_channel, auto_approve, flow_settings
):
    flow_settings.auto_merge = True
    flow_settings.save()
    first = api.post(ORDERS, intake_body(buyer_note=""), format="json")
    second = api.post(ORDERS, intake_body(buyer_note=""), format="json")

    assert first.status_code == second.status_code == 201
    detail = api.get(f"{ORDERS}/{second.json()['number']}")
    assert second.content[: -len(DUPLICATE_FALSE)] + b"}" == detail.content


def test_the_answer_names_the_warehouse_as_it_is_now(api, stocked, taobao_channel, warehouse_hz):
    warehouse_hz.code = "HZ2"
    warehouse_hz.save()
    response = api.post(ORDERS, intake_body(), format="json")

    assert response.json()["warehouse"] == "HZ2"
    assert {line["warehouse"] for line in response.json()["lines"]} == {"HZ2"}
    assert_same_as_detail(api, response)


def test_a_user_with_only_add_permission_still_gets_the_answer(db, stocked, taobao_channel):
    client = client_for(make_user("pusher", "orders.add_order"))
    response = client.post(ORDERS, intake_body(), format="json")

    assert response.status_code == 201 and response.json()["lines"]
