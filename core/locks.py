"""Database locks on things that are not rows (e.g. one platform order, before its order exists).

``advisory_xact_lock`` takes a PostgreSQL advisory lock that belongs to the current transaction:
it is released by the COMMIT or ROLLBACK, never by hand, so it cannot leak, and it works behind a
transaction-pooling proxy (PgBouncer ``pool_mode = transaction``), where the statements of one
transaction share a server connection but a session lock would stay on a connection that the
next transaction does not get. Other databases have no such locks: SQLite runs one writer at a
time anyway, and there the call only checks that it is made inside a transaction.
"""

import hashlib

from django.db import connection


class LockOutsideTransaction(RuntimeError):
    """A transaction-scoped lock was asked for outside a transaction: it would end at once."""


def lock_key(namespace: str, *parts) -> int:
    """The signed 64-bit key PostgreSQL's advisory locks take, for ``namespace`` and ``parts``."""
    text = ":".join([namespace, *(str(part) for part in parts)])
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def advisory_xact_lock(namespace: str, *parts) -> None:
    """Wait for, then hold until the end of the current transaction, the lock on (``namespace``,
    ``parts``). Call it inside ``transaction.atomic()``; outside one it raises
    ``LockOutsideTransaction`` on every database, so a misuse shows in the SQLite tests too."""
    if not connection.in_atomic_block:
        raise LockOutsideTransaction(f"advisory_xact_lock({namespace!r}) needs a transaction")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(namespace, *parts)])


def advisory_xact_locks(namespace: str, parts: list[tuple]) -> None:
    """``advisory_xact_lock`` on each of ``parts`` (tuples of parts), all in one statement, in key
    order: two callers whose sets overlap take the shared keys in the same order, so they queue
    behind each other and never deadlock. Same rules: inside a transaction, a no-op but for that
    check on other databases."""
    if not connection.in_atomic_block:
        raise LockOutsideTransaction(f"advisory_xact_locks({namespace!r}) needs a transaction")
    keys = sorted({lock_key(namespace, *p) for p in parts})
    if connection.vendor != "postgresql" or not keys:
        return
    with connection.cursor() as cursor:
        # unnest keeps the array's order, so the locks are taken in key order.
        cursor.execute("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k", [keys])
