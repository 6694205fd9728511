"""A fake camera for Chromium: a ``.y4m`` video of a QR code, written with Pillow alone.

Chromium plays it as the camera when started with ``--use-fake-device-for-media-stream
--use-file-for-fake-video-capture=PATH`` (see shared BROWSER_TESTS.md). Generated in the test run,
never committed.
"""

from pathlib import Path

from PIL import Image

from tests.floor.codes import qr_image

WIDTH, HEIGHT = 640, 480


def write_y4m(path: Path, image: Image.Image, *, frames: int = 30) -> Path:
    """``frames`` identical frames of ``image`` (resized to 640×480) as YUV4MPEG2, 4:2:0."""
    ycbcr = image.convert("RGB").resize((WIDTH, HEIGHT)).convert("YCbCr")
    y, cb, cr = ycbcr.split()
    half = (WIDTH // 2, HEIGHT // 2)
    frame = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F15:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(frame)
    return path


def qr_video(path: Path, text: str) -> Path:
    """A camera that sees a QR code of ``text``, slightly turned, as a phone would."""
    return write_y4m(path, qr_image(text, size=300, canvas=(WIDTH, HEIGHT), angle=8))
