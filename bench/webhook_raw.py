"""The raw baseline for ``bench/webhooks.py``: a minimal WSGI app (``gunicorn webhook_raw:app``).

Per request: the channel's secret from a per-process cache (loaded with one SELECT, reloaded on an
unknown code), the same HMAC-SHA256 and 300 s timestamp check as ``channels.signing``, then one
psycopg INSERT (autocommit) of the raw body into ``channels_inboxmessage`` and a 202 with its id.
No Django, no task row, no middleware: the floor our endpoint is measured against. Its rows are
written with status ``ignored`` so that no worker or sweep ever picks them up.
"""

import hashlib
import hmac
import json
import os
import threading
import time

import psycopg
from psycopg.types.json import Jsonb

MAX_BODY = 1024 * 1024
MAX_SKEW = 300
INSERT_SQL = (
    "INSERT INTO channels_inboxmessage (channel_id, source, body, headers, received_at, status, error, attempts,"
    " external_id, platform_status) VALUES (%s, 'webhook', %s, %s, now(), 'ignored', '', 0, '', '')"
    " RETURNING id"
)
_local = threading.local()
_secrets: dict[str, tuple[int, bytes]] = {}


def _connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return conn


def _channel(conn, code: str):
    if code not in _secrets:
        rows = conn.execute("SELECT code, id, webhook_secret FROM channels_channel WHERE active").fetchall()
        _secrets.update({c: (pk, secret.encode()) for c, pk, secret in rows})
    return _secrets.get(code)


def _reply(start_response, status: str, data: dict):
    raw = json.dumps(data).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(raw)))])
    return [raw]


def app(environ, start_response):
    parts = environ.get("PATH_INFO", "").strip("/").split("/")
    if environ["REQUEST_METHOD"] != "POST":
        return _reply(start_response, "405 Method Not Allowed", {"code": "method_not_allowed"})
    conn = _connection()
    channel = _channel(conn, parts[1]) if len(parts) == 3 and parts[0] == "channels" else None
    if channel is None:
        return _reply(start_response, "404 Not Found", {"code": "not_found"})
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY:
        return _reply(start_response, "413 Payload Too Large", {"code": "payload_too_large"})
    body = environ["wsgi.input"].read(length)
    timestamp = environ.get("HTTP_X_OMS_TIMESTAMP", "")
    given = environ.get("HTTP_X_OMS_SIGNATURE", "")
    try:
        fresh = abs(time.time() - int(timestamp)) <= MAX_SKEW
    except ValueError:
        fresh = False
    expected = hmac.new(channel[1], f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not (fresh and hmac.compare_digest(expected, given.strip().lower())):
        return _reply(start_response, "401 Unauthorized", {"code": "signature_invalid"})
    headers = {"Content-Type": environ.get("CONTENT_TYPE", ""), "X-OMS-Timestamp": timestamp, "X-OMS-Signature": given}
    text = body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    (inbox_id,) = conn.execute(INSERT_SQL, [channel[0], text, Jsonb(headers)]).fetchone()
    return _reply(start_response, "202 Accepted", {"inbox_id": inbox_id})
