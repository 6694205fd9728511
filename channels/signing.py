"""Webhook signatures: HMAC-SHA256 over "<timestamp>." + the raw body, with the shop's secret.

Headers: ``X-OMS-Timestamp`` (Unix seconds) and ``X-OMS-Signature`` (hex digest). A message
older (or further in the future) than ``MAX_SKEW`` is refused, so a captured request cannot be
replayed later, and the same signed request twice within that window is refused by the webhook
view (the inbox keeps each webhook signature once). After a rotation the previous secret still
verifies until ``previous_secret_until``.

Headers come from anyone: a timestamp is read only when it is 1–12 ASCII digits and a signature
only when it is 64 hex digits, so no header can make the check itself fail.
"""

import hashlib
import hmac
import re
import time

from django.utils import timezone

TIMESTAMP_HEADER = "X-OMS-Timestamp"
SIGNATURE_HEADER = "X-OMS-Signature"
MAX_SKEW = 300  # seconds
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


def normalized_signature(given: str) -> str:
    """The signature header as it is compared and kept: trimmed, lower-case hex."""
    return (given or "").strip().lower()


def signature(secret: str, body: bytes, timestamp: int | str) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers a sender adds to ``body`` (used by the simulator, the demo and the tests)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, body, timestamp)}


def verify(channel, body: bytes, timestamp: str | None, given: str | None, *, now: float | None = None) -> str:
    """"" when the signature is good and fresh, else why not: "missing", "stale" or "bad"."""
    if not timestamp or not given:
        return "missing"
    given = normalized_signature(given)
    if not _TIMESTAMP.fullmatch(timestamp.strip()) or not _SIGNATURE.fullmatch(given):
        return "bad"
    sent = int(timestamp)
    now = time.time() if now is None else now
    if abs(now - sent) > MAX_SKEW:
        return "stale"
    secrets = [channel.webhook_secret]
    if channel.previous_secret and channel.previous_secret_until and channel.previous_secret_until > timezone.now():
        secrets.append(channel.previous_secret)
    for secret in secrets:
        if hmac.compare_digest(signature(secret, body, sent), given):
            return ""
    return "bad"
