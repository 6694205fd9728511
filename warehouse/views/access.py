"""Who may use the floor pages. Every view is wrapped here; the warehouse of each task is checked
again in the view itself (and by the service) against the picker's own warehouses."""

import functools

from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from warehouse.views.respond import wants_json


def floor_login_required(view):
    """Anonymous visitors go to the floor's login page (the script gets a 401 with where to go)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        login_url = reverse("floor:login")
        if wants_json(request) or request.headers.get("Accept") == "application/json":
            return JsonResponse(
                {"ok": False, "code": "login_required", "message": _("请先登录"), "redirect": login_url}, status=401
            )
        return redirect_to_login(request.get_full_path(), login_url)

    return wrapped


def not_yours(request, message: str | None = None):
    """A task, order or parcel that does not exist or is in another warehouse: the same answer
    for both, so a URL cannot tell a picker what other warehouses hold."""
    message = message or _("找不到这个任务，或它不属于你的仓库")
    if wants_json(request):
        return JsonResponse({"ok": False, "code": "not_found", "message": message}, status=404)
    return render(request, "floor/refused.html", {"message": message}, status=404)
