"""Rows of an uploaded file, streamed: CSV in UTF-8 (with or without BOM) or GB18030/GBK, or XLSX.

``read_rows`` yields (row number as the seller sees it, cells as text); it never holds the file.
An XLSX is first checked as an archive (``core.uploads.check_zip``: no zip bombs), then its first
sheet is parsed row by row, each row dropped once read: memory stays flat however long the sheet.
A file that breaks while being read (truncated XML, entity expansion, a bad archive) raises
``FileUnreadable`` like any other unreadable file.
"""

import codecs
import csv
import io
import logging
import zipfile
import zlib
from collections.abc import Iterator
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _

from channels.imports.cells import as_text
from core.uploads import UploadRefused, check_zip

log = logging.getLogger(__name__)

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_CHUNK = 1 << 16
#: The last row number Excel has; a sheet claiming more is not an export.
_EXCEL_ROWS = 1_048_576
#: Parsed elements held at once: one row's cells (Excel has 16,384 columns), or what precedes the
#: rows (column widths…). More means a crafted sheet, refused before it fills memory.
_MAX_HELD = 100_000
#: What reading a broken XLSX raises (the archive, the XML parser, openpyxl on odd content).
_XLSX_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, ParseError, KeyError, IndexError, ValueError, TypeError)


class FileUnreadable(Exception):
    """The file is not a spreadsheet we can read; the message says why, in the user's language."""


def read_rows(file, *, max_row: int | None = None) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for each non-empty row of ``file`` (a binary file object, rewound),
    up to row ``max_row`` (empty rows count) when given."""
    rows = _rows(file)
    try:
        for number, cells in rows:
            if max_row is not None and number > max_row:
                return
            yield number, cells
    finally:
        rows.close()


def _rows(file) -> Iterator[tuple[int, list[str]]]:
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if not head:
        raise FileUnreadable(_("文件是空的"))
    if head.startswith(_XLS_MAGIC):
        raise FileUnreadable(_("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后上传"))
    if head.startswith(_XLSX_MAGIC):
        yield from _xlsx_rows(file)
    else:
        yield from _csv_rows(file)


def csv_encoding(file) -> str:
    """``utf-8-sig`` when the whole file is UTF-8 (BOM or not), else ``gb18030`` (covers GBK);
    refuses bytes that are neither, such as a binary file."""
    file.seek(0)
    if b"\x00" in file.read(_CHUNK):
        raise FileUnreadable(_("这不是表格文件（CSV 或 XLSX）"))
    for encoding in ("utf-8-sig", "gb18030"):
        file.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := file.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        file.seek(0)
        return encoding
    raise FileUnreadable(_("无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV，或 XLSX"))


def _csv_rows(file) -> Iterator[tuple[int, list[str]]]:
    encoding = csv_encoding(file)
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        reader = csv.reader(_excel_lines(text))
        try:
            for number, row in enumerate(reader, start=1):
                cells = [as_text(cell) for cell in row]
                if any(cells):
                    yield number, cells
        except csv.Error as exc:
            raise FileUnreadable(_("CSV 格式错误：%(error)s") % {"error": exc}) from exc
    finally:
        # Leave the caller's file open: it owns it.
        text.detach()


def _excel_lines(text) -> Iterator[str]:
    """The lines of ``text`` (read with universal newlines kept as they are), with a ``\r\r\n``
    line end taken as one line end, as Excel reads it: Taobao's exports end their lines so, and
    counted as two, each record's row number would be twice what the seller sees."""
    after_cr = False
    for line in text:
        if after_cr and line == "\r\n":
            after_cr = False
            continue
        after_cr = line.endswith("\r")
        yield line


def _xlsx_rows(file) -> Iterator[tuple[int, list[str]]]:
    try:
        check_zip(file)
    except UploadRefused as exc:
        raise FileUnreadable(exc.message) from exc
    try:
        reader, sheet_path = _open_workbook(file)
    except (*_XLSX_BROKEN, OSError) as exc:
        raise FileUnreadable(_("无法打开 XLSX 文件：%(error)s") % {"error": _reason(exc)}) from exc
    try:
        for number, row in _sheet_rows(reader, sheet_path):
            cells = [as_text(cell) for cell in row]
            if any(cells):
                yield number, cells
    except _XLSX_BROKEN as exc:
        raise FileUnreadable(_("XLSX 文件已损坏，读到一半无法继续：%(error)s") % {"error": _reason(exc)}) from exc
    finally:
        reader.archive.close()


def _open_workbook(file):
    """openpyxl's reader with what reading cell values needs (the shared strings, the workbook's
    date system, the styles that mark dates) and the path of the first worksheet. Unlike
    ``load_workbook`` it does not open every sheet: openpyxl's read-only sheet parses a sheet
    without a ``<dimension>`` to its end, keeping every row element, merely to learn its size."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    reader = ExcelReader(file, read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        for _sheet, rel in reader.parser.find_sheets():
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                return reader, rel.target
    except BaseException:
        reader.archive.close()
        raise
    reader.archive.close()
    raise FileUnreadable(_("XLSX 文件里没有工作表"))


def _sheet_rows(reader, sheet_path: str) -> Iterator[tuple[int, list]]:
    """(row number, values) for each row element of the sheet, read with openpyxl's own cell
    parser (shared strings, numbers, dates) as its read-only mode does, except that each row is
    dropped from the parsed tree once read. openpyxl clears a row's cells but keeps the row element
    itself, and its attributes when it has any, for the rest of the sheet: millions of empty or
    formatted rows then pile up in memory. Elements held at once are capped (``_MAX_HELD``)."""
    from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    book = reader.wb
    sheet_data = f"{{{SHEET_MAIN_NS}}}sheetData"
    with reader.archive.open(sheet_path) as source:
        parser = WorkSheetParser(
            source, reader.shared_strings, data_only=True, epoch=book.epoch,
            date_formats=book._date_formats, timedelta_formats=book._timedelta_formats,
        )
        rows, held = None, 0
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                if element.tag == sheet_data:
                    rows = element
                continue
            if element.tag != ROW_TAG:
                held += 1
                if held > _MAX_HELD:
                    raise ValueError(f"more than {_MAX_HELD} elements outside rows or in one row")
                continue
            held = 0
            number = _row_number(element.get("r"), parser.row_counter)
            parser.row_counter, parser.col_counter = number, 0
            if rows is not None:
                rows.clear()  # the row is parsed below from ``element``, which stays alive until then
            if not len(element):
                yield number, []
                continue
            cells = [parser.parse_cell(cell) for cell in element]
            values = [None] * max(cell["column"] for cell in cells)
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, values


def _row_number(given: str | None, previous: int) -> int:
    if given is None:
        number = previous + 1
    elif given.isdigit():
        number = int(given)
    else:
        value = float(given)
        if not value.is_integer():
            raise ValueError(f"row number {given!r}")
        number = int(value)
    if not 1 <= number <= _EXCEL_ROWS:
        raise ValueError(f"row number {number}")
    return number


def _reason(exc: Exception) -> str:
    """What went wrong, short: the parser's own words for broken XML or a bad archive, else its kind."""
    if isinstance(exc, (ParseError, zipfile.BadZipFile, zlib.error)):
        return str(exc)[:200]
    log.info("unreadable XLSX: %r", exc)
    return _("内容不符合 XLSX 格式")
