"""The benchmarks' raw-SQL baselines write the same tables as the app with hand-written SQL. When a
model gains a NOT NULL column, that SQL must name it or the baseline fails at the next benchmark
run; this test catches the drift in CI instead."""

import re
from pathlib import Path

import pytest
from django.db import connection

BENCH = Path(__file__).resolve().parent.parent / "bench"

#: bench file -> tables its raw baseline inserts into
RAW_WRITES = {
    "raw_intake.py": ["orders_order", "orders_orderline", "orders_ordersource", "orders_orderevent",
                  "inventory_stockmovement", "orders_customer"],
    "import.py": ["orders_order", "orders_orderline", "orders_ordersource", "orders_orderevent",
                  "inventory_stockmovement"],
    "webhook_raw.py": ["channels_inboxmessage"],
    "hot_sku.py": ["inventory_stockmovement"],
    "scan_raw.py": ["warehouse_scanrecord"],
    "waves.py": ["warehouse_wave", "warehouse_waveorder", "warehouse_pickline"],
    "admin_scale.py": ["orders_customer", "orders_order", "orders_orderline", "orders_ordersource",
                       "orders_orderevent", "inventory_stockmovement", "channels_inboxmessage"],
    "cutoff.py": ["channels_cutoffbatch", "channels_stationline", "channels_cutoffdemand", "channels_purchaseline"],
}


def required_columns(table: str) -> set[str]:
    """Columns an INSERT must name: NOT NULL and without a database default (the id has one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("bench_file", sorted(RAW_WRITES))
def test_raw_baselines_name_every_required_column(bench_file):
    text = (BENCH / bench_file).read_text()
    words = set(re.findall(r"[a-z_]+", text))
    for table in RAW_WRITES[bench_file]:
        assert table in text, f"{bench_file} no longer writes {table}: update RAW_WRITES"
        columns = required_columns(table)
        assert columns, table
        missing = sorted(columns - words)
        assert not missing, f"{bench_file}: the raw INSERT into {table} does not name {missing}"


def existing_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table])
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("bench_file", sorted(RAW_WRITES))
def test_raw_baselines_name_no_column_that_is_gone(bench_file):
    """The other way round: a column a migration removed must not be named by a raw INSERT (the
    admin bench's fill once named two that the inbox drain's migration had dropped)."""
    text = (BENCH / bench_file).read_text()
    inserts = re.findall(r"(?:INSERT INTO|COPY)\s+\"?([a-z_]+)\"?\s*\(([^)]*)\)", text)
    # COPY statements built from ("table", "column, column, " "column", rows) tuples (bench/import.py).
    for table, pieces in re.findall(r'\(\s*"([a-z_]+)",\s*((?:"[^"]*"\s*)+),', text):
        columns = "".join(re.findall(r'"([^"]*)"', pieces))
        if "," in columns:  # a column list, not a second table name
            inserts.append((table, columns))
    checked = 0
    for table, column_list in inserts:
        if table not in RAW_WRITES[bench_file]:
            continue
        named = {name.strip().strip('"') for name in column_list.split(",")}
        named = {name for name in named if re.fullmatch(r"[a-z_]+", name)}
        gone = sorted(named - existing_columns(table))
        assert not gone, f"{bench_file}: the raw INSERT into {table} names {gone}, which the table no longer has"
        checked += 1
    assert checked, f"{bench_file}: no raw INSERT or COPY with a column list found"
