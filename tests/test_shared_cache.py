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


def test_get_many_reads_live_entries_in_one_statement_and_drops_expired_ones(db, settings):
    shared = caches["shared"]
    shared.set("live1", {"n": 1}, 60)
    shared.set("live2", [2.5], 60)
    shared.set("gone", "x", 0)  # expired at once

    with CaptureQueriesContext(connection) as queries:
        found = shared.get_many(["live1", "live2", "gone", "never"])
    assert found == {"live1": {"n": 1}, "live2": [2.5]}
    assert queries[0]["sql"].startswith("SELECT") and len(queries) == 2  # the read, then the expired key's delete

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {settings.CACHES['shared']['LOCATION']}")
        keys = [row[0] for row in cursor.fetchall()]
    assert not any("gone" in k for k in keys) and sum("live" in k for k in keys) == 2
    with CaptureQueriesContext(connection) as queries:
        assert shared.get_many(["live1"]) == {"live1": {"n": 1}}
    assert len(queries) == 1


def test_get_many_converts_the_expiry_column_once_per_connection(db, monkeypatch):
    import core.shared_cache

    shared = caches["shared"]
    shared.set("k", 1, 60)
    shared.get_many(["k"])
    monkeypatch.setattr(core.shared_cache.models, "Expression", None)  # building one now would fail
    assert shared.get_many(["k"]) == {"k": 1}
