"""Rows of an uploaded file, streamed: CSV in UTF-8 (with or without BOM) or GB18030/GBK, or XLSX.

``read_rows`` yields (row number as the seller sees it, cells as text); it never holds the file.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator

from django.utils.translation import gettext as _

from channels.imports.cells import as_text

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_CHUNK = 1 << 16


class FileUnreadable(Exception):
    """The file is not a spreadsheet we can read; the message says why, in the user's language."""


def read_rows(file) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for each non-empty row of ``file`` (a binary file object, rewound)."""
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
    from openpyxl import load_workbook

    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileUnreadable(_("无法打开 XLSX 文件：%(error)s") % {"error": exc}) from exc
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [as_text(cell) for cell in row]
            if any(cells):
                yield number, cells
    finally:
        book.close()
