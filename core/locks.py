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
