"""Photo evidence from the floor: checked with Pillow, re-encoded without EXIF, thumbnailed
(``core.photos``, shared with the group-buy leaders' payment photos), within the floor's limits
(``FLOOR_PHOTO_MAX_BYTES``, ``FLOOR_PHOTO_MAX_PIXELS``, ``FLOOR_PHOTO_MAX_SIDE``). Stored through
Django's storage API.
"""

import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import photos as core_photos
from orders.models import Order
from warehouse.models import FloorPhoto, FloorStep, Wave
from warehouse.services.common import check_access, clean_request_id
from warehouse.services.errors import FloorRefused


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def clean_photo(data: bytes) -> tuple[bytes, bytes, tuple[int, int]]:
    """(the photo, its thumbnail) as metadata-free JPEG bytes and the photo's size, or ``FloorRefused``
    (the checks are ``core.photos``', with the floor's limits)."""
    try:
        clean = core_photos.clean_photo(
            data,
            max_bytes=_limit("FLOOR_PHOTO_MAX_BYTES", 10 * 1024 * 1024),
            max_pixels=_limit("FLOOR_PHOTO_MAX_PIXELS", 40_000_000),
            max_side=_limit("FLOOR_PHOTO_MAX_SIDE", 2000),
        )
    except core_photos.PhotoRefused as exc:
        raise FloorRefused(exc.message, code=exc.code) from exc
    return clean.photo, clean.thumbnail, clean.size


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
