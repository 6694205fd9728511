"""The API's request counts (``core.api_throttles._SlicedRate``): never more lenient than one
timestamp per request, and the stored value stays small however high the rate."""

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from core.api_throttles import TokenRateThrottle


class _User:
    is_authenticated = True
    pk = 7


@pytest.fixture
def throttle(db, settings):
    caches["shared"].clear()

    def make(rate: str, now: float) -> TokenRateThrottle:
        if settings.API_THROTTLE_RATES.get("token") != rate:
            settings.API_THROTTLE_RATES = {"token": rate, "anonymous": "10/min", "failed_token": "10/min"}
        made = TokenRateThrottle()
        made.timer = lambda: now
        return made

    return make


def ask(throttle, rate, now) -> bool:
    request = RequestFactory().get("/api/v1/stock")
    request.user = _User()
    return throttle(rate, now).allow_request(request, None)


def test_the_budget_is_kept_within_a_window_and_refilled_after_it(throttle):
    answers = [ask(throttle, "5/min", 1000.0 + i) for i in range(6)]
    assert answers == [True] * 5 + [False]
    # A request still counts a little past 60 s (its slice is partly inside the window)…
    assert ask(throttle, "5/min", 1000.0 + 60.5) is False
    # …and no longer once its whole slice has left it.
    assert ask(throttle, "5/min", 1000.0 + 62) is True


def test_never_more_lenient_than_timestamps(throttle):
    """Any 60 s window never holds more than the rate's requests that were allowed."""
    allowed = [t / 10 for t in range(0, 3000, 7) if ask(throttle, "20/min", 5000.0 + t / 10)]
    for start in allowed:
        assert sum(1 for t in allowed if start <= t < start + 60) <= 20


def test_the_stored_value_stays_small_at_a_high_rate(throttle):
    for i in range(3000):
        ask(throttle, "3000/min", 9000.0 + i * 0.02)

    key = throttle("3000/min", 0).cache_format % {"scope": "token", "ident": 7}
    assert len(caches["shared"].get(key)) <= 61


def test_wait_is_until_the_oldest_slice_leaves(throttle):
    made = throttle("2/min", 100.0)
    request = RequestFactory().get("/")
    request.user = _User()
    assert made.allow_request(request, None) and made.allow_request(request, None)
    assert made.allow_request(request, None) is False
    assert 60 <= made.wait() <= 61
