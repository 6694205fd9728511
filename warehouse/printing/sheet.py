"""The execution sheet (仓库执行单), A6 portrait, one order per sheet (more pages if it is long).

It travels with the goods from the pick to the pack station: order number, delivery priority,
slot (格口) in a batch wave, every line with its bin, SKU, name and quantity in walking order,
the buyer's note and the seller's remark, and a QR that opens the order's pack page on a phone.
"""

import io
from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from warehouse.printing.data import SheetData, SheetLine, local_now
from warehouse.printing.drawing import LINE, draw_badge, draw_qr, draw_text, fit_size, hline, wrap
from warehouse.printing.fonts import cjk_font

MARGIN = 5 * mm
QR_SIZE = 26 * mm
ROW_H = 9.5 * mm
#: columns: bin, SKU code, name, quantity (x offsets from the left margin, mm)
COLUMNS = (0, 17, 38, 84)


def sheets_pdf(sheets: Sequence[SheetData], *, printed_at: datetime | None = None) -> bytes:
    """Every sheet in one PDF (a wave prints as one file); each order starts on a new page."""
    font = cjk_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A6, pageCompression=1, initialFontName=font)
    canvas.setTitle(_("仓库执行单"))
    canvas.setCreator("OMS")
    printed = printed_at or local_now()
    for sheet in sheets:
        _draw_sheet(canvas, sheet, font, printed)
    canvas.save()
    return buffer.getvalue()


def _notes_height(sheet: SheetData, font: str, width: float) -> tuple[list[str], list[str], float]:
    buyer = wrap(sheet.buyer_note or _("无"), font, 8, width - 14 * mm, 3)
    seller = wrap(sheet.seller_note or _("无"), font, 8, width - 14 * mm, 3)
    return buyer, seller, (len(buyer) + len(seller)) * 3.6 * mm + 4 * mm


def _draw_sheet(canvas: Canvas, sheet: SheetData, font: str, printed: datetime) -> None:
    page_w, page_h = A6
    width = page_w - 2 * MARGIN
    buyer, seller, notes_h = _notes_height(sheet, font, width)
    footer_h = 6 * mm
    lines = list(sheet.lines) or [SheetLine(bin="", sku_code="", name=_("（无商品明细）"), quantity=0)]
    pages: list[list[SheetLine]] = []
    while True:
        room = page_h - 2 * MARGIN - _header_height(first=not pages) - footer_h - 6 * mm
        if len(lines) * ROW_H <= room - notes_h:  # the rest and the notes fit: last page
            pages.append(lines)
            break
        take = max(1, int(room // ROW_H))
        pages.append(lines[:take])
        lines = lines[take:]
    for index, rows in enumerate(pages, start=1):
        y = _header(canvas, sheet, font, first=index == 1)
        y = _table(canvas, rows, font, y)
        if index == len(pages):
            _notes(canvas, font, y, buyer, seller)
        text = _("共 %(kinds)d 种 %(units)d 件 · 第 %(page)d/%(pages)d 页 · 打印 %(at)s") % {
            "kinds": len(sheet.lines), "units": sheet.units, "page": index, "pages": len(pages),
            "at": f"{printed:%m-%d %H:%M}",
        }
        hline(canvas, MARGIN, page_w - MARGIN, MARGIN + footer_h - 1.5 * mm)
        draw_text(canvas, MARGIN, MARGIN + 0.5 * mm, text, font, fit_size(text, font, 7, width))
        canvas.showPage()


def _header_height(*, first: bool) -> float:
    return QR_SIZE + 3 * mm if first else 12 * mm


def _header(canvas: Canvas, sheet: SheetData, font: str, *, first: bool) -> float:
    page_w, page_h = A6
    left, right, top = MARGIN, page_w - MARGIN, page_h - MARGIN
    if not first:
        text = _("%(number)s（续）") % {"number": sheet.number}
        if sheet.slot:
            text += "  " + _("格口 %(slot)s") % {"slot": sheet.slot}
        draw_text(canvas, left, top - 6 * mm, text, font, 12, bold=True)
        return top - _header_height(first=False)
    draw_qr(canvas, sheet.pack_url, x=right - QR_SIZE, y=top - QR_SIZE, size=QR_SIZE)
    draw_text(canvas, right - QR_SIZE / 2, top - QR_SIZE - 2.5 * mm, _("扫码打包"), font, 6.5, anchor="center")
    text_w = page_w - 2 * MARGIN - QR_SIZE - 2 * mm
    draw_text(canvas, left, top - 4 * mm, _("仓库执行单"), font, 9, bold=True)
    badge_size = 13 if sheet.priority >= 2 else 10
    if sheet.priority:
        draw_badge(canvas, left + 22 * mm, top - 4.5 * mm, sheet.priority_label, font, badge_size)
    else:
        draw_text(canvas, left + 22 * mm, top - 4 * mm, sheet.priority_label, font, 9)
    draw_text(canvas, left, top - 11 * mm, sheet.number, font, fit_size(sheet.number, font, 14, text_w), bold=True)
    y = top - 16 * mm
    shop = " · ".join(part for part in (sheet.shop, sheet.warehouse) if part)
    draw_text(canvas, left, y, shop, font, fit_size(shop, font, 8, text_w))
    if sheet.slot or sheet.wave:
        y -= 5.5 * mm
        slot = _("格口 %(slot)s") % {"slot": sheet.slot} if sheet.slot else ""
        draw_text(canvas, left, y, slot, font, 13, bold=True)
        if sheet.wave:
            draw_text(canvas, left + (25 * mm if slot else 0), y, _("波次 %(wave)s") % {"wave": sheet.wave}, font, 7.5)
    details = []
    if sheet.promised_ship_at:
        details.append(_("承诺发货 %(at)s") % {"at": f"{timezone.localtime(sheet.promised_ship_at):%m-%d %H:%M}"})
    if sheet.carrier:
        details.append(sheet.carrier)
    if details:
        text = "  ".join(details)
        draw_text(canvas, left, top - QR_SIZE + 0.5 * mm, text, font, fit_size(text, font, 7.5, text_w))
    return top - _header_height(first=True)


def _table(canvas: Canvas, rows: list[SheetLine], font: str, y: float) -> float:
    page_w, _page_h = A6
    left, right = MARGIN, page_w - MARGIN
    x = [left + offset * mm for offset in COLUMNS]
    for column, title in zip(x, (_("库位"), _("商品编码"), _("名称"), _("数量")), strict=True):
        draw_text(canvas, column, y - 4 * mm, title, font, 7.5, bold=True)
    y -= 5.5 * mm
    hline(canvas, left, right, y)
    for row in rows:
        draw_text(canvas, x[0], y - 5.5 * mm, row.bin or "—", font, fit_size(row.bin or "—", font, 10, x[1] - x[0] - 1 * mm), bold=True)
        draw_text(canvas, x[1], y - 5.5 * mm, row.sku_code, font, fit_size(row.sku_code, font, 8, x[2] - x[1] - 1 * mm))
        for number, text in enumerate(wrap(row.name, font, 7.5, x[3] - x[2] - 1.5 * mm, 2)):
            draw_text(canvas, x[2], y - 3.8 * mm - number * 3.4 * mm, text, font, 7.5)
        quantity = f"×{row.quantity}"
        if row.quantity > 1:  # more than one: a black box so it is not picked as one
            draw_badge(canvas, right, y - 6 * mm, quantity, font, 11, anchor="right")
        else:
            draw_text(canvas, right - 1 * mm, y - 6 * mm, quantity, font, 11, bold=True, anchor="right")
        y -= ROW_H
        canvas.setLineWidth(LINE / 2)
        canvas.line(left, y, right, y)
    return y


def _notes(canvas: Canvas, font: str, y: float, buyer: list[str], seller: list[str]) -> None:
    left = MARGIN
    y -= 4 * mm
    for title, lines in ((_("买家留言"), buyer), (_("卖家备注"), seller)):
        draw_text(canvas, left, y, title, font, 7.5, bold=True)
        for text in lines:
            draw_text(canvas, left + 14 * mm, y, text, font, 8)
            y -= 3.6 * mm
