"""``Idempotency-Key`` for API POSTs: a retried request gets the first answer again.

The first request with a key claims it by inserting an ``IdempotencyRecord`` (unique per user and
key; ``INSERT … ON CONFLICT DO NOTHING RETURNING``, one statement whether it wins or not) before
doing any work, then stores its answer there (one ``UPDATE``): two statements on the way of a new
request, beside the work's own transaction. A later request with the same key:

* and the same body (same method, path and JSON, key order and spacing aside) gets the stored
  status and body again, with the header ``Idempotent-Replayed: true``, and nothing runs twice;
* and a different body gets 409 ``idempotency_key_reused``;
* while the first is still running gets 409 ``idempotency_in_progress`` (retry shortly).

Only successful (2xx) answers are stored. A refused request (400, 409, 5xx) releases its claim,
so the client can fix the body or wait and retry with the same key. Two concurrent requests with
one key race on the unique constraint; the loser's insert does nothing and it reads the winner's
record. A claim left by a
process that died mid-request is taken over after ``CLAIM_TIMEOUT``. On PostgreSQL the claim, the
stored answer and a release commit without waiting for the disk (``core.sql.async_commit_source``):
the order's own commit, which waits, puts the claim before it on disk too; a crash right after
an answer may lose the stored answer, and the retry then gets 409 in progress until the claim is
taken over, then the same order as a duplicate (200), as after a crash between the order's commit
and the store. Records are purged with
``manage.py purge_idempotency_keys`` (``idempotency_purge``).
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_errors import ApiError, Conflict
from core.sql import async_commit_source
from orders.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
CLAIM_TIMEOUT = timedelta(minutes=5)
DEFAULT_RETENTION = timedelta(hours=24)


def request_fingerprint(request: Request) -> str:
    """SHA-256 of method, path and the parsed JSON body in canonical form."""
    body = json.dumps(request.data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent_response(request: Request, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` once per (user, Idempotency-Key); without the header just run it."""
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiError(
            _("Idempotency-Key 必须是 1 到 %(n)d 个字符") % {"n": MAX_KEY_LENGTH},
            code="invalid_idempotency_key",
        )
    fingerprint = request_fingerprint(request)
    pk, earlier = _claim(user=request.user, key=key, fingerprint=fingerprint)
    if earlier is not None:
        return _replay(earlier, fingerprint)
    try:
        response = handler()
    except BaseException:
        _release(pk)
        raise
    if 200 <= response.status_code < 300:
        _store(pk, response)
    else:
        _release(pk)
    return response


def _table() -> str:
    return connection.ops.quote_name(IdempotencyRecord._meta.db_table)


def _find(*, user, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=user, key=key).first()


def _insert(*, user, key: str, fingerprint: str) -> int | None:
    """Claim the key in one statement: the new record's id, or None if the key is already taken."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    source = async_commit_source()
    values = f"SELECT %s, %s, %s, %s FROM {source}" if source else "VALUES (%s, %s, %s, %s)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table()} (user_id, key, request_hash, created_at) {values} "  # noqa: S608
            "ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
            [user.pk, key, fingerprint, now],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _claim(*, user, key: str, fingerprint: str) -> tuple[int | None, IdempotencyRecord | None]:
    """(the new record's id, None) when this request now owns the key and must do the work, or
    (None, the earlier request's record) when it does not."""
    for _attempt in range(3):
        pk = _insert(user=user, key=key, fingerprint=fingerprint)
        if pk is not None:
            return pk, None
        record = _find(user=user, key=key)
        if record is None:
            continue  # released by its request (refused) between our insert and this read: claim again
        if record.response_status is None and record.created_at < timezone.now() - CLAIM_TIMEOUT:
            # Abandoned by a process that died mid-request; remove it only if still abandoned.
            IdempotencyRecord.objects.filter(pk=record.pk, response_status__isnull=True).delete()
            continue
        return None, record
    raise _in_progress()


def _store(pk: int, response: Response) -> None:
    """The answer kept for replays, in one ``UPDATE`` (the body as the JSON the client got)."""
    body = JSONRenderer().render(response.data).decode()
    value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    source = async_commit_source()
    from_source = f" FROM {source}" if source else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET response_status = %s, response_body = {value}{from_source} WHERE id = %s",  # noqa: S608
            [response.status_code, body, pk],
        )


def _release(pk: int) -> None:
    source = async_commit_source()
    using = f" USING {source}" if source else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table()}{using} WHERE id = %s", [pk])  # noqa: S608


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        raise Conflict(
            _("这个 Idempotency-Key 已用于另一个不同的请求；新请求请换一个新的键"),
            code="idempotency_key_reused",
        )
    if record.response_status is None:
        raise _in_progress()
    return Response(
        record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"}
    )


def _in_progress() -> Conflict:
    return Conflict(
        _("使用这个 Idempotency-Key 的请求仍在处理中，请稍后重试"), code="idempotency_in_progress"
    )


def idempotency_purge(*, older_than: timedelta = DEFAULT_RETENTION) -> int:
    """Delete records older than ``older_than``; returns how many. A purged key can be used anew."""
    deleted, _per_model = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
