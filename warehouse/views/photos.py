"""Photo evidence from the phone (already shrunk by photo.js; checked again by the service), and
small SKU pictures for the pick page (a catalogue image may be megabytes; a page stays small)."""

import io

from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from PIL import Image, UnidentifiedImageError

from inventory.models import Sku
from warehouse.models import FloorStep
from warehouse.selectors import order_for, wave_for
from warehouse.services import FloorRefused, floor_photo_add
from warehouse.views.access import floor_login_required, not_yours
from warehouse.views.respond import BadRequestId, answer, bad_request, refused, request_id_from

#: An upload larger than this is refused unread (the page sends ~300 KB; a raw phone photo fits).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PHOTO_STEPS = {FloorStep.PICK, FloorStep.PACK, FloorStep.WEIGH}
SKU_IMAGE_SIDE = 192
SKU_IMAGE_MAX_PIXELS = 40_000_000


@require_POST
@floor_login_required
def photo_add(request):
    """A photo for a wave (pick) or an order (pack, weigh) of the picker's warehouse."""
    step = request.POST.get("step", "")
    wave_pk, number = request.POST.get("wave", ""), request.POST.get("order", "")
    wave = wave_for(request.user, int(wave_pk)) if wave_pk.isdigit() else None
    order = order_for(request.user, number) if number else None
    if wave is None and order is None:
        return not_yours(request)
    if wave is not None:
        next_url = reverse("floor:pick", args=[wave.pk])
    else:
        next_url = reverse("floor:weigh" if step == FloorStep.WEIGH else "floor:pack", args=[order.number])
    try:
        request_id = request_id_from(request)
    except BadRequestId as exc:
        return bad_request(request, str(exc), next_url=next_url)
    if step not in PHOTO_STEPS:
        return bad_request(request, _("未知的作业环节"), next_url=next_url)
    upload = request.FILES.get("image")
    if upload is None:
        return bad_request(request, _("没有收到照片"), next_url=next_url)
    if upload.size > MAX_UPLOAD_BYTES:
        return bad_request(request, _("照片文件过大，请压缩后再传"), next_url=next_url)
    try:
        photo = floor_photo_add(actor=request.user, step=step, data=upload.read(), order=order, wave=wave,
                                request_id=request_id)
    except FloorRefused as exc:
        return refused(request, exc, next_url=next_url)
    return answer(request, ok=True, message=_("照片已保存"), next_url=next_url,
                  extra={"thumbnail": photo.thumbnail.url, "photo": photo.pk})


@require_GET
@floor_login_required
@cache_control(private=True, max_age=86400)
def sku_image(request, pk: int):
    """The SKU's catalogue picture as a small JPEG (long side 192 px), a few KB."""
    sku = Sku.objects.filter(pk=pk).exclude(image="").first()
    if sku is None:
        raise Http404
    try:
        with default_storage.open(sku.image.name, "rb") as stored, Image.open(stored) as image:
            if image.width * image.height > SKU_IMAGE_MAX_PIXELS:
                raise Http404
            image.draft("RGB", (SKU_IMAGE_SIDE * 2, SKU_IMAGE_SIDE * 2))
            small = image.convert("RGB")
            small.thumbnail((SKU_IMAGE_SIDE, SKU_IMAGE_SIDE))
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError) as exc:
        raise Http404 from exc
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80, optimize=True)
    return HttpResponse(out.getvalue(), content_type="image/jpeg")
