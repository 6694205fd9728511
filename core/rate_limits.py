"""Counting attempts per key in a time window, for pages outside the API (the public order
look-up): the same counters as the API throttles (the ``shared`` cache, the database by default,
so every web process sees the same counts) without DRF.

A rate is "N/s", "N/min", "N/hour" or "N/day". ``RateLimit.exceeded`` says whether a key has
used its budget; ``RateLimit.hit`` counts one attempt. Counts are a sliding window of timestamps,
as DRF keeps them.
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

SHARED_CACHE = "shared"
_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """"10/min" → (10, 60). Refuses (``ValueError``) anything else, so a typo in a setting fails loudly."""
    count, _slash, period = (rate or "").partition("/")
    if not count.strip().isdigit() or period.strip() not in _PERIODS:
        raise ValueError(f"not a rate: {rate!r} (use N/s, N/min, N/hour or N/day)")
    return int(count), _PERIODS[period.strip()]


def client_address(request) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind our own proxy (``BEHIND_PROXY``) the last
    ``X-Forwarded-For`` entry, the one that proxy added (earlier entries are the client's word)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "BEHIND_PROXY", False) and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR")


@dataclass(frozen=True)
class RateLimit:
    scope: str
    rate: str

    def _key(self, ident: str) -> str:
        # Hashed: the key may carry what a visitor typed (an order number); cache keys stay short and plain.
        digest = hashlib.sha256(ident.encode("utf-8", "replace")).hexdigest()[:32]
        return f"rate:{self.scope}:{digest}"

    def _history(self, ident: str, now: float) -> list[float]:
        _count, period = parse_rate(self.rate)
        return [at for at in caches[SHARED_CACHE].get(self._key(ident), []) if at > now - period]

    def exceeded(self, ident: str) -> bool:
        count, _period = parse_rate(self.rate)
        return len(self._history(ident, time.time())) >= count

    def wait_seconds(self, ident: str) -> int:
        """Seconds until the oldest counted attempt leaves the window (0 when not exceeded)."""
        count, period = parse_rate(self.rate)
        now = time.time()
        history = sorted(self._history(ident, now))
        if len(history) < count:
            return 0
        return max(1, int(history[-count] + period - now) + 1)

    def hit(self, ident: str) -> None:
        _count, period = parse_rate(self.rate)
        now = time.time()
        history = self._history(ident, now)
        history.append(now)
        caches[SHARED_CACHE].set(self._key(ident), history, period)

    def clear(self, ident: str) -> None:
        caches[SHARED_CACHE].delete(self._key(ident))
