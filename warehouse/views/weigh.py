"""The scale: the packed parcel's weight typed, scanned, or sent by a USB scale acting as a
keyboard, checked against the expected weight; a supervisor may let a flagged parcel through.
A cleared parcel gets its label at once (the service issues the waybill); the page shows it, with
the links to print it, or why it was refused, with a retry."""

import re
from decimal import Decimal, InvalidOperation

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orders.states import OrderStatus
from warehouse.floor_selectors import LIST_LIMIT, parcels_to_weigh, slot_of
from warehouse.models import FloorPhoto, FloorStep, Parcel, Shipment, ShipmentStatus
from warehouse.selectors import order_for
from warehouse.services import FloorRefused, parcel_label, parcel_weigh, parcel_weigh_override
from warehouse.views.access import floor_login_required, not_yours
from warehouse.views.respond import (
    BadRequestId,
    answer,
    bad_request,
    new_request_id,
    refused,
    request_id_from,
)

#: What people and scales type: "1234", "1234 g", "1.234kg", "ST,GS,+0001.234kg" (a status prefix).
_WEIGHT = re.compile(r"^(?:[A-Z]{2},[A-Z]{2},)?\+?\s*([0-9]{1,7}(?:\.[0-9]{1,4})?)\s*(kg|g)?$", re.IGNORECASE)


def parse_weight_g(text: str) -> int | None:
    """Grams from what was typed or sent by a scale: a unit is honoured; without one a whole
    number is grams and a decimal is kilograms (how scales print). None when unreadable."""
    found = _WEIGHT.match((text or "").strip())
    if found is None:
        return None
    number, unit = found.group(1), (found.group(2) or "").lower()
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None
    if unit == "kg" or (not unit and "." in number):
        value *= 1000
    grams = int(value.to_integral_value())
    return grams if grams > 0 else None


def _label(order, parcel) -> dict:
    """The label as the page shows it: the issued shipment (carrier, service, 三段码, 集包地) when it
    is the one recorded on the parcel; else nothing, and the page offers to issue it."""
    if parcel is None or not parcel.waybill:
        return {}
    shipment = (
        Shipment.objects.filter(order=order, status=ShipmentStatus.ISSUED, waybill_number=parcel.waybill)
        .select_related("carrier", "service")
        .first()
    )
    manual = shipment is None and not Shipment.objects.filter(order=order).exists()
    if shipment is None and not manual:
        return {"label_void": True}
    return {"shipment": shipment, "label_ok": True, "privacy": order.needs_platform_waybill}


def _weigh_context(request, order) -> dict:
    parcel = Parcel.objects.filter(order=order).select_related("box").first()
    return {
        **_label(order, parcel),
        "order": order,
        "parcel": parcel,
        "link": slot_of(order),
        "cancelled": order.status == OrderStatus.CANCELLED,
        "may_override": request.user.has_perm("warehouse.override_weight_parcel"),
        "request_id": new_request_id(),
        "scan_action": reverse("floor:weigh_scan", args=[order.number]),
        "scan_label": _("称重（克），或接电子秤"),
        "typing_mode": "decimal",
    }


@floor_login_required
def weigh_page(request, number: str):
    order = order_for(request.user, number)
    if order is None:
        return not_yours(request)
    context = _weigh_context(request, order)
    context["photos"] = FloorPhoto.objects.filter(order=order, step=FloorStep.WEIGH)
    return render(request, "floor/weigh.html", context)


@require_POST
@floor_login_required
def weigh_scan_view(request, number: str):
    order = order_for(request.user, number)
    if order is None:
        return not_yours(request)
    next_url = reverse("floor:weigh", args=[order.number])
    try:
        request_id = request_id_from(request)
    except BadRequestId as exc:
        return bad_request(request, str(exc), next_url=next_url)
    weight = parse_weight_g(request.POST.get("code", ""))
    if weight is None:
        return bad_request(request, _("重量看不懂：请输入克数，如 1250（或 1.25kg）"), next_url=next_url)
    try:
        parcel = parcel_weigh(order=order, weight_g=weight, actor=request.user, request_id=request_id)
    except FloorRefused as exc:
        return _refused(request, order, exc, next_url=next_url)
    message = _("称重通过：%(actual)d 克（预计 %(expected)d 克）") % {
        "actual": parcel.weight_g, "expected": parcel.expected_weight_g,
    }
    return _answer_label(request, order, parcel, passed=message, next_url=next_url)


def _answer_label(request, order, parcel, *, passed: str = "", next_url: str):
    """The answer once the parcel is cleared (``passed`` says how): its label, or why none was
    issued (the weigh stands)."""
    panel = ("floor/_weigh_panel.html", _weigh_context(request, order))
    if parcel.waybill:
        message = _("面单已出，请打印贴好")
        return answer(request, ok=True, message=f"{passed}；{message}" if passed else message, next_url=next_url,
                      panel=panel)
    message = _("面单未出：%(reason)s") % {"reason": parcel.label_error or "?"}
    message = f"{passed}；{message}" if passed else message
    return answer(request, ok=False, message=message, code="label_refused", kind="conflict", next_url=next_url,
                  panel=panel)


def _refused(request, order, exc, *, next_url: str):
    order.refresh_from_db()
    return refused(request, exc, next_url=next_url, panel=("floor/_weigh_panel.html", _weigh_context(request, order)))


def _after_scale(request, number: str, act, *, passed: str = ""):
    """A parcel cleared by hand (``act(order)`` calls one service): the label, or the refusal."""
    order = order_for(request.user, number)
    if order is None:
        return not_yours(request)
    next_url = reverse("floor:weigh", args=[order.number])
    try:
        parcel = act(order)
    except FloorRefused as exc:
        return _refused(request, order, exc, next_url=next_url)
    return _answer_label(request, order, parcel, passed=passed, next_url=next_url)


@require_POST
@floor_login_required
def weigh_label_view(request, number: str):
    """Issue the cleared parcel's label again after a refusal (a rate added, the carrier back)."""
    return _after_scale(request, number, lambda order: parcel_label(order=order, actor=request.user))


@require_POST
@floor_login_required
def weigh_override_view(request, number: str):
    """A supervisor lets a flagged parcel through, with a reason (the service checks the right)."""
    reason = request.POST.get("reason", "")
    return _after_scale(
        request, number, lambda order: parcel_weigh_override(order=order, reason=reason, supervisor=request.user),
        passed=_("已放行"),
    )


@floor_login_required
def weigh_start(request):
    """称重台: the parcels waiting for the scale; scanning an execution sheet opens its parcel."""
    parcels = parcels_to_weigh(request.user)
    return render(request, "floor/weigh_start.html", {
        "parcels": parcels[:LIST_LIMIT],
        "count": parcels.count(),
        "request_id": new_request_id(),
        "scan_action": reverse("floor:pack_open"),
        "scan_label": _("扫执行单二维码 / 订单号"),
    })
