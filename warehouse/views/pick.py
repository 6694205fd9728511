"""Pick and sort: walk the wave's bins scanning each item; then, for a batch wave, scan each item
again at the put wall to learn its slot (for 单品单件, at the pack station, where the scan picks
the order). Each action calls one floor service; the wave must be in the picker's warehouse."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from warehouse.floor_selectors import sort_progress
from warehouse.models import ShortReason, Wave, WaveKind
from warehouse.selectors import PickWalk, labels_issued, pick_walk, pick_walk_for, wave_for
from warehouse.services import FloorRefused, pick_scan, pick_short, sort_scan
from warehouse.views.access import floor_login_required, not_yours
from warehouse.views.respond import (
    BadRequestId,
    answer,
    bad_request,
    new_request_id,
    refused,
    request_id_from,
)

MAX_QUANTITY = 9999


def _next_step(wave: Wave) -> tuple[str, str]:
    """Where a picked wave goes next: (label, url)."""
    if wave.kind == WaveKind.ORDER:
        link = wave.wave_orders.filter(active=True).select_related("order").first()
        if link is not None:
            return _("去打包"), reverse("floor:pack", args=[link.order.number])
        return _("回到我的任务"), reverse("floor:tasks")
    if wave.kind == WaveKind.SINGLE_UNIT:
        return _("去打包台（扫描即打单）"), reverse("floor:sort", args=[wave.pk])
    return _("去分拣（播种墙）"), reverse("floor:sort", args=[wave.pk])


def _pick_context(wave: Wave, walk: PickWalk | None = None) -> dict:
    walk = walk or pick_walk(wave)
    context = {
        "wave": wave,
        "walk": walk,
        "line": walk.line,
        "reasons": ShortReason.choices,
        "request_id": new_request_id(),
        "scan_action": reverse("floor:pick_scan", args=[wave.pk]),
        "scan_label": _("扫商品条码"),
    }
    if walk.line is None:
        context["next_label"], context["next_url"] = _next_step(wave)
    else:
        context["quantities"] = sorted({1, walk.line.remaining}) if walk.line.remaining > 1 else []
    return context


@floor_login_required
def pick_page(request, pk: int):
    walk = pick_walk_for(request.user, pk)
    if walk is None:
        return not_yours(request)
    return render(request, "floor/pick.html", {**_pick_context(walk.wave, walk), "labels_issued": labels_issued(walk.wave)})


def _quantity(request) -> int | None:
    raw = request.POST.get("quantity", "1").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_QUANTITY:
        return None
    return int(raw)


@require_POST
@floor_login_required
def pick_scan_view(request, pk: int):
    """One scan at the current bin: ``code`` (and ``quantity``, default 1) against the first line
    not yet done, in walking order."""
    walk = pick_walk_for(request.user, pk)
    if walk is None:
        return not_yours(request)
    wave = walk.wave
    next_url = reverse("floor:pick", args=[wave.pk])
    try:
        request_id = request_id_from(request)
    except BadRequestId as exc:
        return bad_request(request, str(exc), next_url=next_url)
    code, quantity = request.POST.get("code", "").strip(), _quantity(request)
    if not code:
        return bad_request(request, _("请扫描商品条码"), next_url=next_url)
    if quantity is None:
        return bad_request(request, _("数量不正确"), next_url=next_url)
    if walk.line is None:
        return answer(request, ok=False, message=_("本波次已全部拣完"), code="wave_done", kind="conflict",
                      next_url=next_url, panel=("floor/_pick_panel.html", _pick_context(wave, walk)))
    try:
        line = pick_scan(line=walk.line, code=code, actor=request.user, request_id=request_id, quantity=quantity)
    except FloorRefused as exc:
        unchanged = walk if exc.code == "wrong_item" else None  # a wrong item moves nothing
        return refused(request, exc, next_url=next_url, panel=("floor/_pick_panel.html", _pick_context(wave, unchanged)))
    message = _("✓ %(name)s ×%(n)d") % {"name": line.sku.name, "n": quantity}
    return answer(request, ok=True, message=message, next_url=next_url,
                  panel=("floor/_pick_panel.html", _pick_context(wave, walk.after(line))))


@require_POST
@floor_login_required
def pick_short_view(request, pk: int):
    """The bin holds fewer than the line needs: how many were found there, and why."""
    wave = wave_for(request.user, pk)
    if wave is None:
        return not_yours(request)
    next_url = reverse("floor:pick", args=[wave.pk])
    try:
        request_id = request_id_from(request)
    except BadRequestId as exc:
        return bad_request(request, str(exc), next_url=next_url)
    line_id, found = request.POST.get("line", ""), request.POST.get("found", "").strip()
    line = wave.lines.filter(pk=int(line_id)).first() if line_id.isdigit() else None
    if line is None:
        return bad_request(request, _("拣货行不存在，请刷新页面"), next_url=next_url)
    if not found.isdigit():
        return bad_request(request, _("请填写找到的数量（没有就填 0）"), next_url=next_url)
    try:
        line = pick_short(line=line, found=int(found), reason=request.POST.get("reason", ""), actor=request.user,
                          request_id=request_id, note=request.POST.get("note", "")[:100])
    except FloorRefused as exc:
        return refused(request, exc, next_url=next_url, panel=("floor/_pick_panel.html", _pick_context(wave)))
    message = _("已登记缺货：%(name)s 缺 %(n)d 件，已通知客服") % {"name": line.sku.name, "n": line.short}
    return answer(request, ok=True, message=message, next_url=next_url,
                  panel=("floor/_pick_panel.html", _pick_context(wave)))


def _sort_context(wave: Wave, result=None) -> dict:
    return {
        "wave": wave,
        "result": result,
        "progress": sort_progress(wave),
        "single_unit": wave.kind == WaveKind.SINGLE_UNIT,
        "request_id": new_request_id(),
        "scan_action": reverse("floor:sort_scan", args=[wave.pk]),
        "scan_label": _("扫商品条码"),
    }


@floor_login_required
def sort_page(request, pk: int):
    wave = wave_for(request.user, pk)
    if wave is None:
        return not_yours(request)
    return render(request, "floor/sort.html", {**_sort_context(wave), "labels_issued": labels_issued(wave)})


@require_POST
@floor_login_required
def sort_scan_view(request, pk: int):
    """An item at the put wall: its slot, in large type. In a 单品单件 wave the scan takes the
    next waiting order of that SKU and opens its pack page (box, then the scale)."""
    wave = wave_for(request.user, pk)
    if wave is None:
        return not_yours(request)
    next_url = reverse("floor:sort", args=[wave.pk])
    try:
        request_id = request_id_from(request)
    except BadRequestId as exc:
        return bad_request(request, str(exc), next_url=next_url)
    code = request.POST.get("code", "").strip()
    if not code:
        return bad_request(request, _("请扫描商品条码"), next_url=next_url)
    try:
        result = sort_scan(wave=wave, code=code, actor=request.user, request_id=request_id)
    except FloorRefused as exc:
        return refused(request, exc, next_url=next_url, panel=("floor/_sort_panel.html", _sort_context(wave)))
    if wave.kind == WaveKind.SINGLE_UNIT:
        message = _("订单 %(number)s：选箱子后称重") % {"number": result.order.number}
        return answer(request, ok=True, message=message, redirect=True,
                      next_url=reverse("floor:pack", args=[result.order.number]))
    message = _("放 %(slot)d 号格口：%(name)s") % {"slot": result.slot, "name": result.sku.name}
    return answer(request, ok=True, message=message, next_url=next_url,
                  panel=("floor/_sort_panel.html", _sort_context(wave, result)))
