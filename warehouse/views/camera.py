"""Camera frames read on the server, for phones whose browser cannot read barcodes itself."""

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from warehouse.barcodes import MAX_FRAME_BYTES, FrameRefused, decode_frame
from warehouse.views.access import floor_login_required


@require_POST
@floor_login_required
def decode(request):
    """POST one image (the body, ``image/jpeg``, ``image/png`` or ``image/webp``): the barcodes in
    it, ``{"codes": [{"text", "format"}]}`` (empty when none is readable). Writes nothing."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > MAX_FRAME_BYTES:
        return JsonResponse({"codes": [], "message": _("图像太大或长度无效")}, status=413)
    try:
        data = request.body
    except RequestDataTooBig:
        return JsonResponse({"codes": [], "message": _("图像太大或长度无效")}, status=413)
    try:
        found = decode_frame(data)
    except FrameRefused as exc:
        return JsonResponse({"codes": [], "message": exc.message}, status=400)
    return JsonResponse({"codes": [{"text": item.text, "format": item.format} for item in found]})
