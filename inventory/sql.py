"""Two small tools for the hottest write paths (order intake, reservation), shared by the apps.

``insert`` writes model instances with one plain ``INSERT … VALUES (…), (…)``: the same values
Django's ``bulk_create`` would write (each field's ``pre_save`` and ``get_db_prep_save``), without
building a query object per call. ``batch`` sends several statements in one round trip on
PostgreSQL (psycopg pipeline mode); elsewhere it does nothing.
"""

from contextlib import contextmanager, nullcontext

from django.db import connection


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
    params = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for obj in objs for f in fields]
    # Only quoted identifiers and placeholders are interpolated; every value is a parameter.
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * len(objs))}", params  # noqa: S608


def batch():
    """A context in which statements whose results are not read yet travel together (PostgreSQL)."""
    if connection.vendor == "postgresql":
        return _pipeline()
    return nullcontext()


@contextmanager
def _pipeline():
    connection.ensure_connection()
    with connection.connection.pipeline():
        yield
