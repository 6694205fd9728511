"""The dock: scanning a parcel's label (the waybill's Code 128) hands it to the carrier."""

from datetime import datetime, time

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from warehouse.floor_selectors import LIST_LIMIT, parcels_to_ship
from warehouse.models import Parcel
from warehouse.selectors import parcel_by_waybill
from warehouse.services import FloorRefused, parcel_ship
from warehouse.views.access import floor_login_required
from warehouse.views.respond import (
    BadRequestId,
    answer,
    bad_request,
    new_request_id,
    refused,
    request_id_from,
)


def _ship_context(request) -> dict:
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    mine = Parcel.objects.filter(shipped_by=request.user, shipped_at__gte=midnight)
    waiting = parcels_to_ship(request.user)
    return {
        "waiting": waiting.count(),
        "waiting_parcels": waiting[:LIST_LIMIT],
        "shipped_today": mine.count(),
        "recent": mine.select_related("order").order_by("-shipped_at")[:10],
        "request_id": new_request_id(),
        "scan_action": reverse("floor:ship_scan"),
        "scan_label": _("扫面单条码"),
    }


@floor_login_required
def ship_page(request):
    return render(request, "floor/ship.html", _ship_context(request))


@require_POST
@floor_login_required
def ship_scan_view(request):
    """One label at the dock: the parcel with this waybill, in the picker's warehouses, ships."""
    next_url = reverse("floor:ship")
    try:
        request_id = request_id_from(request)
    except BadRequestId as exc:
        return bad_request(request, str(exc), next_url=next_url)
    waybill = request.POST.get("code", "").strip()
    if not waybill:
        return bad_request(request, _("请扫描面单条码"), next_url=next_url)
    parcel = parcel_by_waybill(request.user, waybill)
    if parcel is None:
        return answer(request, ok=False, code="unknown_label", next_url=next_url,
                      message=_("找不到运单号 %(waybill)s 的包裹：面单还没登记，或不属于你的仓库") % {"waybill": waybill},
                      panel=("floor/_ship_panel.html", _ship_context(request)))
    already = parcel.shipped_at is not None
    try:
        parcel = parcel_ship(order=parcel.order, waybill=waybill, actor=request.user,
                             request_id=request_id)
    except FloorRefused as exc:
        return refused(request, exc, next_url=next_url, panel=("floor/_ship_panel.html", _ship_context(request)))
    template = _("这个包裹已交接过：%(number)s %(carrier)s %(waybill)s") if already else _("已交接：%(number)s %(carrier)s %(waybill)s")
    message = template % {"number": parcel.order.number, "carrier": parcel.carrier, "waybill": parcel.waybill}
    return answer(request, ok=True, message=message, next_url=next_url, panel=("floor/_ship_panel.html", _ship_context(request)))
