"""``Idempotency-Key`` on POST /api/v1/orders: replay, conflicts, per-user keys, races, purge."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

import orders.api
import orders.idempotency
from channels.models import Channel, Platform
from orders.models import IdempotencyRecord, Order

ORDERS = "/api/v1/orders"
PERMS = ("view_order", "add_order", "view_pii")


def make_client(username: str) -> tuple[APIClient, User]:
    user = User.objects.create_user(username=username)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="orders", codename__in=PERMS)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client, user


@pytest.fixture
def erp(db):
    return make_client("erp")[0]


@pytest.fixture
def intake_calls(monkeypatch):
    """Counts the calls the API makes to ``order_intake`` (the real one still runs)."""
    calls = []
    real = orders.api.order_intake

    def counting(**kwargs):
        calls.append(kwargs["draft"].external_id)
        return real(**kwargs)

    monkeypatch.setattr(orders.api, "order_intake", counting)
    return calls


def body(external_id: str = "TB-9001", quantity: int = 2) -> dict:
    return {
        "channel": "tb-main",
        "external_id": external_id,
        "recipient": {
            "name": "李雷",
            "phone": "13700001111",
            "province": "浙江",
            "city": "杭州",
            "street": "文一路 1 号",
        },
        "lines": [{"sku_code": "A001", "quantity": quantity, "unit_price": "10.00"}],
        "paid": True,
    }


def post(client: APIClient, data, key: str | None = "key-1", **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(ORDERS, data, format="json", **headers, **extra)


def test_the_same_key_and_body_replays_the_first_answer_without_a_second_intake(
    erp, stocked, taobao_channel, intake_calls
):
    first = post(erp, body())
    again = post(erp, {**body(), "paid": True})  # same JSON, keys in another order
    third = post(erp, body())

    assert first.status_code == again.status_code == third.status_code == 201
    assert again.json() == first.json() == third.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert intake_calls == ["TB-9001"]
    assert Order.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.key, record.response_status, record.response_body["number"]) == (
        "key-1",
        201,
        first.json()["number"],
    )


def test_the_same_key_with_a_different_body_is_refused_with_409(erp, stocked, taobao_channel, intake_calls):
    first = post(erp, body(quantity=2))
    changed = post(erp, body(quantity=3))

    assert first.status_code == 201
    assert changed.status_code == 409
    assert changed.json()["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in changed.json()["message"]
    assert intake_calls == ["TB-9001"]
    assert Order.objects.get().lines.get().quantity == 2


def test_keys_are_per_user(erp, stocked, taobao_channel, intake_calls):
    other, _user = make_client("other-erp")
    mine = post(erp, body())
    theirs_same = post(other, body())
    theirs_different = post(other, body(external_id="TB-9002"), key="key-2")
    mine_again = post(erp, body(external_id="TB-9002"), key="key-2")

    assert mine.status_code == 201
    # Another user's key-1 is not replayed: their request runs and finds the order already taken in.
    assert theirs_same.status_code == 200 and theirs_same.json()["duplicate"] is True
    assert "Idempotent-Replayed" not in theirs_same
    assert theirs_different.status_code == 201
    assert mine_again.status_code == 200 and mine_again.json()["duplicate"] is True
    assert intake_calls == ["TB-9001", "TB-9001", "TB-9002", "TB-9002"]
    assert IdempotencyRecord.objects.count() == 4


def test_a_repeat_without_a_key_runs_intake_and_is_answered_as_duplicate(
    erp, stocked, taobao_channel, intake_calls
):
    first = post(erp, body(), key=None)
    again = post(erp, body(), key=None)

    assert (first.status_code, again.status_code) == (201, 200)
    assert intake_calls == ["TB-9001", "TB-9001"]
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["k" * 256, "   "])
def test_a_key_too_long_or_blank_is_refused_with_400(erp, stocked, taobao_channel, key, intake_calls):
    response = post(erp, body(), key=key)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert intake_calls == []
    assert not Order.objects.exists() and not IdempotencyRecord.objects.exists()


def test_a_key_of_255_characters_is_accepted(erp, stocked, taobao_channel):
    response = post(erp, body(), key="k" * 255)

    assert response.status_code == 201
    assert IdempotencyRecord.objects.get().key == "k" * 255


def test_a_refused_request_releases_its_key_so_the_fixed_body_can_use_it(erp, stocked):
    refused = post(erp, body())  # the channel does not exist yet
    Channel.objects.create(code="tb-main", name="淘宝旗舰店", platform=Platform.TAOBAO)
    retried = post(erp, body())

    assert refused.status_code == 400 and refused.json()["code"] == "invalid_draft"
    assert retried.status_code == 201
    assert IdempotencyRecord.objects.get().response_status == 201


def test_a_malformed_body_with_a_key_writes_nothing(erp, stocked, taobao_channel, intake_calls):
    response = erp.generic("POST", ORDERS, "{oops", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    assert not IdempotencyRecord.objects.exists() and not Order.objects.exists()


def test_a_request_arriving_while_the_first_still_runs_gets_409_in_progress(
    erp, stocked, taobao_channel, monkeypatch
):
    real = orders.api.order_intake
    overlapping = []

    def slow_intake(**kwargs):
        overlapping.append(post(erp, body()))  # the retry arrives before the first has answered
        return real(**kwargs)

    monkeypatch.setattr(orders.api, "order_intake", slow_intake)
    first = post(erp, body())

    assert first.status_code == 201
    assert overlapping[0].status_code == 409
    assert overlapping[0].json()["code"] == "idempotency_in_progress"
    assert Order.objects.count() == 1


def test_losing_the_race_to_claim_a_key_re_reads_the_winners_answer(
    erp, stocked, taobao_channel, monkeypatch, intake_calls
):
    first = post(erp, body())
    real_find = orders.idempotency._find
    finds = []

    def find_missing_once(**kwargs):
        """The first look-up misses, as if the winner committed just after it: the insert then fails."""
        finds.append(kwargs["key"])
        return None if len(finds) == 1 else real_find(**kwargs)

    monkeypatch.setattr(orders.idempotency, "_find", find_missing_once)
    again = post(erp, body())

    assert len(finds) == 2
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert intake_calls == ["TB-9001"]


def test_a_claim_abandoned_by_a_dead_process_is_taken_over(erp, stocked, taobao_channel, intake_calls):
    first = post(erp, body())
    stale = timezone.now() - orders.idempotency.CLAIM_TIMEOUT - timedelta(seconds=1)
    IdempotencyRecord.objects.update(response_status=None, response_body=None, created_at=stale)

    again = post(erp, body())

    assert first.status_code == 201
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert intake_calls == ["TB-9001", "TB-9001"]
    assert IdempotencyRecord.objects.get().response_status == 200


def test_purge_forgets_old_keys_only(erp, stocked, taobao_channel):
    post(erp, body("TB-1"), key="old")
    post(erp, body("TB-2"), key="new")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))

    call_command("purge_idempotency_keys", "--hours", "24")

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert post(erp, body("TB-3"), key="old").status_code == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_take_the_order_in_once(stocked, taobao_channel):
    token = make_client("erp")[0]._credentials["HTTP_AUTHORIZATION"]
    clients = [APIClient() for _ in range(6)]
    for client in clients:
        client.credentials(HTTP_AUTHORIZATION=token)
    barrier = threading.Barrier(len(clients))
    responses = [None] * len(clients)

    def send(i: int) -> None:
        try:
            barrier.wait()
            responses[i] = post(clients[i], body())
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    statuses = sorted(r.status_code for r in responses)
    winners = [r for r in responses if r.status_code == 201]
    assert set(statuses) <= {201, 409} and winners, statuses
    assert all(r.json()["code"] == "idempotency_in_progress" for r in responses if r.status_code == 409)
    assert len({r.json()["number"] for r in winners}) == 1
    assert Order.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_status == 201
    assert post(clients[0], body()).json() == winners[0].json()


def test_a_new_key_costs_two_statements(erp, stocked, taobao_channel):
    from django.test.utils import CaptureQueriesContext

    post(erp, body("TB-0"), key="warm")  # the token and its permissions are kept from here on
    with CaptureQueriesContext(connection) as queries:
        response = post(erp, body("TB-1"), key="fresh")

    assert response.status_code == 201
    keyed = [q["sql"] for q in queries if IdempotencyRecord._meta.db_table in q["sql"]]
    assert len(keyed) == 2
    assert "ON CONFLICT" in keyed[0] and "RETURNING" in keyed[0] and keyed[1].startswith("UPDATE")
