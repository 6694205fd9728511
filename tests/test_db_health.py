"""The connection health check runs only after a pause (``core.postgresql``): a connection that
was used less than a second ago is used at once; after a pause, and after an error, it is checked
first, so a connection the server dropped meanwhile is replaced instead of failing.

The requests here are the signals a WSGI server's request sends (Django's test client leaves
Django's own connection handling out, so it cannot show this)."""

import psycopg
import pytest
from django.core.signals import request_finished, request_started
from django.db import OperationalError, connection

from core.postgresql import base as db_health


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


pytestmark = pytest.mark.postgres


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(db_health, "_clock", clock)
    return clock


@pytest.fixture
def checks(monkeypatch):
    """Counts the health checks (Django's ``is_usable``) made on the connection."""
    made = []
    real = connection.is_usable

    def counted():
        made.append(1)
        return real()

    monkeypatch.setattr(connection, "is_usable", counted)
    return made


def a_request(query: str = "SELECT 1") -> None:
    request_started.send(sender=None, environ={})
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
    finally:
        request_finished.send(sender=None)


@pytest.fixture
def answered_once(transactional_db, clock):
    """A connection that has just answered a request."""
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    a_request()
    return clock


def test_a_request_right_after_another_sends_no_health_check(answered_once, checks):
    answered_once.now += 0.5
    a_request()
    a_request()
    assert checks == []


def test_a_request_after_a_pause_checks_the_connection_first(answered_once, checks):
    answered_once.now += db_health.IDLE_SECONDS + 0.1
    a_request()
    assert checks == [1]
    answered_once.now += 0.1
    a_request()
    assert checks == [1]


def test_a_connection_with_an_error_is_checked_again(answered_once, checks):
    answered_once.now += 0.1
    connection.errors_occurred = True
    request_started.send(sender=None, environ={})
    request_finished.send(sender=None)
    assert checks == [1]  # Django's own check after an error: not skipped


def test_a_connection_dropped_during_a_pause_is_replaced(answered_once):
    terminate(backend_pid())
    answered_once.now += db_health.IDLE_SECONDS + 0.1
    a_request()  # checked, found dropped, reconnected: no error
    assert connection.is_usable()


def test_a_connection_dropped_mid_burst_fails_one_request_and_is_replaced(answered_once):
    terminate(backend_pid())
    answered_once.now += 0.1
    with pytest.raises(OperationalError):
        a_request()
    answered_once.now += 0.1
    a_request()  # Django closed the broken connection at the end of the failed request
    assert connection.is_usable()


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(autocommit=True, **params) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
