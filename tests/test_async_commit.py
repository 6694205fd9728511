"""Bookkeeping commits that do not wait for the disk (``core.sql.async_commit_source``): rate-limit
counts, ``Idempotency-Key`` records and the day's order-number counter on PostgreSQL, outside a
transaction only."""

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.sql import async_commit_source
from orders.models import IdempotencyRecord, Order
from orders.numbering import next_order_numbers
from orders.serializers import OrderIntakeInput
from orders.services import order_intake
from tests.test_api_idempotency import body, make_client, post

SET_CONFIG = "set_config('synchronous_commit', 'off', true)"


def _setting(sql_from: str = "") -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT current_setting('synchronous_commit'){sql_from}")
        return cursor.fetchone()[0]


def test_inside_a_transaction_nothing_is_turned_off(db):
    # The test's own transaction: an order written beside the statement must still wait for the disk.
    assert async_commit_source() is None
    with CaptureQueriesContext(connection) as queries:
        caches["shared"].set("k", 1, 60)
    assert SET_CONFIG not in queries[-1]["sql"]
    assert caches["shared"].get("k") == 1


@pytest.mark.postgres
def test_a_statement_alone_commits_without_waiting_and_only_itself(transactional_db):
    source = async_commit_source()
    assert source is not None
    assert _setting(f" FROM {source}") == "off"  # in force for that statement's transaction
    assert _setting() == "on"  # and not for the next one
    with transaction.atomic():
        assert async_commit_source() is None
        assert _setting() == "on"


@pytest.mark.postgres
def test_the_rate_limit_count_and_the_idempotency_record_commit_without_waiting(transactional_db, stocked,
                                                                                 taobao_channel):
    shared = caches["shared"]
    with CaptureQueriesContext(connection) as queries:
        shared.set("count", [1, 2], 60)
        shared.set("count", [3], 60)
    assert all(SET_CONFIG in q["sql"] for q in queries)
    assert shared.get("count") == [3]

    erp, _user = make_client("erp")
    with CaptureQueriesContext(connection) as queries:
        first = post(erp, body())
    record_sql = [q["sql"] for q in queries if "orders_idempotencyrecord" in q["sql"]]
    assert len(record_sql) == 2 and all(SET_CONFIG in sql for sql in record_sql)  # claim and answer
    order_sql = [q["sql"] for q in queries if 'INSERT INTO "orders_order"' in q["sql"]]
    assert order_sql and all(SET_CONFIG not in sql for sql in order_sql)  # the order waits, as before
    again = post(erp, body())
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1 and IdempotencyRecord.objects.get().response_status == 201

    # A refused request releases its claim (a DELETE that does not wait either).
    with CaptureQueriesContext(connection) as queries:
        refused = post(erp, {**body("TB-9002"), "lines": []}, key="key-2")
    assert refused.status_code == 400
    released = [q["sql"] for q in queries if q["sql"].startswith('DELETE FROM "orders_idempotencyrecord"')]
    assert len(released) == 1 and SET_CONFIG in released[0]
    assert not IdempotencyRecord.objects.filter(key="key-2").exists()
    assert _setting() == "on"


@pytest.mark.postgres
def test_the_day_counter_commits_without_waiting_last_in_the_intakes_first_round_trip(transactional_db, stocked,
                                                                                      taobao_channel):
    _erp, user = make_client("erp")

    draft_input = OrderIntakeInput(data=body("TB-9101"))
    assert draft_input.is_valid(), draft_input.errors
    with CaptureQueriesContext(connection) as queries:
        result = order_intake(draft=draft_input.to_draft(), actor=user)
    assert result.created
    sql = [q["sql"] for q in queries]
    numbering = [i for i, s in enumerate(sql) if s.startswith("INSERT INTO orders_ordernumbersequence")]
    assert len(numbering) == 1 and SET_CONFIG in sql[numbering[0]]
    # The last statement of the first round trip, after its reads: the counter row, every new
    # order's, is locked from there to the end of that round trip only.
    assert sql.index("BEGIN") == numbering[0] + 1
    assert all(s.startswith("SELECT") for s in sql[: numbering[0]])
    assert all(SET_CONFIG not in s for s in sql if s.startswith('WITH w0 AS (INSERT INTO "orders_order"'))

    with CaptureQueriesContext(connection) as queries:
        numbers = next_order_numbers(3)
    assert len(set(numbers)) == 3 and SET_CONFIG in queries[0]["sql"]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        next_order_numbers(1)  # inside a transaction: it waits with the rest of it
    assert SET_CONFIG not in queries[-1]["sql"]
    assert _setting() == "on"
