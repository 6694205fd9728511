"""Photo evidence: checked with Pillow, EXIF (GPS) stripped, re-encoded, thumbnailed, stored."""

import io

import pytest
from PIL import Image

from warehouse.models import FloorPhoto, FloorStep
from warehouse.services import FloorRefused, floor_photo_add

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path


def jpeg_with_gps(width=1200, height=900, orientation=None) -> bytes:
    image = Image.new("RGB", (width, height), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "FakePhone"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (30.0, 15.0, 0.0)  # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "E", (120.0, 10.0, 0.0)
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_stored_without_exif_with_a_thumbnail(released_wave, picker_hz, media):
    _wave, (order,) = released_wave([[("F001", 2)]])
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the upload does carry a location

    photo = floor_photo_add(actor=picker_hz, step=FloorStep.PACK, data=data, order=order, request_id="p-1")

    assert (photo.order, photo.actor, photo.step, photo.width, photo.height) == (order, picker_hz, "pack", 1200, 900)
    stored = Image.open(photo.image.path)
    assert stored.format == "JPEG"
    assert not stored.getexif() and "exif" not in stored.info
    thumb = Image.open(photo.thumbnail.path)
    assert max(thumb.size) == 320
    assert photo.image.path.startswith(str(media))
    # A re-sent upload returns the first photo.
    assert floor_photo_add(actor=picker_hz, step=FloorStep.PACK, data=data, order=order, request_id="p-1") == photo
    assert FloorPhoto.objects.count() == 1


def test_the_photo_is_turned_upright(released_wave, picker_hz):
    _wave, (order,) = released_wave([[("F001", 2)]])
    photo = floor_photo_add(actor=picker_hz, step="pick", data=jpeg_with_gps(400, 300, orientation=6), order=order)
    assert (photo.width, photo.height) == (300, 400)


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "bad_photo"),
        (b"%PDF-1.4 not an image at all", "bad_photo"),
        (b"\xff\xd8\xff\xe0 truncated jpeg", "bad_photo"),
    ],
)
def test_non_images_are_refused(released_wave, picker_hz, data, code):
    _wave, (order,) = released_wave([[("F001", 2)]])
    with pytest.raises(FloorRefused) as refused:
        floor_photo_add(actor=picker_hz, step="pick", data=data, order=order)
    assert refused.value.code == code
    assert not FloorPhoto.objects.exists()


def test_a_gif_is_refused(released_wave, picker_hz):
    _wave, (order,) = released_wave([[("F001", 2)]])
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, format="GIF")
    with pytest.raises(FloorRefused) as refused:
        floor_photo_add(actor=picker_hz, step="pick", data=out.getvalue(), order=order)
    assert refused.value.code == "bad_photo"


def test_a_decompression_bomb_is_refused_before_decoding(released_wave, picker_hz):
    """A tiny PNG that claims 30,000 × 30,000 pixels (900 MP)."""
    _wave, (order,) = released_wave([[("F001", 2)]])
    out = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(out, format="PNG")
    data = out.getvalue()
    assert len(data) < 1_000_000
    with pytest.raises(FloorRefused) as refused:
        floor_photo_add(actor=picker_hz, step="pick", data=data, order=order)
    assert refused.value.code == "photo_too_large"


def test_too_many_bytes_or_pixels_are_refused(released_wave, picker_hz, settings):
    _wave, (order,) = released_wave([[("F001", 2)]])
    settings.FLOOR_PHOTO_MAX_BYTES = 1000
    with pytest.raises(FloorRefused) as refused:
        floor_photo_add(actor=picker_hz, step="pick", data=jpeg_with_gps(), order=order)
    assert refused.value.code == "photo_too_large"
    settings.FLOOR_PHOTO_MAX_BYTES = 10_000_000
    settings.FLOOR_PHOTO_MAX_PIXELS = 100_000
    with pytest.raises(FloorRefused) as refused:
        floor_photo_add(actor=picker_hz, step="pick", data=jpeg_with_gps(), order=order)
    assert refused.value.code == "photo_too_large"


def test_a_photo_needs_a_subject_and_a_known_step(released_wave, picker_hz):
    _wave, (order,) = released_wave([[("F001", 2)]])
    with pytest.raises(FloorRefused):
        floor_photo_add(actor=picker_hz, step="pick", data=jpeg_with_gps())
    with pytest.raises(FloorRefused):
        floor_photo_add(actor=picker_hz, step="dance", data=jpeg_with_gps(), order=order)
