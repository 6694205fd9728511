"""Photo evidence from the floor: checked with Pillow, re-encoded without EXIF, thumbnailed.

What a phone sends is untrusted: the file must be a JPEG, PNG or WebP image within the size and
pixel limits (a decompression bomb is refused before it is decoded), is turned upright by its
EXIF orientation and then saved as a fresh JPEG without any metadata (GPS location above all),
long side at most ``FLOOR_PHOTO_MAX_SIDE``. Stored through Django's storage API.
"""

import io
import uuid
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from orders.models import Order
from warehouse.models import FloorPhoto, FloorStep, Wave
from warehouse.services.common import check_access, clean_request_id
from warehouse.services.errors import FloorRefused

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
THUMBNAIL_SIDE = 320


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _decode(data: bytes) -> Image.Image:
    """Open and fully decode the image, or refuse. Pixel count is checked from the header first."""
    max_pixels = _limit("FLOOR_PHOTO_MAX_PIXELS", 40_000_000)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise FloorRefused(_("只接受 JPEG、PNG 或 WebP 照片"), code="bad_photo")
            width, height = image.size
            if width * height > max_pixels:
                raise FloorRefused(_("照片像素过大，请压缩后再传"), code="photo_too_large")
            image.load()
    except FloorRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FloorRefused(_("照片像素过大，请压缩后再传"), code="photo_too_large") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise FloorRefused(_("文件不是有效的图片"), code="bad_photo") from exc
    return image


def _jpeg(image: Image.Image, side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((side, side))
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def clean_photo(data: bytes) -> tuple[bytes, bytes, tuple[int, int]]:
    """(the photo, its thumbnail) as metadata-free JPEG bytes and the photo's size, or ``FloorRefused``."""
    if not data:
        raise FloorRefused(_("没有收到照片"), code="bad_photo")
    if len(data) > _limit("FLOOR_PHOTO_MAX_BYTES", 10 * 1024 * 1024):
        raise FloorRefused(_("照片文件过大，请压缩后再传"), code="photo_too_large")
    image = _decode(data)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    # A new image from the pixels alone: no EXIF, GPS, XMP or ICC block can come along.
    bare = Image.new("RGB", upright.size)
    bare.paste(upright)
    side = _limit("FLOOR_PHOTO_MAX_SIDE", 2000)
    scaled = bare.copy()
    scaled.thumbnail((side, side))
    return _jpeg(scaled, side), _jpeg(bare, THUMBNAIL_SIDE), scaled.size


def floor_photo_add(
    *, actor, step: str, data: bytes, order: Order | int | None = None, wave: Wave | int | None = None,
    request_id: str = "",
) -> FloorPhoto:
    """Keep a photo taken at a floor step, for an order or a wave of the actor's warehouse.
    A re-sent upload (same ``request_id``) returns the first photo."""
    request_id = clean_request_id(request_id)
    if step not in FloorStep.values:
        raise FloorRefused(_("未知的作业环节"), code="bad_step")
    if order is None and wave is None:
        raise FloorRefused(_("照片要属于一个订单或波次"), code="no_subject")
    order_obj = Order.objects.filter(pk=order.pk if isinstance(order, Order) else order).first() if order else None
    wave_obj = Wave.objects.filter(pk=wave.pk if isinstance(wave, Wave) else wave).first() if wave else None
    if (order is not None and order_obj is None) or (wave is not None and wave_obj is None):
        raise FloorRefused(_("订单或波次不存在"), code="not_found")
    for subject in (order_obj, wave_obj):
        if subject is not None:
            check_access(actor, subject.warehouse_id)
    if request_id:
        earlier = FloorPhoto.objects.filter(request_id=request_id, actor=actor).first()
        if earlier is not None:
            return earlier
    photo_bytes, thumb_bytes, (width, height) = clean_photo(data)
    name = uuid.uuid4().hex
    with transaction.atomic():
        photo = FloorPhoto(
            step=step, order=order_obj, wave=wave_obj, actor=actor, at=timezone.now(), request_id=request_id,
            size_bytes=len(photo_bytes), width=width, height=height,
        )
        photo.image.save(f"{name}.jpg", ContentFile(photo_bytes), save=False)
        photo.thumbnail.save(f"{name}_thumb.jpg", ContentFile(thumb_bytes), save=False)
        photo.save()
    return photo
