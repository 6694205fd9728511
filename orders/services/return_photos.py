"""Keeping one checked photo (``core.photos.CleanPhoto``) of an after-sales request."""

import uuid

from django.core.files.base import ContentFile

from core.photos import CleanPhoto
from orders.returns_models import ReturnPhoto, ReturnRequest


def save_photo(*, request: ReturnRequest, photo: CleanPhoto, stage: str, actor=None) -> ReturnPhoto:
    """Store the photo and its thumbnail (in the caller's transaction) and return the row."""
    name = uuid.uuid4().hex
    row = ReturnPhoto(request=request, stage=stage, width=photo.size[0], height=photo.size[1], uploaded_by=actor)
    row.image.save(f"{name}.jpg", ContentFile(photo.photo), save=False)
    row.thumbnail.save(f"{name}_thumb.jpg", ContentFile(photo.thumbnail), save=False)
    row.save()
    return row
