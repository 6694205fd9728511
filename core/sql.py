"""Small tools for the hottest write paths (order intake, reservation, a cutoff), shared by the apps.

``insert`` writes model instances with one plain ``INSERT … VALUES (…), (…)``: the same values
Django's ``bulk_create`` would write (each field's ``pre_save`` and ``get_db_prep_save``; on
PostgreSQL read straight from the instances, which is what those come to there, see
``bulk_insert``), without building a query object per call. ``batch`` sends several statements in one round trip on
PostgreSQL (psycopg pipeline mode); elsewhere it does nothing.
"""

from collections.abc import Iterable, Sequence
from contextlib import contextmanager, nullcontext
from operator import attrgetter

from django.conf import settings
from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone

#: Bounds raised by ``keep_statement_parsing``: a statement up to this many parameters and bytes.
PARSE_CACHE_PARAMS = 256
PARSE_CACHE_BYTES = 16384


def keep_statement_parsing() -> None:
    """Let psycopg keep the parsing of our larger statements too (called once, at start-up).

    psycopg converts a statement's ``%s`` placeholders to PostgreSQL's ``$n`` by parsing its text,
    and keeps the result (an LRU of 128 statements) only for statements of at most 50 parameters
    and 4,096 bytes (``psycopg._queries``, pinned in requirements.lock). A new order's one INSERT
    (``insert_together``: order, source, lines, events; about 100 parameters) was parsed again on
    every POST, about 4 % of its Python. Statements larger still (a batch's thousands of
    parameters) are parsed each time, as before. Does nothing if psycopg no longer has the bounds."""
    from psycopg import _queries

    if hasattr(_queries, "MAX_CACHED_STATEMENT_PARAMS") and hasattr(_queries, "MAX_CACHED_STATEMENT_LENGTH"):
        _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, PARSE_CACHE_PARAMS)
        _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, PARSE_CACHE_BYTES)


def insert(objs: list, *, returning_pk: bool = False) -> None:
    """INSERT ``objs`` (instances of one model; primary keys all unset, or all set) in one
    statement. With ``returning_pk`` each instance gets its primary key back and counts as saved."""
    if not objs:
        return
    meta = type(objs[0])._meta
    with_pk = objs[0].pk is not None
    sql, params = insert_statement(objs)
    if returning_pk:
        sql += f" RETURNING {connection.ops.quote_name(meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning_pk:
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
    if returning_pk or with_pk:
        for obj in objs:
            obj._state.adding = False
            obj._state.db = connection.alias


def insert_statement(objs: list) -> tuple[str, list]:
    """The ``INSERT … VALUES`` that ``insert`` sends for ``objs``, as (sql, params), for a caller
    that combines it with other statements (e.g. two INSERTs in one statement with a CTE)."""
    meta = type(objs[0])._meta
    with_pk = objs[0].pk is not None
    fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    if connection.vendor == "postgresql":
        # The same values at a fifth of the cost (the hottest inserts): see ``bulk_insert``.
        now = timezone.now()
        getters = [_value_getter(f, now) for f in fields]
        params = [get(obj) for obj in objs for get in getters]
    else:
        params = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for obj in objs for f in fields]
    # Only quoted identifiers and placeholders are interpolated; every value is a parameter.
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * len(objs))}", params  # noqa: S608


def insert_together(*groups: list) -> None:
    """INSERT each group of instances (one model per group, as ``insert`` does, no primary key read
    back) with one statement on PostgreSQL: all but the last as data-modifying CTEs of the last
    (``WITH w0 AS (INSERT …), w1 AS (INSERT …) INSERT …``), so a new order's rows cost one
    statement's work in Python instead of one per table. Their foreign keys to each other are
    checked at the commit (Django makes them ``DEFERRABLE INITIALLY DEFERRED``). One ``insert`` per
    group elsewhere."""
    groups = [group for group in groups if group]
    if connection.vendor != "postgresql" or len(groups) < 2:
        for group in groups:
            insert(group)
        return
    statements = [insert_statement(group) for group in groups]
    *first, (last, params) = statements
    ctes = ", ".join(f"w{n} AS ({sql})" for n, (sql, _params) in enumerate(first))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes} {last}", [value for _sql, each in first for value in each] + params)
    for group in groups:
        if group[0].pk is not None:
            for obj in group:
                obj._state.adding = False
                obj._state.db = connection.alias


def slices(items: list, *, params_each: int, params_fixed: int = 0):
    """``items`` in consecutive slices small enough that a statement with ``params_each`` parameters
    per item and ``params_fixed`` more stays under the database's limit (all at once if none)."""
    limit = connection.features.max_query_params
    size = max(1, (limit - params_fixed) // params_each) if limit else max(len(items), 1)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def batch():
    """A context in which statements whose results are not read yet travel together (PostgreSQL)."""
    if connection.vendor == "postgresql":
        return _pipeline()
    return nullcontext()


@contextmanager
def atomic_batch():
    """``transaction.atomic()`` whose statements travel together (``batch``) on PostgreSQL.

    The transaction holds the pipeline, not the other way round: psycopg answers a change of
    autocommit inside a pipeline with a round trip of its own (Django's BEGIN and its return to
    autocommit after the COMMIT would cost two), and an error inside (a unique violation) ends the
    pipeline first, then rolls the transaction (or the caller's savepoint) back. The last writes
    go when the pipeline ends, then the COMMIT."""
    with transaction.atomic(), batch():
        yield


@contextmanager
def _pipeline():
    connection.ensure_connection()
    # An error can surface when the pipeline ends, outside Django's cursor: wrapped, it is
    # Django's (an IntegrityError for a unique violation), as a cursor's would be.
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def async_commit_source() -> str | None:
    """A one-row source (``FROM`` it in an ``INSERT … SELECT`` or an ``UPDATE``, ``USING`` it in a
    ``DELETE``) whose reading turns ``synchronous_commit`` off for the transaction it runs in
    (PostgreSQL's ``set_config(…, true)``: this transaction only), so that a statement running
    alone in autocommit mode commits without waiting for its WAL to reach the disk. Where that
    cannot be so, None: not PostgreSQL, or inside a transaction (whose other writes must wait).

    For bookkeeping whose loss in a crash is harmless: rate-limit counts, the
    ``Idempotency-Key`` records and the day's order-number counter (a number lost in a crash was
    used by no order that survived it). The WAL is written in order, so such a commit is on disk as
    soon as any later commit that waits is (an order taken in right after its claim and its
    number); a crash loses at most the last fraction of a second of them (``wal_writer_delay``),
    never a commit that waited. Saves a disk flush (an fdatasync of the WAL) per statement: four
    of a POST's five; and a lock held during the commit (the counter row) is released without
    waiting for the disk."""
    if connection.vendor != "postgresql" or connection.in_atomic_block or not connection.get_autocommit():
        return None
    return "(SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"


@contextmanager
def prepared():
    """A hot path: on PostgreSQL a statement run inside, once the connection has run it
    ``DB_PREPARE_THRESHOLD`` times (here), is prepared on the server and only bound and executed
    after that (psycopg's prepared statements; nothing else changes). Only for statements whose
    best plan does not depend on their values (look-ups by key, inserts): a prepared statement
    may end up with one generic plan for every value, which an admin list filtered by a rare
    status must not get. Nests; elsewhere it does nothing."""
    threshold = settings.DB_PREPARE_THRESHOLD
    if connection.vendor != "postgresql" or not threshold:
        yield
        return
    connection.ensure_connection()
    session = connection.connection
    before = session.prepare_threshold
    session.prepare_threshold = threshold
    try:
        yield
    finally:
        session.prepare_threshold = before


def bulk_insert(objs: list, *, returning_pk: bool = False) -> None:
    """``insert`` for thousands of rows: ``COPY`` on PostgreSQL (primary keys all set, or all
    unset and left to the database), else ``insert`` in slices under the parameter limit.

    The same values as ``insert``: on PostgreSQL Django's preparation of a value for the database
    is the value itself for every field but two kinds, which get it in full: fields with
    ``auto_now``/``auto_now_add`` (``pre_save`` stamps them) and JSON fields (adapted to JSONB).
    Cannot run inside ``batch()`` (no COPY in pipeline mode).
    """
    if not objs:
        return
    meta = type(objs[0])._meta
    with_pk = objs[0].pk is not None
    fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
    if connection.vendor != "postgresql" or returning_pk:
        size = max(1, (connection.features.max_query_params or 60000) // len(fields))
        for start in range(0, len(objs), size):
            insert(objs[start : start + size], returning_pk=returning_pk)
        return
    now = timezone.now()
    getters = [_value_getter(f, now) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    # Only quoted identifiers are interpolated; the rows travel as COPY data.
    statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objs:
            copy.write_row([get(obj) for get in getters])
    if with_pk:
        for obj in objs:
            obj._state.adding = False
            obj._state.db = connection.alias


def insert_rows(model, fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Plain rows into ``model``'s table, each a tuple of values for ``fields`` (field names) as the
    database takes them (ids, numbers, text): ``COPY`` on PostgreSQL, else an ``executemany`` of
    one INSERT. For tens of thousands of simple rows, where building a model instance per row
    would cost more than writing it (a cutoff's station split). No ``pre_save``, no defaults:
    every column without a database default must be among ``fields``. Returns the rows written.
    Cannot run inside ``batch()``."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only quoted identifiers are interpolated; the rows travel as COPY data.
            with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        rows = list(rows)
        placeholders = ", ".join(["%s"] * len(fields))
        cursor.executemany(f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608
        return len(rows)


def _value_getter(field, now):
    """How ``bulk_insert`` reads one field's value on PostgreSQL (see there)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        # What pre_save does, with one time for the whole statement (as one INSERT's now() would be).
        def stamped(obj, attname=field.attname):
            setattr(obj, attname, now)
            return now

        return stamped
    if isinstance(field, JSONField):
        return lambda obj: field.get_db_prep_value(getattr(obj, field.attname), connection)
    return attrgetter(field.attname)
