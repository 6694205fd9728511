"""``core.locks``: a lock on one platform order that lives exactly as long as the transaction."""

import threading

import pytest
from django.db import connection, transaction

from core.locks import LockOutsideTransaction, advisory_xact_lock, advisory_xact_locks, lock_key


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_lock_is_refused_on_every_database():
    with pytest.raises(LockOutsideTransaction):
        advisory_xact_lock("oms-inbox", 1, "T1")


def test_keys_differ_per_platform_order_and_stay_the_same_between_processes():
    assert lock_key("oms-inbox", 1, "T1") == lock_key("oms-inbox", 1, "T1")
    assert len({lock_key("oms-inbox", 1, "T1"), lock_key("oms-inbox", 1, "T2"), lock_key("oms-inbox", 2, "T1")}) == 3
    assert -(2**63) <= lock_key("oms-inbox", 1, "T1") < 2**63


def _free_elsewhere(key: int) -> bool:
    """Whether another connection (a thread's own) can take the lock at once."""
    result = []

    def probe():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
                result.append(cursor.fetchone()[0])
        finally:
            connection.close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(30)
    return result == [True]


def _advisory_locks_held() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_lock_is_held_until_commit_and_never_outlives_the_transaction():
    key = lock_key("oms-inbox", 7, "T7")
    with transaction.atomic():
        advisory_xact_lock("oms-inbox", 7, "T7")
        assert not _free_elsewhere(key)
        assert _free_elsewhere(lock_key("oms-inbox", 7, "T8"))  # another platform order is not held up
    assert _free_elsewhere(key)
    assert _advisory_locks_held() == 0  # nothing left on the connection for the next transaction


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rollback_releases_the_lock_too():
    key = lock_key("oms-inbox", 7, "T7")
    with pytest.raises(RuntimeError), transaction.atomic():
        advisory_xact_lock("oms-inbox", 7, "T7")
        raise RuntimeError("the work failed")
    assert _free_elsewhere(key)
    assert _advisory_locks_held() == 0


@pytest.mark.django_db(transaction=True)
def test_many_locks_outside_a_transaction_are_refused_on_every_database():
    with pytest.raises(LockOutsideTransaction):
        advisory_xact_locks("oms-inbox", [(1, "T1"), (1, "T2")])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_locks_in_one_statement_are_held_until_commit():
    parts = [(7, f"T{n}") for n in range(5)]
    with transaction.atomic():
        advisory_xact_locks("oms-inbox", parts + parts[:2])  # repeats are taken once
        assert _advisory_locks_held() == 5
        assert not any(_free_elsewhere(lock_key("oms-inbox", *p)) for p in parts)
    assert all(_free_elsewhere(lock_key("oms-inbox", *p)) for p in parts)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_sets_given_in_opposite_orders_queue_and_never_deadlock():
    from tests.fixtures.concurrency import errors_of, run_together

    parts = [(9, f"T{n}") for n in range(40)]

    def take(i: int) -> None:
        for _round in range(20):
            with transaction.atomic():
                advisory_xact_locks("oms-inbox", parts if i % 2 else parts[::-1])

    assert errors_of(run_together(take, 4)) == []
