"""Returns arriving at the warehouse (退货验收), on the floor's phone pages: scan the parcel
(return number, return waybill, order number or its waybill), inspect each line, photograph the
goods, decide restock or scrap. The receipt is one service call (``orders.services.returns.
return_receive``): restocked units enter the ledger; an exchange's new order is created.

Only people with ``orders.receive_returnrequest`` who work in the return's warehouse get here; a
return of another warehouse reads as not found.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orders.returns_models import Disposition, PhotoStage
from orders.services.errors import OrderActionRefused
from orders.services.returns import ReceivedLine, return_photo_add, return_receive
from warehouse.returns_selectors import LIST_LIMIT, return_for, return_for_scan, returns_to_receive
from warehouse.views.access import floor_login_required, not_yours
from warehouse.views.respond import answer, bad_request, new_request_id

PERMISSION = "orders.receive_returnrequest"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _may_receive(view):
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            return render(request, "floor/refused.html", {"message": _("你没有验收退货的权限")}, status=403)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return floor_login_required(wrapped)


@_may_receive
def returns_start(request):
    waiting = returns_to_receive(request.user)
    return render(request, "floor/returns.html", {
        "returns": waiting[:LIST_LIMIT],
        "count": waiting.count(),
        "request_id": new_request_id(),
        "scan_action": reverse("floor:returns_open"),
        "scan_label": _("扫退货运单号或售后单号"),
    })


@require_POST
@_may_receive
def returns_open(request):
    found = return_for_scan(request.user, request.POST.get("code", ""))
    if found is None:
        return answer(request, ok=False, message=_("找不到待验收的退货，或它不退回你的仓库"), code="not_found",
                      next_url=reverse("floor:returns"))
    return answer(request, ok=True, message=found.number, redirect=True,
                  next_url=reverse("floor:return_inspect", args=[found.number]))


@_may_receive
def return_inspect(request, number: str):
    found = return_for(request.user, number)
    if found is None:
        return not_yours(request, _("找不到待验收的退货，或它不退回你的仓库"))
    return render(request, "floor/return_inspect.html", {
        "r": found,
        "lines": list(found.lines.all()),
        "photos": [photo for photo in found.photos.all() if photo.stage == PhotoStage.RECEIVING],
        "customer_photos": [photo for photo in found.photos.all() if photo.stage == PhotoStage.CUSTOMER],
        "dispositions": Disposition.choices,
        "request_id": new_request_id(),
    })


@require_POST
@_may_receive
def return_photo(request, number: str):
    found = return_for(request.user, number)
    if found is None:
        return not_yours(request, _("找不到待验收的退货，或它不退回你的仓库"))
    back = reverse("floor:return_inspect", args=[found.number])
    upload = request.FILES.get("image")
    if upload is None or upload.size > MAX_UPLOAD_BYTES:
        return bad_request(request, _("没有收到照片") if upload is None else _("照片文件过大，请压缩后再传"), next_url=back)
    try:
        photo = return_photo_add(request=found, data=upload.read(), actor=request.user)
    except OrderActionRefused as exc:
        return answer(request, ok=False, message=exc.message, code=exc.code, next_url=back)
    return answer(request, ok=True, message=_("照片已保存"), next_url=back, extra={"thumbnail": photo.thumbnail.url})


@require_POST
@_may_receive
def return_receive_view(request, number: str):
    found = return_for(request.user, number)
    if found is None:
        return not_yours(request, _("找不到待验收的退货，或它不退回你的仓库"))
    back = reverse("floor:return_inspect", args=[found.number])
    received = []
    for line in found.lines.all():
        raw = request.POST.get(f"received_{line.pk}", "").strip()
        if not raw.isdigit() or len(raw) > 6:
            messages.error(request, _("%(code)s 的实收数量须是数字") % {"code": line.sku_code})
            return HttpResponseRedirect(back)
        received.append(ReceivedLine(line.pk, int(raw), request.POST.get(f"disposition_{line.pk}", "")))
    try:
        done = return_receive(request=found, actor=request.user, lines=received,
                              note=request.POST.get("note", "")[:600])
    except OrderActionRefused as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    restocked = sum(line.restocked_quantity for line in done.lines.all())
    scrapped = sum(line.scrapped_quantity for line in done.lines.all())
    text = _("%(number)s 已验收：入库 %(restocked)d 件，报废 %(scrapped)d 件") % {
        "number": done.number, "restocked": restocked, "scrapped": scrapped}
    if done.exchange_order_id:
        text += _("；换货订单 %(order)s 已生成") % {"order": done.exchange_order.number}
    messages.success(request, text)
    return HttpResponseRedirect(reverse("floor:returns"))
