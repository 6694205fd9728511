"""Drawing helpers shared by the label and the sheet: text that fits, bold without a bold font,
Code128 sized for a 203 dpi thermal printer, and QR codes made with ``qrcode``."""

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

#: One dot of a 203 dpi thermal printer. Bars that are a whole number of dots print evenly.
DOT = 25.4 / 203 * mm
#: Thermal-printed lines stay at least this thick (FLOOR.md: ≥ 0.3 mm).
LINE = 0.3 * mm


def width(text: str, font: str, size: float) -> float:
    return stringWidth(text, font, size)


def fit_size(text: str, font: str, size: float, max_width: float, *, smallest: float = 5) -> float:
    """The largest size up to ``size`` at which ``text`` fits ``max_width``."""
    actual = width(text, font, size)
    if actual <= max_width or not actual:
        return size
    return max(smallest, size * max_width / actual)


def wrap(text: str, font: str, size: float, max_width: float, max_lines: int) -> list[str]:
    """Break ``text`` into lines no wider than ``max_width`` (Chinese breaks anywhere, so break per
    character), at most ``max_lines``; a cut-off last line ends with '…'."""
    lines: list[str] = []
    current = ""
    for char in " ".join((text or "").split()):
        if width(current + char, font, size) <= max_width:
            current += char
            continue
        lines.append(current)
        current = char.lstrip()
        if len(lines) == max_lines:
            break
    else:
        if current:
            lines.append(current)
        return lines
    last = lines[-1]
    while last and width(last + "…", font, size) > max_width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines


def draw_text(canvas, x: float, y: float, text: str, font: str, size: float, *, bold=False, anchor="left", white=False):
    """Draw one line; ``bold`` strokes the glyph outlines (CJK fonts rarely ship a bold face)."""
    if anchor == "center":
        x -= width(text, font, size) / 2
    elif anchor == "right":
        x -= width(text, font, size)
    # The render mode belongs to the PDF graphics state and would outlive this text object
    # (reportlab only writes it when it changes): keep it inside a saved state.
    canvas.saveState()
    obj = canvas.beginText(x, y)
    obj.setFont(font, size)
    if bold:
        obj.setTextRenderMode(2)
        canvas.setLineWidth(size * 0.04)
    canvas.setFillGray(1 if white else 0)
    canvas.setStrokeGray(1 if white else 0)
    obj.textLine(text)
    canvas.drawText(obj)
    canvas.restoreState()


def draw_badge(canvas, x: float, y: float, text: str, font: str, size: float, *, anchor="left") -> float:
    """White text on a black box (priority, privacy warning); returns the box width."""
    pad = size * 0.35
    box_w = width(text, font, size) + 2 * pad
    if anchor == "right":
        x -= box_w
    canvas.rect(x, y - size * 0.3, box_w, size * 1.3, stroke=0, fill=1)
    draw_text(canvas, x + pad, y, text, font, size, bold=True, white=True)
    return box_w


def hline(canvas, x1: float, x2: float, y: float) -> None:
    canvas.setLineWidth(LINE)
    canvas.line(x1, y, x2, y)


def code128(value: str, *, max_width: float, height: float) -> Code128:
    """A Code128 whose narrow bar is a whole number of printer dots (4, 3, else 2: 0.25 mm, the
    least scanners read reliably), the widest that fits ``max_width`` with its quiet zones."""
    for dots in (4, 3, 2):
        barcode = Code128(value, barWidth=dots * DOT, barHeight=height, quiet=True)
        if barcode.width <= max_width:
            return barcode
    return barcode


def draw_code128(canvas, value: str, *, center_x: float, y: float, max_width: float, height: float) -> Code128:
    barcode = code128(value, max_width=max_width, height=height)
    barcode.drawOn(canvas, center_x - barcode.width / 2, y)
    return barcode


def draw_qr(canvas, data: str, *, x: float, y: float, size: float) -> None:
    """A QR code of ``data`` (made with ``qrcode``), ``size`` square with ``(x, y)`` its lower left,
    a quiet zone of two modules inside the square."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    count = len(matrix)
    module = size / (count + 4)
    left, top = x + 2 * module, y + size - 2 * module
    path = canvas.beginPath()
    for row, cells in enumerate(matrix):
        start = None
        for col, dark in enumerate([*cells, False]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                path.rect(left + start * module, top - (row + 1) * module, (col - start) * module, module)
                start = None
    canvas.drawPath(path, stroke=0, fill=1)
