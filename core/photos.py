"""Photos people upload from a phone (floor evidence, a leader's payment proof): checked with
Pillow, re-encoded without EXIF, thumbnailed. Knows nothing of what the photo is for.

What a phone sends is untrusted: the file must be a JPEG, PNG or WebP image within the size and
pixel limits (a decompression bomb is refused before it is decoded), is turned upright by its
EXIF orientation and then saved as a fresh JPEG without any metadata (GPS location above all),
long side at most ``max_side``. Each refusal is ``PhotoRefused`` with a message for people and a
``code`` (``bad_photo`` or ``photo_too_large``).
"""

import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
THUMBNAIL_SIDE = 320


class PhotoRefused(Exception):
    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CleanPhoto:
    #: The photo and its thumbnail, as metadata-free JPEG bytes.
    photo: bytes
    thumbnail: bytes
    #: The photo's (width, height) in pixels.
    size: tuple[int, int]


def _decode(data: bytes, max_pixels: int) -> Image.Image:
    """Open and fully decode the image, or refuse. Pixel count is checked from the header first."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise PhotoRefused(_("只接受 JPEG、PNG 或 WebP 照片"), code="bad_photo")
            width, height = image.size
            if width * height > max_pixels:
                raise PhotoRefused(_("照片像素过大，请压缩后再传"), code="photo_too_large")
            image.load()
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRefused(_("照片像素过大，请压缩后再传"), code="photo_too_large") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise PhotoRefused(_("文件不是有效的图片"), code="bad_photo") from exc
    return image


def _jpeg(image: Image.Image, side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((side, side))
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def clean_photo(data: bytes, *, max_bytes: int, max_pixels: int, max_side: int) -> CleanPhoto:
    """The photo re-encoded (see the module docstring), or ``PhotoRefused``."""
    if not data:
        raise PhotoRefused(_("没有收到照片"), code="bad_photo")
    if len(data) > max_bytes:
        raise PhotoRefused(_("照片文件过大，请压缩后再传"), code="photo_too_large")
    image = _decode(data, max_pixels)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    # A new image from the pixels alone: no EXIF, GPS, XMP or ICC block can come along.
    bare = Image.new("RGB", upright.size)
    bare.paste(upright)
    scaled = bare.copy()
    scaled.thumbnail((max_side, max_side))
    return CleanPhoto(_jpeg(scaled, max_side), _jpeg(bare, THUMBNAIL_SIDE), scaled.size)
