"""The webhook endpoint: platforms push signed order messages into the raw inbox.

Kept lean on purpose (a plain Django view, not DRF): one read of the channel, the signature check,
then one statement writing the inbox row and waking the worker (a drain task, queued once per
burst: ``channels.services.queue``). Parsing and intake happen in the worker, by the batch
(``channels.services.drain``). Every refusal is a JSON error
``{"code", "message"}`` (the API's shape, see ``core.api_errors``) and writes nothing.
"""

import contextlib
import functools

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, connection, transaction
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from channels import signing
from channels.models import REPLAY_CONSTRAINT, Channel, InboxMessage, InboxSource
from channels.services.inbox import inbox_accept
from core.sql import prepared

#: The largest body taken (bytes); real order messages are a few KiB.
MAX_BODY = 1024 * 1024
#: Request headers kept with the message (as ``request.META`` keys → stored names).
KEPT_HEADERS = {
    "CONTENT_TYPE": "Content-Type",
    "HTTP_USER_AGENT": "User-Agent",
    "HTTP_X_OMS_TIMESTAMP": signing.TIMESTAMP_HEADER,
    "HTTP_X_OMS_SIGNATURE": signing.SIGNATURE_HEADER,
    "HTTP_X_REQUEST_ID": "X-Request-Id",
    "HTTP_X_FORWARDED_FOR": "X-Forwarded-For",
}
_CHANNEL_FIELDS = ("id", "code", "platform", "webhook_secret", "previous_secret", "previous_secret_until")


def _channel(code: str) -> Channel | None:
    """The active channel with what the signature check needs, in one query whose SQL is built
    once (the ORM would compile the same query on every request). On PostgreSQL the same query
    draws the id the inbox row will get (a refused request leaves a gap in the ids, nothing else),
    so that the row and its task can then be written with one statement."""
    with connection.cursor() as cursor:
        cursor.execute(_channel_sql(connection.vendor), [code])
        row = cursor.fetchone()
    if row is None:
        return None
    values = {}
    for name, value, (column, converters) in zip(_CHANNEL_FIELDS, row, _converters(connection.vendor), strict=False):
        for convert in converters:
            value = convert(value, column, connection)
        values[name] = value
    channel = Channel(**values, active=True)
    channel._state.adding, channel._state.db = False, connection.alias
    channel.next_inbox_id = row[len(_CHANNEL_FIELDS)] if len(row) > len(_CHANNEL_FIELDS) else None
    return channel


@functools.cache
def _converters(vendor: str) -> list:
    """Per selected field, (column, the database backend's converters): e.g. SQLite's for times."""
    columns = [Channel._meta.get_field(name).get_col(Channel._meta.db_table) for name in _CHANNEL_FIELDS]
    return [(column, connection.ops.get_db_converters(column)) for column in columns]


@functools.cache
def _channel_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Channel._meta.get_field(name).column) for name in _CHANNEL_FIELDS)
    inbox = InboxMessage._meta.db_table
    next_id = f", nextval(pg_get_serial_sequence('{inbox}', 'id'))" if vendor == "postgresql" else ""
    # Only the models' own table and column names are interpolated; the code is a parameter.
    return (
        f"SELECT {columns}{next_id} FROM {quote(Channel._meta.db_table)} "  # noqa: S608
        f"WHERE {quote('code')} = %s AND {quote('active')}"
    )


def _error(status: int, code: str, message: str, **headers) -> JsonResponse:
    response = JsonResponse({"code": code, "message": message}, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _too_large() -> JsonResponse:
    return _error(413, "payload_too_large", _("请求体超过 %(size)s 字节的上限") % {"size": MAX_BODY})


def _signature_error(reason: str) -> JsonResponse:
    messages = {
        "missing": (
            "signature_missing",
            _("缺少签名：请求需带 %(ts)s 和 %(sig)s 请求头")
            % {"ts": signing.TIMESTAMP_HEADER, "sig": signing.SIGNATURE_HEADER},
        ),
        "stale": (
            "signature_expired",
            _("签名时间戳与服务器时间相差超过 %(seconds)s 秒，请用当前时间重新签名") % {"seconds": signing.MAX_SKEW},
        ),
        "bad": ("signature_invalid", _("签名不正确")),
    }
    code, message = messages[reason]
    return _error(401, code, message, WWW_Authenticate='OMS-HMAC-SHA256 realm="webhook"')


@csrf_exempt
@prepared()
def webhook(request, code: str):
    """``POST /channels/<code>/webhook``: 202 ``{"inbox_id": id}`` once the raw body is stored."""
    if request.method != "POST":
        return _error(405, "method_not_allowed", _("只接受 POST 请求"), Allow="POST")
    channel = _channel(code)
    if channel is None:
        return _error(404, "not_found", _("渠道 %(code)s 不存在或已停用") % {"code": code})
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
            return _too_large()
        body = request.body
    except (ValueError, RequestDataTooBig):
        return _too_large()
    if len(body) > MAX_BODY:
        return _too_large()
    meta = request.META
    reason = signing.verify(channel, body, meta.get("HTTP_X_OMS_TIMESTAMP"), meta.get("HTTP_X_OMS_SIGNATURE"))
    if reason:
        return _signature_error(reason)
    headers = {name: meta[key] for key, name in KEPT_HEADERS.items() if meta.get(key)}
    # Kept as compared, so that the inbox's one-row-per-signature rule sees "AB…" and "ab…" as one.
    headers[signing.SIGNATURE_HEADER] = signing.normalized_signature(headers[signing.SIGNATURE_HEADER])
    # PostgreSQL text holds neither NUL nor invalid UTF-8; such a body is broken JSON anyway, and
    # it is kept (visibly replaced) so that the inbox shows what arrived.
    text = body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    # In autocommit (a web request) the write is one statement that fails whole; inside a caller's
    # transaction a savepoint keeps a refused replay from spoiling it.
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with guard:
            message = inbox_accept(
                channel=channel, body=text, source=InboxSource.WEBHOOK, headers=headers,
                message_id=channel.next_inbox_id,
            )
    except IntegrityError as exc:
        if REPLAY_CONSTRAINT not in str(exc):
            raise
        return _error(
            409,
            "signature_replayed",
            _("这个请求已收到过（同一签名只收一次），本次未保存；新的推送请用当前时间重新签名"),
        )
    return JsonResponse({"inbox_id": message.pk}, status=202)
