"""The one way the channels app calls a platform over HTTP: ``call(base_url, request)`` → the
decoded JSON object. Standard library only (urllib).

Anything that means "try again later" — no connection, a timeout, a 5xx or 429 answer, a body
that is not a JSON object — raises ``PlatformUnavailable`` with a message for the person who
reads the outbox or the polling log. A 4xx answer with a JSON body is returned as is: it is the
platform refusing the call, and the adapter's ``check_*``/``parse_*`` reads its reason.
"""

import http.client
import json
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlsplit

from django.utils.translation import gettext as _

from channels.connectors.base import Request

#: Answers larger than this are refused rather than read into memory.
MAX_BODY = 20 * 1024 * 1024
USER_AGENT = "oms-channels/1.0"


class PlatformUnavailable(Exception):
    """The platform could not be reached or did not answer usefully; retrying later may work."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


def call(base_url: str, request: Request, timeout: float = 10) -> dict:
    """Send ``request`` to ``base_url`` + ``request.path`` and return the JSON object it answers."""
    url = _url(base_url, request)
    body = None
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if request.json is not None:
        body = json.dumps(request.json, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers["Content-Type"] = "application/json; charset=utf-8"
    elif request.method.upper() != "GET":
        body = b""
    http_request = urllib.request.Request(url, data=body, headers=headers, method=request.method.upper())  # noqa: S310
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as response:  # noqa: S310 (http(s) checked in _url)
            status, raw = response.status, _read(response)
    except urllib.error.HTTPError as exc:
        status = exc.code
        try:
            raw = _read(exc)
        except OSError:
            raw = b""
        finally:
            exc.close()
        if status >= 500 or status == 429:
            raise PlatformUnavailable(
                _("平台暂时不可用（HTTP %(status)s）：%(url)s") % {"status": status, "url": _where(url)}, status=status
            ) from None
    except TimeoutError:
        raise PlatformUnavailable(_("平台 %(seconds)s 秒内没有响应：%(url)s") % {
            "seconds": timeout, "url": _where(url)}) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise PlatformUnavailable(_("平台 %(seconds)s 秒内没有响应：%(url)s") % {
                "seconds": timeout, "url": _where(url)}) from None
        raise PlatformUnavailable(_("连不上平台：%(url)s（%(reason)s）") % {"url": _where(url), "reason": reason}) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise PlatformUnavailable(
            _("平台返回的不是 JSON 对象（HTTP %(status)s）：%(url)s") % {"status": status, "url": _where(url)},
            status=status,
        )
    return data


def _url(base_url: str, request: Request) -> str:
    base = (base_url or "").strip()
    if urlsplit(base).scheme not in ("http", "https") or not urlsplit(base).netloc:
        raise PlatformUnavailable(_("渠道的接口地址无效：%(url)s") % {"url": base or "-"})
    url = base.rstrip("/") + "/" + request.path.lstrip("/")
    params = {k: v for k, v in request.params.items() if v is not None}
    if params:
        url += ("&" if "?" in url else "?") + urlencode(params)
    return url


def _read(response) -> bytes:
    raw = response.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise PlatformUnavailable(_("平台返回的内容过大"))
    return raw


def _where(url: str) -> str:
    """The URL without its query (which carries tokens) for messages and logs."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
