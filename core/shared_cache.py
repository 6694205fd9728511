"""The ``shared`` cache (``settings.CACHES``): Django's database cache, with ``set`` in one statement.

Django's ``DatabaseCache.set`` counts the table (to decide whether to cull), then reads the key and
updates or inserts it in a transaction: five statements for each API request's rate-limit count.
Here ``set`` is one ``INSERT … ON CONFLICT (cache_key) DO UPDATE`` (PostgreSQL and SQLite both
have it) that stores the same value and expiry in the same format (so ``get`` and the rest are
Django's), and the table is counted and culled on one ``set`` in ``CULL_EVERY`` per process
instead of on every one. ``get_many`` (the API's one read per request) is Django's without
building a model expression on every call to convert the expiry column (a fifth of that read's
time): the converters are looked up once per connection. ``add`` and ``touch`` keep Django's
behaviour. On PostgreSQL a ``set``
made outside a transaction commits without waiting for the disk (``core.sql.async_commit_source``:
a count lost in a crash is harmless).
"""

import base64
import pickle
from datetime import UTC, datetime
from itertools import count

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router
from django.utils.timezone import now as tz_now

from core.sql import async_commit_source

CULL_EVERY = 100
#: Sets made in this process (every thread's cache object counts here).
sets_made = count(1)


class SharedDatabaseCache(DatabaseCache):
    def get_many(self, keys, version=None):
        if not keys:
            return {}
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        connection = connections[router.db_for_read(self.cache_model_class)]
        key_column, value_column, expires_column, table = (
            connection.ops.quote_name(name) for name in ("cache_key", "value", "expires", self._table)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {key_column}, {value_column}, {expires_column} FROM {table} "  # noqa: S608
                f"WHERE {key_column} IN ({', '.join(['%s'] * len(key_map))})",
                list(key_map),
            )
            rows = cursor.fetchall()
        expression, converters = _expiry_converters(connection)
        now = tz_now()
        found, expired = {}, []
        for key, value, expires in rows:
            for converter in converters:
                expires = converter(expires, expression, connection)
            if expires < now:
                expired.append(key)
            else:
                value = connection.ops.process_clob(value)
                found[key_map.get(key)] = pickle.loads(base64.b64decode(value.encode()))  # noqa: S301 (our own rows)
        self._base_delete_many(expired)
        return found

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self._table)
        if timeout is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        expires = connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        key_column, value_column, expires_column = (quote_name(c) for c in ("cache_key", "value", "expires"))
        with connection.cursor() as cursor:
            if next(sets_made) % CULL_EVERY == 0:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
                entries = cursor.fetchone()[0]
                if entries > self._max_entries:
                    self._cull(db, cursor, tz_now().replace(microsecond=0), entries)
            source = async_commit_source()
            values = f"SELECT %s, %s, %s FROM {source}" if source else "VALUES (%s, %s, %s)"  # noqa: S608
            cursor.execute(
                f"INSERT INTO {table} ({key_column}, {value_column}, {expires_column}) {values} "  # noqa: S608
                f"ON CONFLICT ({key_column}) DO UPDATE SET {value_column} = EXCLUDED.{value_column}, "
                f"{expires_column} = EXCLUDED.{expires_column}",
                [key, encoded, expires],
            )


def _expiry_converters(connection) -> tuple:
    """The expression and converters Django's cache applies to the ``expires`` column, made once
    per connection (Django builds them on every read)."""
    kept = getattr(connection, "oms_cache_expiry_converters", None)
    if kept is None:
        expression = models.Expression(output_field=models.DateTimeField())
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        kept = connection.oms_cache_expiry_converters = (expression, converters)
    return kept
