"""The ``shared`` cache (API rate limits): its table comes from ``migrate``; ``set`` is one statement."""

import importlib

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

migration = importlib.import_module("oms.migrations.0013_shared_cache_table_by_its_name")


class _Editor:
    """What the migration's function uses of a schema editor (SQLite refuses a real one inside the
    test's transaction)."""

    connection = connection

    def execute(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    def quote_name(self, name):
        return connection.ops.quote_name(name)


def test_the_migration_creates_the_table_the_settings_name(db):
    table = settings.CACHES["shared"]["LOCATION"]
    _Editor().execute(f"DROP TABLE {connection.ops.quote_name(table)}")
    _Editor().execute("CREATE TABLE shared (id integer)")
    assert table not in connection.introspection.table_names()

    migration.create(None, _Editor())

    assert table in connection.introspection.table_names()
    assert "shared" not in connection.introspection.table_names()

    assert table in connection.introspection.table_names()
    caches["shared"].set("k", [1.5, 2.5], 60)
    assert caches["shared"].get("k") == [1.5, 2.5]


def test_set_is_one_statement_and_overwrites(db):
    shared = caches["shared"]
    shared.set("a", [1], 60)
    with CaptureQueriesContext(connection) as queries:
        shared.set("a", [1, 2], 60)

    assert len(queries) == 1
    assert shared.get("a") == [1, 2]
    shared.set("b", "x", 0)  # already expired, as Django's cache treats timeout 0
    assert shared.get("b") is None


def test_expired_entries_are_culled_now_and_then(db, monkeypatch, settings):
    import core.shared_cache

    shared = caches["shared"]
    monkeypatch.setattr(shared, "_max_entries", 3)
    for n in range(5):
        shared.set(f"old{n}", n, 0)
    monkeypatch.setattr(core.shared_cache, "CULL_EVERY", 1)
    shared.set("fresh", 1, 60)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {settings.CACHES['shared']['LOCATION']}")
        keys = [row[0] for row in cursor.fetchall()]
    assert [k for k in keys if "old" in k] == [] and any("fresh" in k for k in keys)
