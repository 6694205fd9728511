"""Requests refused before any view sees them, each with a 4xx instead of a 500 further in.

* A NUL character (``\\0``) in the path, the query string, a header or a cookie: PostgreSQL text
  cannot hold one, so any look-up with it fails as a database error. Nothing we serve needs it.
* A body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` sent to the API: the API's JSON error 413
  (Django would answer its own HTML 400 once the body is read).

Under ``API_PATH_PREFIX`` the answer is the API's JSON error ``{"code", "message"}``; elsewhere plain text.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _


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
