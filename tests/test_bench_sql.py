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
