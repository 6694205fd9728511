"""Reading barcodes from a camera frame a phone sent.

Where the browser has no native ``BarcodeDetector`` (headless Chromium, Safari on iPhone, many
WeChat browsers) the floor pages send downscaled JPEG frames from the camera, and this module
reads them with ``zxing-cpp``. A client can send anything, so the bytes are checked with Pillow
before any pixel is decoded: size, format, and pixel count (a decompression bomb is refused from
its header, before it is expanded).
"""

import io
from dataclasses import dataclass

import zxingcpp
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

#: The largest frame taken (bytes). The page sends ~800 px JPEGs of 30-80 KB.
MAX_FRAME_BYTES = 2 * 1024 * 1024
#: The largest frame taken (pixels): a 12-megapixel phone photo fits, a bomb does not.
MAX_FRAME_PIXELS = 12_000_000
FRAME_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})


class FrameRefused(ValueError):
    """The bytes are not a frame we decode. Nothing was read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Decoded:
    text: str
    format: str


def decode_frame(data: bytes) -> list[Decoded]:
    """Every barcode readable in the image ``data`` (QR, Code 128, EAN…), best first; empty when
    none is. Raises ``FrameRefused`` for empty, oversized, non-image or too-large images."""
    if not data:
        raise FrameRefused(_("没有收到图像"))
    if len(data) > MAX_FRAME_BYTES:
        raise FrameRefused(_("图像太大（最多 %(mb)d MB）") % {"mb": MAX_FRAME_BYTES // (1024 * 1024)})
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in FRAME_FORMATS:
                raise FrameRefused(_("只接受 JPEG、PNG 或 WebP 图像"))
            width, height = image.size
            if width * height > MAX_FRAME_PIXELS:
                raise FrameRefused(_("图像像素太多（%(w)d×%(h)d）") % {"w": width, "h": height})
            gray = image.convert("L")
    except FrameRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise FrameRefused(_("图像无法读取")) from exc
    return [Decoded(text=found.text, format=str(found.format)) for found in zxingcpp.read_barcodes(gray) if found.valid]
