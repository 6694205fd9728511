"""QR codes on the leader's and the household's pages, as inline SVG (no image request, no CDN)."""

import io

import qrcode
import qrcode.image.svg
from django.utils.safestring import SafeString, mark_safe

from orders.stations import pickup_path


def pickup_url(request, number: str) -> str:
    """The absolute link of a household's pickup QR code."""
    return request.build_absolute_uri(pickup_path(number))


def qr_svg(data: str) -> SafeString:
    """An SVG QR code of ``data`` that scales with its box."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    svg = svg[svg.index("<svg"):]  # without the XML declaration, to sit inside HTML
    # Our own markup from qrcode: coordinates only, nothing of the request's goes into it.
    return mark_safe(svg)  # noqa: S308
