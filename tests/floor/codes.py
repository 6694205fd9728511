"""Barcode images for the floor tests, drawn the way a phone camera would see them."""

import io

import qrcode
import zxingcpp
from PIL import Image


def qr_image(text: str, *, size: int = 300, canvas: tuple[int, int] = (640, 480), angle: float = 0) -> Image.Image:
    """A QR code of ``text`` on a white canvas, optionally rotated (a phone is never held straight)."""
    code = qrcode.make(text, border=2).get_image().convert("RGB").resize((size, size), Image.NEAREST)
    image = Image.new("RGB", canvas, "white")
    image.paste(code, ((canvas[0] - size) // 2, (canvas[1] - size) // 2))
    return image.rotate(angle, fillcolor="white") if angle else image


def code128_image(text: str, *, canvas: tuple[int, int] = (800, 600)) -> Image.Image:
    """A Code 128 barcode of ``text`` (a waybill number) on a white canvas."""
    pixels = memoryview(zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128).to_image(scale=3))
    height, width = pixels.shape
    strip = Image.frombuffer("L", (width, height), bytes(pixels)).convert("RGB").resize((width, 160))
    image = Image.new("RGB", canvas, "white")
    image.paste(strip, ((canvas[0] - strip.width) // 2, (canvas[1] - strip.height) // 2))
    return image


def jpeg_bytes(image: Image.Image, quality: int = 80) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
