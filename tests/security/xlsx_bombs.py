"""Crafted XLSX files for the upload tests: a real template workbook with one part replaced by
content written in a stream (never held in memory), so a test can build a file that expands to
hundreds of megabytes while staying small itself."""

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

from channels.imports.template import template_xlsx

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
MB = 1024 * 1024


def repeated(piece: str, total_bytes: int, *, head: str = "", tail: str = "") -> Iterable[bytes]:
    """``head``, then ``piece`` repeated to about ``total_bytes``, then ``tail``, in 1 MB chunks."""
    yield head.encode()
    chunk = (piece * max(1, MB // len(piece))).encode()
    for _ in range(max(1, total_bytes // len(chunk))):
        yield chunk
    yield tail.encode()


def replaced(path: Path, member: str, content: Iterable[bytes], *, level: int = 1) -> Path:
    """Write the template workbook to ``path`` with ``member`` replaced by ``content`` (deflate
    ``level`` 1 by default: fast, and still over 200 times smaller for the repeated bombs)."""
    source = zipfile.ZipFile(io.BytesIO(template_xlsx()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as out:
        for info in source.infolist():
            if info.filename != member:
                out.writestr(info.filename, source.read(info.filename))
        with out.open(member, "w", force_zip64=True) as target:
            for chunk in content:
                target.write(chunk)
    return path


def empty_rows(path: Path, megabytes: int) -> Path:
    """The sheet: millions of ``<row/>`` (hundreds of times smaller compressed)."""
    return replaced(path, SHEET, repeated("<row/>", megabytes * MB, head=SHEET_HEAD, tail=SHEET_TAIL))


def huge_shared_string(path: Path, megabytes: int) -> Path:
    """One shared string of ``megabytes`` MB."""
    head = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
    return replaced(path, STRINGS, repeated("A", megabytes * MB, head=head, tail="</t></si></sst>"))


def whitespace(path: Path, megabytes: int) -> Path:
    """The sheet's rows separated by ``megabytes`` MB of spaces."""
    head = SHEET_HEAD + '<row r="1"><c r="A1" t="inlineStr"><is><t>平台订单号</t></is></c></row>'
    return replaced(path, SHEET, repeated(" ", megabytes * MB, head=head, tail=SHEET_TAIL))


def numbered_empty_rows(path: Path, rows: int) -> Path:
    """The template's header row, then ``rows`` empty rows each with its number: compresses only ~10 times,
    so it passes the zip checks; reading it must still not keep the rows."""
    from openpyxl.utils import get_column_letter

    from channels.imports.template import HEADER

    header = "".join(
        f'<c r="{get_column_letter(n)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for n, name in enumerate(HEADER, start=1)
    )

    def content():
        yield (SHEET_HEAD + f'<row r="1">{header}</row>').encode()
        for start in range(2, rows + 2, 50_000):
            yield "".join(f'<row r="{n}"/>' for n in range(start, min(start + 50_000, rows + 2))).encode()
        yield SHEET_TAIL.encode()

    return replaced(path, SHEET, content(), level=6)


def with_sheet(path: Path, xml: str) -> Path:
    return replaced(path, SHEET, [xml.encode()])
