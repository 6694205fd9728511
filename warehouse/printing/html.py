"""The label as an HTML page for the browser to print (CSS ``@page``), with the PC's own fonts.

The fallback when no CJK TrueType font is on the server, and a choice for anyone who prints
from the browser to a thermal printer's driver. Same content as the PDF, barcodes as inline SVG.
"""

from collections.abc import Sequence

import qrcode
import qrcode.image.svg
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from reportlab.graphics import renderSVG
from reportlab.graphics.barcode import createBarcodeDrawing

from warehouse.printing.data import LabelData, local_now
from warehouse.printing.label import SIZES


def code128_svg(value: str) -> str:
    drawing = createBarcodeDrawing("Code128", value=value, barWidth=1, barHeight=40, humanReadable=False, quiet=True)
    svg = renderSVG.drawToString(drawing)
    # Stretch to the box the page gives it: widening every bar alike keeps the code readable.
    return svg[svg.index("<svg"):].replace('preserveAspectRatio="xMinYMin meet"', 'preserveAspectRatio="none"', 1)


def qr_svg(value: str) -> str:
    image = qrcode.make(value, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return image.to_string(encoding="unicode")


def labels_html(labels: Sequence[LabelData], *, size: str) -> str:
    width, height = SIZES[size]
    rows = [
        {
            "label": label,
            "barcode": mark_safe(code128_svg(label.waybill)),  # noqa: S308 - our own SVG of a waybill number
            "qr": mark_safe(qr_svg(label.waybill)),  # noqa: S308
            "weight": f"{label.weight_g / 1000:.2f} kg" if label.weight_g else "—",
            "units": sum(quantity for _code, _name, quantity in label.items),
        }
        for label in labels
    ]
    return render_to_string(
        "printing/labels.html", {"rows": rows, "width": width, "height": height, "printed_at": local_now()}
    )
