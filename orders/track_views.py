"""The public "where is my order" pages (``/track/``): look-up, the order's story, after-sales.

No login: a buyer proves an order is theirs by its number and the last four digits of the phone.
A good pair lets this browser session see that order for ``GRANT_SECONDS`` (the order's page,
its return form); nothing in a URL alone opens an order. Look-ups are counted per client address
and per number typed (``core.rate_limits``), so numbers and tails cannot be tried at speed; a
wrong pair gets exactly the answer an unknown number gets.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.rate_limits import RateLimit, client_address
from orders.models import Order
from orders.returns_models import ReturnKind, ReturnReason, ReturnSource, ReturnStatus
from orders.services.errors import OrderActionRefused
from orders.services.returns import (
    CUSTOMER_RETURNABLE,
    RequestedLine,
    return_request_create,
    return_ship_back,
    returned_quantities,
)
from orders.tracking import NUMBER_LIMIT, order_lookup, public_order, valid_tail

GRANT_SECONDS = 60 * 60
SESSION_KEY = "track_grants"
#: An upload larger than this is refused unread (the page shrinks photos to a few hundred KB).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _limits() -> tuple[RateLimit, RateLimit, RateLimit]:
    return (
        RateLimit("track", settings.TRACKING_RATE),
        RateLimit("track_failed", settings.TRACKING_FAILED_RATE),
        RateLimit("track_number", settings.TRACKING_NUMBER_FAILED_RATE),
    )


def _too_many(request, wait: int):
    minutes = max(1, (wait + 59) // 60)
    message = _("查询太频繁，请 %(minutes)d 分钟后再试") % {"minutes": minutes}
    response = render(request, "track/lookup.html", {"error": message, "limited": True}, status=429)
    response["Retry-After"] = str(wait)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    if request.method == "GET":
        return render(request, "track/lookup.html", {})
    number = request.POST.get("number", "").strip()[: NUMBER_LIMIT + 1]
    tail = request.POST.get("tail", "").strip()
    address = client_address(request) or "unknown"
    every, failed, per_number = _limits()
    key_number = number.upper()
    for limit, ident in ((every, address), (failed, address), (per_number, key_number)):
        if limit.exceeded(ident):
            return _too_many(request, limit.wait_seconds(ident))
    every.hit(address)
    context = {"number": number, "tail": tail}
    if not number or len(number) > NUMBER_LIMIT:
        return render(request, "track/lookup.html", {**context, "error": _("请输入订单号")}, status=400)
    if not valid_tail(tail):
        return render(request, "track/lookup.html", {**context, "error": _("请输入手机号后四位数字")}, status=400)
    order = order_lookup(number=number, tail=tail)
    if order is None:
        failed.hit(address)
        per_number.hit(key_number)
        # The same words whether the number is unknown or the tail is wrong.
        return render(request, "track/lookup.html", {**context, "error": _("没有找到订单，请核对订单号和手机号后四位")})
    grants = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if v > time.time()}
    grants[str(order.pk)] = time.time() + GRANT_SECONDS
    request.session[SESSION_KEY] = grants
    return redirect("track:order", number=order.number)


def _granted(request, number: str) -> Order | None:
    order = Order.objects.filter(number=number).select_related("channel").first()
    if order is None:
        return None
    expires = request.session.get(SESSION_KEY, {}).get(str(order.pk), 0)
    return order if expires > time.time() else None


def _lost(request):
    messages.info(request, _("请输入订单号和手机号后四位查询"))
    return redirect("track:lookup")


@never_cache
def order_page(request, number: str):
    order = _granted(request, number)
    if order is None:
        return _lost(request)
    shown = public_order(order)
    may_return = order.status in CUSTOMER_RETURNABLE and _returnable_lines(order)
    station, steps = _station(order)
    return render(request, "track/order.html", {
        "o": shown, "may_return": may_return, "station": station, "station_steps": steps,
    })


def _station(order: Order) -> tuple[object | None, list]:
    """A group-buy order's pickup station and its stages (issue 12's ``Order.station`` and
    ``orders.stations.pickup_steps``); (None, []) for a parcel order, or before stations exist."""
    station = getattr(order, "station", None)
    if station is None:
        return None, []
    from orders.stations import pickup_steps

    return station, pickup_steps(order.status)


def _returnable_lines(order: Order) -> list[tuple]:
    taken = returned_quantities(order)
    return [(line, line.quantity - taken.get(line.pk, 0)) for line in order.lines.all()
            if line.quantity - taken.get(line.pk, 0) > 0]


def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 7 else None


@never_cache
@require_http_methods(["GET", "POST"])
def return_form(request, number: str):
    order = _granted(request, number)
    if order is None:
        return _lost(request)
    lines = _returnable_lines(order)
    context = {
        "order": order, "lines": lines, "kinds": ReturnKind.choices, "reasons": ReturnReason.choices,
        "photo_limit": settings.RETURN_PHOTO_LIMIT, "form": request.POST,
    }
    if order.status not in CUSTOMER_RETURNABLE or not lines:
        messages.error(request, _("这个订单现在不能申请售后"))
        return redirect("track:order", number=order.number)
    if request.method == "GET":
        return render(request, "track/return_form.html", context)
    wanted, problems = [], []
    for line, _left in lines:
        if request.POST.get(f"line_{line.pk}") != "on":
            continue
        quantity = _int(request.POST.get(f"quantity_{line.pk}", "1"))
        if quantity is None:
            problems.append(_("数量须是正整数"))
            continue
        wanted.append(RequestedLine(line.pk, quantity, request.POST.get(f"exchange_{line.pk}", "")))
    uploads = request.FILES.getlist("photos")
    if any(upload.size > MAX_UPLOAD_BYTES for upload in uploads):
        problems.append(_("照片文件过大，请压缩后再传"))
    if problems:
        return render(request, "track/return_form.html", {**context, "error": problems[0]}, status=400)
    try:
        created = return_request_create(
            order=order, kind=request.POST.get("kind", ""), reason=request.POST.get("reason", ""),
            lines=wanted, description=request.POST.get("description", ""),
            photos=[upload.read() for upload in uploads], source=ReturnSource.CUSTOMER,
        )
    except OrderActionRefused as exc:
        return render(request, "track/return_form.html", {**context, "error": exc.message}, status=400)
    messages.success(request, _("售后申请 %(number)s 已提交，客服审核后会通知您") % {"number": created.number})
    return redirect("track:order", number=order.number)


@never_cache
@require_POST
def ship_back(request, number: str, return_number: str):
    order = _granted(request, number)
    if order is None:
        return _lost(request)
    request_obj = order.returns.filter(number=return_number, status=ReturnStatus.APPROVED).first()
    if request_obj is None:
        messages.error(request, _("找不到这张售后单"))
        return redirect("track:order", number=order.number)
    try:
        return_ship_back(
            request=request_obj, carrier=request.POST.get("carrier", ""),
            tracking_number=request.POST.get("tracking_number", ""),
        )
    except OrderActionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已登记退回运单号，仓库收到后会尽快验收"))
    return redirect(reverse("track:order", args=[order.number]) + "#returns")
