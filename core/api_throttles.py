"""Rate limits for the API (DRF throttles) and a budget of failed token attempts per address.

* ``TokenRateThrottle``: requests per authenticated user, i.e. per integration token (or the
  admin user calling from the docs page).
* ``AnonymousRateThrottle``: requests without credentials, per client address.
* ``TokenAuthentication``: DRF's token authentication, refusing (429) an address that has sent
  too many wrong tokens lately, so tokens cannot be guessed at speed. DRF authenticates before it
  throttles, so a wrong token would otherwise never meet a throttle.

* The token and its user (with the user's permissions, which Django caches on the user) are kept
  per process for ``settings.API_TOKEN_CACHE_SECONDS`` after they were read: a deleted token, a
  deactivated user or a withdrawn permission takes effect within that time (at once with 0).
  Wrong tokens are never kept: each one is looked up and counted.

Rates come from ``settings.API_THROTTLE_RATES`` (read at each request, so the environment and
tests can change them). Counters live in the ``shared`` cache (the database by default): every
web process sees the same counts. The client address is ``REMOTE_ADDR``, or the proxy's
``X-Forwarded-For`` entry when ``BEHIND_PROXY`` (``REST_FRAMEWORK["NUM_PROXIES"]``).
"""

import threading
import time

from django.conf import settings
from django.core.cache import caches
from rest_framework import authentication, exceptions, throttling

SHARED_CACHE = "shared"


class _SettingsRate:
    """Reads the scope's rate from ``settings.API_THROTTLE_RATES`` and counts in the shared cache."""

    scope: str

    @property
    def cache(self):
        return caches[SHARED_CACHE]

    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)


class _SlicedRate(_SettingsRate, throttling.SimpleRateThrottle):
    """DRF's sliding window, counted in ``SLICES`` time slices per window instead of one timestamp
    per request: the stored value stays a few dozen numbers (a token at 3000/min would otherwise
    write a list of up to 3,000 floats on every request). A slice counts while any part of it is
    inside the window, so the count is never below DRF's: never more lenient, at most one slice
    (a sixtieth of the window) stricter."""

    SLICES = 60

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        self.width = self.duration / self.SLICES
        current = int(self.now // self.width)
        # [[slice, count], ...], newest first; a slice is kept while it ends inside the window.
        read_ahead = getattr(request, "_counts_read", {})
        stored = read_ahead[self.key] if self.key in read_ahead else self.cache.get(self.key, [])
        self.history = [entry for entry in stored if entry[0] >= current - self.SLICES]
        if sum(count for _slice, count in self.history) >= self.num_requests:
            return self.throttle_failure()
        if self.history and self.history[0][0] == current:
            self.history[0][1] += 1
        else:
            self.history.insert(0, [current, 1])
        self.cache.set(self.key, self.history, self.duration)
        return True

    def wait(self):
        """Seconds until the oldest counted slice leaves the window."""
        if not self.history:
            return self.duration
        return max(0.0, (self.history[-1][0] + 1) * self.width + self.duration - self.now)


class TokenRateThrottle(_SlicedRate):
    scope = "token"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonymousRateThrottle(_SlicedRate):
    scope = "anonymous"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class FailedTokenThrottle(_SettingsRate, throttling.SimpleRateThrottle):
    """Counts wrong tokens per address; an address over its budget is refused before its token is
    even looked up."""

    scope = "failed_token"

    def get_cache_key(self, request, view=None):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def exhausted(self, request, *, read_with: str | None = None) -> bool:
        """Whether the address is over its budget. ``read_with``: another count's key, read in the
        same statement and left on the request for its throttle (``request._counts_read``)."""
        self.key = self.get_cache_key(request)
        if read_with is None:
            self.history = self.cache.get(self.key, [])
        else:
            found = self.cache.get_many([self.key, read_with])
            self.history = found.get(self.key, [])
            request._counts_read = {read_with: found.get(read_with, [])}
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests

    def record_failure(self) -> None:
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


#: The per-process token cache: key → (user, token, monotonic time it expires). Bounded: when full
#: it is emptied, so a flood of distinct valid tokens costs look-ups, never memory.
_tokens: dict[str, tuple] = {}
_tokens_lock = threading.Lock()
TOKEN_CACHE_SIZE = 1000
_clock = time.monotonic


def token_cache_clear() -> None:
    with _tokens_lock:
        _tokens.clear()


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        ttl = settings.API_TOKEN_CACHE_SECONDS
        if ttl <= 0:
            return super().authenticate_credentials(key)
        now = _clock()
        cached = _tokens.get(key)
        if cached is not None and cached[2] > now:
            return cached[0], cached[1]
        user, token = super().authenticate_credentials(key)  # raises for a wrong key or inactive user
        with _tokens_lock:
            if len(_tokens) >= TOKEN_CACHE_SIZE:
                _tokens.clear()
            _tokens[key] = (user, token, now + ttl)
        return user, token

    def authenticate(self, request):
        header = authentication.get_authorization_header(request)
        if not header:
            return None
        budget = FailedTokenThrottle()
        if budget.exhausted(request, read_with=self._kept_user_count(header)):
            raise exceptions.Throttled(budget.wait())
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            budget.record_failure()
            raise

    def _kept_user_count(self, header: bytes) -> str | None:
        """The request-rate key of the user of a token this process keeps (so that its count is read
        with the address's budget, one statement), else None."""
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower().encode():
            return None
        cached = _tokens.get(parts[1].decode(errors="replace"))
        if cached is None or cached[2] <= _clock():
            return None
        return TokenRateThrottle.cache_format % {"scope": TokenRateThrottle.scope, "ident": cached[0].pk}
