"""The carrier label (快递面单), one-part, 76×130 mm or 100×150 mm, one label per page.

Top to bottom (FLOOR.md): carrier and service; the 三段码 in the largest type; Code128 of the
waybill with the number under it; recipient (phone's middle digits masked); sender; order number,
items, weight, print time and a QR of the waybill. An order with a platform privacy number gets,
instead of that number, the notice that the platform's own e-waybill must be used.
"""

import io
from collections.abc import Sequence
from datetime import datetime

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from warehouse.printing.data import LabelData, local_now
from warehouse.printing.drawing import (
    LINE,
    draw_badge,
    draw_code128,
    draw_qr,
    draw_text,
    fit_size,
    hline,
    wrap,
)
from warehouse.printing.fonts import cjk_font

#: size key -> (width, height) in mm
SIZES = {"76x130": (76, 130), "100x150": (100, 150)}
DEFAULT_SIZE = "76x130"
MARGIN = 2 * mm
#: band heights on the 76×130 label (mm), top to bottom; the rest is the order/QR band
BANDS = {"head": 12, "sort": 13, "barcode": 23, "recipient": 25, "sender": 14}


def labels_pdf(labels: Sequence[LabelData], *, size: str = DEFAULT_SIZE, printed_at: datetime | None = None) -> bytes:
    """All ``labels`` in one PDF, a page each (batch printing on a roll)."""
    font = cjk_font()
    page_w, page_h = (value * mm for value in SIZES[size])
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(page_w, page_h), pageCompression=1, initialFontName=font)
    canvas.setTitle(_("快递面单"))
    canvas.setCreator("OMS")
    printed = printed_at or local_now()
    for label in labels:
        _draw(canvas, label, font, page_w, page_h, printed)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw(canvas: Canvas, label: LabelData, font: str, page_w: float, page_h: float, printed: datetime) -> None:
    k = page_w / (76 * mm)  # everything scales with the width
    ky = (page_h - 2 * MARGIN) / (126 * mm)
    left, right = MARGIN, page_w - MARGIN
    inner = right - left
    canvas.setLineWidth(LINE)
    canvas.rect(left, MARGIN, inner, page_h - 2 * MARGIN)
    y = page_h - MARGIN

    # Carrier, service, hub, priority.
    band = BANDS["head"] * mm * ky
    draw_text(canvas, left + 2 * mm, y - 7 * mm * ky, label.carrier_short, font, fit_size(label.carrier_short, font, 17 * k, inner * 0.4), bold=True)
    draw_text(canvas, left + 2 * mm, y - band + 1.6 * mm, label.service, font, 7 * k)
    hub_x = left + inner * 0.45
    draw_text(canvas, hub_x, y - 4.5 * mm * ky, _("集包地"), font, 6 * k)
    draw_text(canvas, hub_x, y - band + 2 * mm, label.hub, font, fit_size(label.hub, font, 9 * k, right - hub_x - 12 * mm * k), bold=True)
    if label.priority:
        draw_badge(canvas, right - 1.5 * mm, y - 6 * mm * ky, label.priority_label, font, 8 * k, anchor="right")
    y -= band
    hline(canvas, left, right, y)

    # 三段码, as large as fits.
    band = BANDS["sort"] * mm * ky
    size = fit_size(label.sort_code, font, 26 * k, inner - 4 * mm)
    draw_text(canvas, page_w / 2, y - band / 2 - size * 0.35, label.sort_code, font, size, bold=True, anchor="center")
    y -= band
    hline(canvas, left, right, y)

    # Code128 of the waybill number, the number under it.
    band = BANDS["barcode"] * mm * ky
    number_size = 10 * k
    bar_h = band - number_size - 4 * mm
    draw_code128(canvas, label.waybill, center_x=page_w / 2, y=y - 1.5 * mm - bar_h, max_width=inner, height=bar_h)
    draw_text(canvas, page_w / 2, y - band + 1.8 * mm, label.waybill, font, number_size, bold=True, anchor="center")
    y -= band
    hline(canvas, left, right, y)

    y = _party(canvas, font, k, left, right, y, BANDS["recipient"] * mm * ky, _("收"),
               f"{label.recipient_name}  {label.recipient_phone}".strip(), label.address, big=True,
               notice=_("平台隐私号：须使用平台电子面单打印") if label.privacy else "")
    y = _party(canvas, font, k, left, right, y, BANDS["sender"] * mm * ky, _("寄"),
               f"{label.sender_name}  {label.sender_phone}".strip(), label.sender_address, big=False)

    _order_band(canvas, label, font, k, left, right, y, printed)


def _party(canvas, font, k, left, right, y, band, mark, first, address, *, big, notice=""):
    """收/寄 block: a boxed mark, name and phone, then the address wrapped to fit."""
    box = 6 * mm * k
    canvas.setLineWidth(LINE)
    canvas.rect(left + 1.5 * mm, y - 1.5 * mm - box, box, box)
    draw_text(canvas, left + 1.5 * mm + box / 2, y - 1.5 * mm - box * 0.72, mark, font, box * 0.7, bold=True, anchor="center")
    x = left + 3 * mm + box
    width = right - x - 1.5 * mm
    size = (10 if big else 7.5) * k
    line_y = y - 1.5 * mm - size
    draw_text(canvas, x, line_y, first, font, fit_size(first, font, size, width), bold=big)
    if notice:
        line_y -= size * 1.45
        draw_badge(canvas, x, line_y, notice, font, fit_size(notice, font, 7.5 * k, width - 2 * mm))
    address_size = (8.5 if big else 7) * k
    room = int((line_y - (y - band) - 1.5 * mm) // (address_size * 1.3))
    for text in wrap(address, font, address_size, width, max(1, room)):
        line_y -= address_size * 1.3
        draw_text(canvas, x, line_y, text, font, address_size)
    y -= band
    hline(canvas, left, right, y)
    return y


def _order_band(canvas, label: LabelData, font, k, left, right, y, printed: datetime) -> None:
    """Order number, items, weight and print time on the left; a QR of the waybill on the right."""
    bottom = MARGIN
    qr = min(20 * mm * k, y - bottom - 2 * mm)
    draw_qr(canvas, label.waybill, x=right - qr - 1 * mm, y=bottom + 1 * mm, size=qr)
    x = left + 1.5 * mm
    width = right - qr - 2.5 * mm - x
    size = 7 * k
    line_y = y - size - 1.5 * mm
    text = _("订单号 %(number)s") % {"number": label.order_number}
    draw_text(canvas, x, line_y, text, font, fit_size(text, font, size + 0.5 * k, width), bold=True)
    weight = f"{label.weight_g / 1000:.2f} kg" if label.weight_g else "—"
    line_y -= size * 1.45
    draw_text(canvas, x, line_y, _("重量 %(weight)s    共 %(units)d 件") % {
        "weight": weight, "units": sum(q for _c, _n, q in label.items)}, font, size)
    footer_y = bottom + 1.5 * mm
    room = int((line_y - footer_y - size * 1.6) // (size * 1.35))
    items = [f"{code} ×{quantity} {name}" for code, name, quantity in label.items]
    shown = items[: max(0, room)]
    for index, item in enumerate(shown):
        line_y -= size * 1.35
        if index == len(shown) - 1 and len(items) > len(shown):
            item = _("…另有 %(n)d 种商品") % {"n": len(items) - len(shown) + 1}
        draw_text(canvas, x, line_y, wrap(item, font, size, width, 1)[0] if item else "", font, size)
    draw_text(canvas, x, footer_y, _("打印 %(at)s") % {"at": f"{printed:%Y-%m-%d %H:%M}"}, font, 6 * k)
