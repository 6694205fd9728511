"""``POST /api/v1/orders/batch``: each order answered on its own; a malformed or oversized body
changes nothing; the same Idempotency-Key replays the same answer."""

import json

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import Channel, Platform
from inventory.models import StockMovement
from orders.api_batch import MAX_BATCH
from orders.models import IdempotencyRecord, Order, OrderSource
from tests.test_api import intake_body

BATCH = "/api/v1/orders/batch"


@pytest.fixture
def erp(db):
    user = User.objects.create_user(username="erp-batch")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_order", "view_order"]))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def written() -> tuple[int, int, int, int]:
    return (Order.objects.count(), OrderSource.objects.count(), StockMovement.objects.count(),
            IdempotencyRecord.objects.count())


def test_each_order_is_answered_on_its_own(erp, stocked, taobao_channel):
    earlier = erp.post("/api/v1/orders", intake_body(external_id="OLD-1"), format="json")
    orders = [
        intake_body(external_id="NEW-1"),
        intake_body(external_id="HELD-1", lines=[{"sku_code": "NO-SUCH", "quantity": 1, "unit_price": "1.00"}]),
        intake_body(external_id="OLD-1"),
        intake_body(external_id="BAD-1", lines=[{"sku_code": "A001", "quantity": 0, "unit_price": "1.00"}]),
        intake_body(external_id="NEW-1"),  # the same platform order twice in one batch: one order
        intake_body(external_id="NOCH-1", channel="no-such-shop"),
        "not an order",
    ]
    response = erp.post(BATCH, {"orders": orders}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    results = body["results"]
    assert [r["result"] for r in results] == [
        "created", "held", "duplicate", "invalid", "duplicate", "invalid", "invalid"
    ]
    assert [r["index"] for r in results] == list(range(7))
    assert (body["created"], body["held"], body["duplicate"], body["invalid"]) == (1, 1, 2, 3)
    assert results[1]["status"] == "on_hold" and results[1]["hold_reason"]
    assert results[2]["number"] == earlier.json()["number"]
    assert results[4]["number"] == results[0]["number"]
    assert "lines[0].quantity" in results[3]["errors"] and results[3]["number"] is None
    assert "no-such-shop" in results[5]["errors"]["channel"][0]
    assert results[6]["external_id"] is None and results[6]["errors"]
    assert Order.objects.count() == 3
    assert set(OrderSource.objects.values_list("external_id", flat=True)) == {"OLD-1", "NEW-1", "HELD-1"}


def test_an_invalid_order_is_explained_in_the_users_language(erp, stocked, taobao_channel):
    bad = intake_body(external_id="BAD-2", lines=[{"sku_code": "A001", "quantity": 1, "unit_price": "-1"}])
    chinese = erp.post(BATCH, {"orders": [bad]}, format="json").json()["results"][0]
    english = erp.post(BATCH, {"orders": [bad]}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]

    assert chinese["message"] == "订单数据有误，未写入该订单"
    assert english["message"] == "The order's data is invalid; this order was not written"
    assert english["errors"]["lines[0].unit_price"] != chinese["errors"]["lines[0].unit_price"]


@pytest.mark.parametrize(
    "body, code",
    [
        ({"orders": []}, "invalid_batch"),
        ({"nope": 1}, "invalid_batch"),
        ([intake_body()], "invalid_batch"),
        ({"orders": "x"}, "invalid_batch"),
        ({"orders": [intake_body(external_id=f"X{i}") for i in range(MAX_BATCH + 1)]}, "batch_too_large"),
    ],
)
def test_a_malformed_or_oversized_body_is_refused_whole_and_changes_nothing(erp, stocked, taobao_channel, body, code):
    before = written()
    response = erp.post(BATCH, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 400 and response.json()["code"] == code
    assert response.json()["message"]
    assert written() == before


def test_an_oversized_batch_is_explained_in_english_too(erp, stocked, taobao_channel):
    body = {"orders": [intake_body(external_id=f"X{i}") for i in range(MAX_BATCH + 1)]}
    response = erp.post(BATCH, body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "500" in response.json()["message"] and "订单" not in response.json()["message"]


def test_500_orders_are_taken_in(erp, stocked, taobao_channel):
    orders = [intake_body(external_id=f"M{i:04d}", lines=[{"sku_code": "A001", "quantity": 1, "unit_price": "1.00"}])
              for i in range(MAX_BATCH)]
    response = erp.post(BATCH, {"orders": orders}, format="json")

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == MAX_BATCH and response.json()["invalid"] == 0
    assert Order.objects.count() == MAX_BATCH
    assert len({r["number"] for r in results}) == MAX_BATCH


def test_the_same_key_replays_the_same_answer(erp, stocked, taobao_channel):
    body = {"orders": [intake_body(external_id="R-1"), intake_body(external_id="R-2")]}
    first = erp.post(BATCH, body, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
    again = erp.post(BATCH, body, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
    without_key = erp.post(BATCH, body, format="json")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert [r["result"] for r in first.json()["results"]] == ["created", "created"]
    assert [r["result"] for r in without_key.json()["results"]] == ["duplicate", "duplicate"]
    assert Order.objects.count() == 2


def test_the_same_key_with_another_batch_is_refused(erp, stocked, taobao_channel):
    erp.post(BATCH, {"orders": [intake_body(external_id="S-1")]}, format="json", HTTP_IDEMPOTENCY_KEY="b")
    other = erp.post(BATCH, {"orders": [intake_body(external_id="S-2")]}, format="json", HTTP_IDEMPOTENCY_KEY="b")

    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert not OrderSource.objects.filter(external_id="S-2").exists()


def test_a_channel_switched_off_is_answered_invalid_per_order(erp, stocked, taobao_channel):
    Channel.objects.create(code="off-shop", name="停用店", platform=Platform.TAOBAO, active=False)
    response = erp.post(
        BATCH, {"orders": [intake_body(external_id="C-1", channel="off-shop"), intake_body(external_id="C-2")]},
        format="json",
    )

    assert [r["result"] for r in response.json()["results"]] == ["invalid", "created"]


def test_it_needs_the_add_permission(db, stocked, taobao_channel):
    user = User.objects.create_user(username="reader")
    user.user_permissions.add(Permission.objects.get(codename="view_order"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    response = client.post(BATCH, {"orders": [intake_body()]}, format="json")

    assert response.status_code == 403 and not Order.objects.exists()
    assert APIClient().post(BATCH, {"orders": [intake_body()]}, format="json").status_code == 401


def test_it_is_in_the_openapi_schema(erp):
    schema = APIClient().get("/api/schema/?format=json")

    operation = schema.json()["paths"]["/api/v1/orders/batch"]["post"]
    assert operation["operationId"] == "orders_intake_batch"
    assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
    assert set(operation["responses"]) >= {"200", "400", "409"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_sharing_buyers_do_not_deadlock(stocked, taobao_channel):
    """Two batches whose buyers overlap, listed in opposite orders, both go in (customers are
    written in phone order, so their row locks cannot cross)."""
    import threading

    from django.db import connection

    from orders.models import Customer

    def batch(prefix: str, phones: list[str]) -> dict:
        orders = []
        for i, phone in enumerate(phones):
            body = intake_body(external_id=f"{prefix}{i}", lines=[{"sku_code": "A001", "quantity": 1, "unit_price": "1"}])
            body["recipient"] = {**body["recipient"], "phone": phone}
            orders.append(body)
        return {"orders": orders}

    phones = [f"1380000{n:04d}" for n in range(MAX_BATCH)]
    bodies = [batch("P", phones), batch("Q", list(reversed(phones)))]
    user = User.objects.create_user(username="erp-race")
    user.user_permissions.add(Permission.objects.get(codename="add_order"))
    key = Token.objects.create(user=user).key
    barrier = threading.Barrier(2)
    answers = [None, None]

    def send(i: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        try:
            barrier.wait()
            answers[i] = client.post(BATCH, bodies[i], format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert [a.status_code for a in answers] == [200, 200]
    assert all(a.json()["created"] + a.json()["held"] == MAX_BATCH for a in answers)
    assert Order.objects.count() == 2 * MAX_BATCH and Customer.objects.count() == MAX_BATCH


def test_buyers_are_written_in_phone_order(db, monkeypatch):
    """The lock order that keeps two batches from deadlocking on their shared buyers."""
    from orders.services import customers

    sent = []
    real = customers.customers_upsert_statement
    monkeypatch.setattr(customers, "customers_upsert_statement", lambda part: sent.append(part) or real(part))

    found = customers.customers_upsert({"13900000003": "丙", "13900000001": "甲", "13900000002": "乙"})

    assert [phone for part in sent for phone, _name in part] == ["13900000001", "13900000002", "13900000003"]
    assert set(found) == {"13900000001", "13900000002", "13900000003"}


def test_a_nul_character_in_an_invalid_order_is_answered_and_stored_without_it(erp, stocked, taobao_channel):
    bad = intake_body(external_id="N\x00UL", priority="\x009")
    raw = json.dumps({"orders": [bad]})  # the NUL travels as the JSON escape \u0000
    first = erp.generic("POST", BATCH, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="nul-1")
    again = erp.generic("POST", BATCH, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="nul-1")

    assert first.status_code == 200, first.content
    result = first.json()["results"][0]
    assert result["result"] == "invalid" and result["external_id"] == "N\ufffdUL"
    assert "\\u0000" not in first.content.decode() and "\x00" not in first.content.decode()
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"


def test_an_order_whose_platform_number_is_batch_can_still_be_looked_up(erp, stocked, taobao_channel):
    """``/api/v1/orders/batch`` is the batch intake for POST and, like any other number, the
    detail of the order a platform numbered "batch" for GET."""
    assert erp.get(BATCH).status_code == 404  # no such order yet: the detail's answer, not a 405
    created = erp.post("/api/v1/orders", intake_body(external_id="batch"), format="json")
    assert created.status_code == 201
    found = erp.get(BATCH)
    assert found.status_code == 200 and found.json()["number"] == created.json()["number"]
    assert found.json()["sources"][0]["external_id"] == "batch"
    assert APIClient().get(BATCH).status_code == 401
    writer = User.objects.create_user(username="erp-writer")
    writer.user_permissions.add(Permission.objects.get(codename="add_order"))
    blind = APIClient()
    blind.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=writer).key}")
    assert blind.get(BATCH).status_code == 403  # reading an order needs orders.view_order
