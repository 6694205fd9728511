"""Requests refused before any view sees them, each with a 4xx instead of a 500 further in, and
the statement timeout of web requests (``StatementTimeoutMiddleware``, below).

* A NUL character (``\\0``) in the path, the query string, a header or a cookie: PostgreSQL text
  cannot hold one, so any look-up with it fails as a database error. Nothing we serve needs it.
* A body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` sent to the API: the API's JSON error 413
  (Django would answer its own HTML 400 once the body is read).

Under ``API_PATH_PREFIX`` the answer is the API's JSON error ``{"code", "message"}``; elsewhere plain text.
"""

import logging
import weakref

from django.conf import settings
from django.db import OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_nul(request):
            return refuse(request, 400, "invalid", lambda: _("请求中含有 NUL 字符（\\0），无法处理"))
        if is_api(request) and body_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return refuse(request, 413, "payload_too_large", lambda: too_large_message())
        return self.get_response(request)


def has_nul(request) -> bool:
    if "\x00" in request.path or "\x00" in request.path_info:
        return True
    if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
        return True
    if any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items()):
        return True
    return any(
        isinstance(value, str) and "\x00" in value
        for key, value in request.META.items()
        if key.startswith("HTTP_") or key == "QUERY_STRING"
    )


def is_api(request) -> bool:
    return request.path.startswith(settings.API_PATH_PREFIX)


def body_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def too_large_message() -> str:
    return _("请求体超过 %(size)s 字节的上限") % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}


def refuse(request, status: int, code: str, message) -> HttpResponse:
    """The refusal in the request's language (this runs before ``LocaleMiddleware``)."""
    with translation.override(translation.get_language_from_request(request)):
        text = message()
    if is_api(request):
        return JsonResponse({"code": code, "message": text}, status=status, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


class StatementTimeoutMiddleware:
    """A runaway query stops with the request: on PostgreSQL, every statement a web request runs is
    cancelled after ``WEB_STATEMENT_TIMEOUT_MS`` (0: no limit), and the request answers 503 with a
    clear message in the user's language (the API's JSON error under ``API_PATH_PREFIX``, a short
    page elsewhere) instead of a 500.

    Only web requests pass through here: the background worker (qcluster), ``migrate`` and other
    commands run on connections this never touches. The limit is set once per database session
    (web processes keep their connections, ``DB_CONN_MAX_AGE``) and again whenever the setting or
    the session changes; inside a transaction already open (tests, ``ATOMIC_REQUESTS``) it is set
    for that transaction only (``SET LOCAL``), so it never outlives what opened it.
    """

    #: PostgreSQL's SQLSTATE for "canceling statement due to statement timeout" (query_canceled).
    QUERY_CANCELED = "57014"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout = settings.WEB_STATEMENT_TIMEOUT_MS
        if timeout and connection.vendor == "postgresql":
            apply_statement_timeout(connection, timeout)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (isinstance(exception, OperationalError) and self.is_timeout(exception)):
            return None
        log.warning("statement timeout (%s ms) on %s %s", settings.WEB_STATEMENT_TIMEOUT_MS, request.method,
                    request.path)
        message = _("查询超过 %(seconds)s 秒被中止。请缩小范围（加筛选条件或搜索）后重试。") % {
            "seconds": f"{settings.WEB_STATEMENT_TIMEOUT_MS / 1000:g}"
        }
        if is_api(request):
            return JsonResponse({"code": "query_timeout", "message": message}, status=503,
                                json_dumps_params={"ensure_ascii": False})
        return render(request, "query_timeout.html", {"message": message}, status=503)

    @classmethod
    def is_timeout(cls, exception: BaseException) -> bool:
        cause = exception.__cause__
        return getattr(cause, "sqlstate", None) == cls.QUERY_CANCELED


#: Database sessions (psycopg connections) and the timeout already set on each.
_applied: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def apply_statement_timeout(db, timeout_ms: int) -> None:
    """Set ``statement_timeout`` on ``db``'s session, or for its open transaction only. Sent on the
    driver's connection, beside Django's cursor: a session setting, not one of the request's
    queries (query counts asserted in tests stay the application's own)."""
    db.ensure_connection()
    session = db.connection
    if db.in_atomic_block:
        session.execute("SELECT set_config('statement_timeout', %s, true)", [f"{int(timeout_ms)}ms"])
        return
    if _applied.get(session) == timeout_ms:
        return
    session.execute("SELECT set_config('statement_timeout', %s, false)", [f"{int(timeout_ms)}ms"])
    _applied[session] = timeout_ms
