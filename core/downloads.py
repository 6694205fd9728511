"""Files we produce for people to download (CSV, XLSX): one way to write them, with every cell
that a spreadsheet would run as a formula escaped.

Excel, WPS and LibreOffice run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return before one) as a formula, so a buyer's name or note such as
``=HYPERLINK("http://…","点击退款")`` or ``@SUM(…)`` would run on the machine of whoever opens
the export (CSV/formula injection). ``safe_cell`` puts an apostrophe in front of such text, the
usual defence: the spreadsheet shows it as text. Plain numbers (``-12.50``) are left alone.
Every download, now and later (order exports, purchase plans, manifests), goes through
``csv_bytes`` or ``xlsx_bytes``, or at least ``safe_cell``.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def safe_cell(value):
    """``value`` as it may go into a downloaded spreadsheet: text that would start a formula gets
    a leading ``'``; anything else (numbers, dates, other text) is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: Iterable) -> list:
    return [safe_cell(value) for value in row]


def csv_bytes(rows: Iterable[Sequence], *, bom: bool = True) -> bytes:
    """CSV in UTF-8 (with a BOM by default, so that Excel opens Chinese text right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(safe_row(row))
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_bytes(rows: Iterable[Sequence], *, title: str = "Sheet1", text: bool = False) -> bytes:
    """An XLSX of one sheet; with ``text`` every cell is stored as text (long numbers keep their digits)."""
    return xlsx_book([(title, rows)], text=text)


def xlsx_book(sheets: Iterable[tuple[str, Iterable[Sequence]]], *, text: bool = False) -> bytes:
    """An XLSX with one sheet per (title, rows), every cell through ``safe_cell``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            cells = []
            for value in safe_row(row):
                cell = WriteOnlyCell(sheet, value=value)
                if text:
                    cell.number_format = "@"
                cells.append(cell)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
