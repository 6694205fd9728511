"""How a floor action answers.

The page's script (static/floor/scan.js) sends actions with the header ``X-Floor-Fetch: 1`` and
gets JSON: ``{"ok", "code", "message", "panel"?, "redirect"?}``, where ``panel`` is the page's
live part re-rendered by the same template the full page uses. Without the script, the same view
answers the form post with a redirect and a message (post/redirect/get).
"""

import re
import uuid

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

FETCH_HEADER = "X-Floor-Fetch"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")

#: HTTP status for a refusal, by its kind.
STATUS = {"refused": 422, "conflict": 409, "forbidden": 403, "bad_request": 400}


class BadRequestId(ValueError):
    pass


def wants_json(request) -> bool:
    return request.headers.get(FETCH_HEADER) == "1"


def new_request_id() -> str:
    """A request id for a form rendered on the server; the script replaces it per scan."""
    return uuid.uuid4().hex


def request_id_from(request) -> str:
    """The client's id for this action (the same on every retry of it). Refuses a missing or
    malformed one: applying an action once depends on it."""
    value = request.POST.get("request_id", "")
    if not _REQUEST_ID.match(value):
        raise BadRequestId(_("缺少有效的请求编号，请刷新页面后重试"))
    return value


def answer(
    request,
    *,
    ok: bool,
    message: str,
    next_url: str,
    code: str = "",
    kind: str = "refused",
    panel: tuple[str, dict] | None = None,
    redirect: bool = False,
    extra: dict | None = None,
) -> HttpResponse:
    """The answer to one action. ``panel`` is (template, context) of the page's live part, sent to
    the script; ``redirect`` makes the script go to ``next_url`` (the step is finished)."""
    if wants_json(request):
        payload = {"ok": ok, "code": code or ("ok" if ok else kind), "message": message, **(extra or {})}
        if panel is not None:
            template, context = panel
            payload["panel"] = render_to_string(template, context, request=request)
        if redirect:
            payload["redirect"] = next_url
        return JsonResponse(payload, status=200 if ok else STATUS.get(kind, 422))
    if message:
        (messages.success if ok else messages.error)(request, message)
    return HttpResponseRedirect(next_url)


#: Refusals because the world moved on (a cancel, a colleague): 409; the rest of a service's
#: refusals are about the input (wrong item, bad weight): 422.
_CONFLICTS = {
    "order_cancelled", "order_moved_on", "concurrent_change", "wave_not_active", "transition_not_allowed",
    "label_refused", "label_void",
}
_FORBIDDEN = {"not_your_warehouse", "permission_denied", "login_required"}


def refused(request, exc, *, next_url: str, panel: tuple[str, dict] | None = None) -> HttpResponse:
    """The answer to a service's refusal (``FloorRefused``, ``OrderActionRefused``): its message,
    its code, and the page's live part as it now is."""
    code = getattr(exc, "code", "refused")
    kind = "conflict" if code in _CONFLICTS else "forbidden" if code in _FORBIDDEN else "refused"
    return answer(request, ok=False, message=exc.message, code=code, kind=kind, next_url=next_url, panel=panel)


def bad_request(request, message: str, *, next_url: str) -> HttpResponse:
    return answer(request, ok=False, message=message, code="bad_request", kind="bad_request", next_url=next_url)
