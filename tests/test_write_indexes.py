"""A new order writes no index that nothing reads (``orders/migrations/0017``,
``inventory/migrations/0006``): the look-ups those indexes stood for are still served by one."""

import pytest
from django.db import connection

from orders.admin.search import matching_order_ids

pytestmark = pytest.mark.postgres

TABLES = ["orders_order", "orders_orderevent", "orders_ordersource", "orders_customer",
          "orders_idempotencyrecord", "inventory_stockmovement"]


def indexes() -> dict[str, list[str]]:
    """Index definitions (the part after USING) per table."""
    found: dict[str, list[str]] = {table: [] for table in TABLES}
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [TABLES])
        for table, definition in cursor.fetchall():
            found[table].append(definition.split(" USING ", 1)[1])
    return found


def test_no_prefix_copies_and_no_index_another_one_starts_with(db):
    found = indexes()
    assert not [d for defs in found.values() for d in defs if "varchar_pattern_ops" in d]
    assert "btree (channel_id)" not in found["orders_order"]
    assert "btree (channel_id, status)" in found["orders_order"]
    assert "btree (action)" not in found["orders_orderevent"]
    assert "btree (action, at)" in found["orders_orderevent"]
    assert "btree (user_id)" not in found["orders_idempotencyrecord"]
    assert "btree (user_id, key)" in found["orders_idempotencyrecord"]
    # What ops search and filter by exactly keeps its index.
    for column in ("number", "status", "phone", "tracking_number", "phone_privacy"):
        assert f"btree ({column})" in found["orders_order"]
    assert "btree (external_id)" in found["orders_ordersource"]
    assert "btree (reference)" in found["inventory_stockmovement"]


def test_the_order_search_still_reads_an_index_for_each_kind_of_number(db):
    query = matching_order_ids(["SO20261208000001", "13800001111", "T123"]).query
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # With sequential scans priced out, a branch no index serves would still show one.
    assert "Seq Scan" not in plan, plan
    assert plan.count("Index Scan on") == 4, plan
