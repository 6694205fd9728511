"""The pack station: open an order by its execution sheet's QR (or number, or tote), scan each
item against it, choose a box, close it (``order_pack``); then the scale."""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orders.states import OrderStatus
from warehouse.floor_selectors import (
    LIST_LIMIT,
    order_for_pack_scan,
    order_number_in,
    orders_to_pack,
    slot_of,
)
from warehouse.models import Box, FloorPhoto, FloorStep, Parcel
from warehouse.selectors import order_for, pack_progress
from warehouse.services import FloorRefused, pack_close, pack_scan
from warehouse.views.access import floor_login_required, not_yours
from warehouse.views.respond import (
    BadRequestId,
    answer,
    bad_request,
    new_request_id,
    refused,
    request_id_from,
)


def station_url(order) -> str:
    """Where an order is worked next: the pack page until it is packed, the scale after."""
    if order.status == OrderStatus.PACKED:
        return reverse("floor:weigh", args=[order.number])
    return reverse("floor:pack", args=[order.number])


@floor_login_required
def pack_start(request):
    """打包台: scan an execution sheet, an order number or a tote; or pick from the list."""
    links = orders_to_pack(request.user)
    return render(request, "floor/pack_start.html", {
        "links": links[:LIST_LIMIT],
        "count": links.count(),
        "request_id": new_request_id(),
        "scan_action": reverse("floor:pack_open"),
        "scan_label": _("扫执行单二维码 / 订单号 / 周转箱"),
    })


@require_POST
@floor_login_required
def pack_open(request):
    next_url = reverse("floor:pack_start")
    order = order_for_pack_scan(request.user, request.POST.get("code", ""))
    if order is None:
        return answer(request, ok=False, message=_("找不到这个订单，或它不属于你的仓库"), code="not_found",
                      next_url=next_url)
    return answer(request, ok=True, message=order.number, redirect=True, next_url=station_url(order))


def _pack_context(order) -> dict:
    cancelled = order.status == OrderStatus.CANCELLED
    return {
        "order": order,
        "progress": pack_progress(order),
        "parcel": Parcel.objects.filter(order=order).select_related("box").first(),
        "boxes": Box.objects.filter(active=True),
        "link": slot_of(order),
        "cancelled": cancelled,
        "packable": order.status == OrderStatus.PICKING,
        "request_id": new_request_id(),
        "scan_action": reverse("floor:pack_scan", args=[order.number]),
        "scan_label": _("扫商品条码"),
    }


@floor_login_required
def pack_page(request, number: str):
    """One order at the pack station: its items, scanned so far, and the boxes. The execution
    sheet's QR opens this page."""
    order = order_for(request.user, number)
    if order is None:
        return not_yours(request)
    context = _pack_context(order)
    context["photos"] = FloorPhoto.objects.filter(order=order, step=FloorStep.PACK)
    return render(request, "floor/pack.html", context)


@require_POST
@floor_login_required
def pack_scan_view(request, number: str):
    """An item against the open order. A scan that names another order (its execution sheet, its
    number, its tote) opens that order instead: the packer moved on to the next one."""
    order = order_for(request.user, number)
    if order is None:
        return not_yours(request)
    next_url = reverse("floor:pack", args=[order.number])
    try:
        request_id = request_id_from(request)
    except BadRequestId as exc:
        return bad_request(request, str(exc), next_url=next_url)
    code = request.POST.get("code", "").strip()
    if not code:
        return bad_request(request, _("请扫描商品条码"), next_url=next_url)
    if order_number_in(code) != code or code.startswith((settings.ORDER_NUMBER_PREFIX, "W")):
        other = order_for_pack_scan(request.user, code)
        if other is not None and other.pk != order.pk:
            return answer(request, ok=True, message=other.number, redirect=True, next_url=station_url(other))
    try:
        progress = pack_scan(order=order, code=code, actor=request.user, request_id=request_id)
    except FloorRefused as exc:
        order.refresh_from_db()
        return refused(request, exc, next_url=next_url, panel=("floor/_pack_panel.html", _pack_context(order)))
    message = _("✓ 已扫 %(done)d/%(total)d 件") % {"done": progress.scanned, "total": progress.needed}
    if progress.complete:
        message = _("全部扫完，请选箱子")
    return answer(request, ok=True, message=message, next_url=next_url,
                  panel=("floor/_pack_panel.html", _pack_context(order)))


@require_POST
@floor_login_required
def pack_close_view(request, number: str):
    """Close the box the packer chose: refused until every item is scanned."""
    order = order_for(request.user, number)
    if order is None:
        return not_yours(request)
    next_url = reverse("floor:pack", args=[order.number])
    try:
        request_id = request_id_from(request)
    except BadRequestId as exc:
        return bad_request(request, str(exc), next_url=next_url)
    box = request.POST.get("box", "")
    if not box.isdigit():
        return bad_request(request, _("请选择包装箱"), next_url=next_url)
    try:
        parcel = pack_close(order=order, box=int(box), actor=request.user, request_id=request_id)
    except FloorRefused as exc:
        order.refresh_from_db()
        return refused(request, exc, next_url=next_url, panel=("floor/_pack_panel.html", _pack_context(order)))
    message = _("已装入 %(box)s，请上秤") % {"box": parcel.box.code}
    return answer(request, ok=True, message=message, redirect=True, next_url=reverse("floor:weigh", args=[order.number]))
