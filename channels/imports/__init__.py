"""Reading platform order exports: recognise the format from the header row, group rows into
orders, and hand back one ``ImportedOrder`` (a draft, or row problems) per platform order.

``open_export(file, extra_file)`` checks the files (readable, recognised, right columns, a Taobao
pair complete) and raises ``FileUnreadable`` with a message for people; ``Export.orders()`` then
streams the orders. Rows of one order must be adjacent, as every platform writes them; a repeat
further down is reported as a problem, not merged, so that the file never has to sit in memory.
Taobao's item report is the exception: it is read first and held, keyed by order number (one
small tuple per item), while the order report streams past it.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from channels.imports import cells, douyin, jd, pinduoduo, taobao, template
from channels.imports.cells import CellInvalid
from channels.imports.formats import (
    ExportFormat,
    ImportedOrder,
    MissingColumns,
    RowProblem,
    build_order,
    values,
)
from channels.imports.reading import FileUnreadable, read_rows

__all__ = [
    "FORMATS",
    "Export",
    "FileUnreadable",
    "ImportedOrder",
    "RowProblem",
    "format_label",
    "open_export",
]

FORMATS: tuple[ExportFormat, ...] = (
    taobao.ORDERS,
    taobao.ITEMS,
    douyin.FORMAT,
    pinduoduo.FORMAT,
    jd.FORMAT,
    template.FORMAT,
)


def format_label(code: str) -> str:
    """The label of an export format by its code (the code itself if unknown)."""
    return next((str(fmt.label) for fmt in FORMATS if fmt.code == code), code)


#: How many non-empty rows at the top may precede the header (a title line, a date range…).
_HEADER_SEARCH = 5
#: The header is looked for in this many rows at most, empty ones included: recognising a file
#: reads its top, never the whole file (a sheet of a million empty rows is refused at once).
HEADER_ROWS = 50


@dataclass
class _Sheet:
    file: object
    format: ExportFormat
    header_row: int
    index: dict[str, int]

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        for number, row in read_rows(self.file):
            if number > self.header_row:
                yield number, values(row, self.index)


def _sheet(file) -> _Sheet:
    seen = 0
    for number, row in read_rows(file, max_row=HEADER_ROWS):
        keys = {cells.header_key(cell) for cell in row}
        for fmt in FORMATS:
            if fmt.matches(keys):
                try:
                    return _Sheet(file, fmt, number, fmt.bind(row))
                except MissingColumns as exc:
                    raise FileUnreadable(
                        _("识别为“%(format)s”，但缺少必需的列：%(columns)s")
                        % {"format": str(fmt.label), "columns": "、".join(exc.names)}
                    ) from exc
        seen += 1
        if seen >= _HEADER_SEARCH:
            break
    if not seen:
        raise FileUnreadable(_("文件的前 %(n)d 行里没有任何内容（表头应在文件顶部）") % {"n": HEADER_ROWS})
    raise FileUnreadable(
        _("无法识别表头：不是淘宝/天猫、拼多多、抖店、京东的订单导出，也不是本系统的导入模板")
    )


def open_export(file, extra_file=None, *, platform: str | None = None) -> "Export":
    """Recognise ``file`` (and ``extra_file``, the second half of a two-file export). With
    ``platform``, refuse an export from another platform than the channel's."""
    sheets = [_sheet(file)] + ([_sheet(extra_file)] if extra_file else [])
    parts = {sheet.format.part: sheet for sheet in sheets}
    fmt = sheets[0].format
    if platform and fmt.platform and fmt.platform != platform:
        raise FileUnreadable(_("这是“%(format)s”，与所选渠道的平台不符") % {"format": str(fmt.label)})
    if len(sheets) == 2 and (set(parts) != {"orders", "items"} or sheets[1].format.platform != fmt.platform):
        raise FileUnreadable(_("第二个文件只用于淘宝/天猫的宝贝报表；这两个文件不能一起导入"))
    if fmt.part and len(sheets) == 1:
        raise FileUnreadable(_("淘宝/天猫的导出分两个文件：请同时上传订单报表和宝贝报表"))
    if fmt.part:
        return Export(taobao.ORDERS, parts["orders"], parts["items"])
    return Export(fmt, sheets[0], None)


class Export:
    def __init__(self, fmt: ExportFormat, sheet: _Sheet, items: _Sheet | None):
        self.format = fmt
        self._sheet = sheet
        self._items = items
        #: Rows read so far (both files), known in full once ``orders()`` is exhausted.
        self.rows_read = 0

    @property
    def label(self) -> str:
        return str(self.format.label)

    def orders(self, channel: str, *, skip: int = 0) -> Iterator[ImportedOrder]:
        """Every order of the file, in file order, after the first ``skip`` (read, not built)."""
        self.rows_read = 0
        if self._items is not None:
            yield from self._joined(channel, skip)
        else:
            yield from self._grouped(channel, skip)

    def _groups(self, rows) -> Iterator[tuple[str, list[tuple[int, dict[str, str]]], RowProblem | None]]:
        """(order number, rows, problem) for runs of adjacent rows with the same order number."""
        seen: set[str] = set()
        key, group = None, []
        for number, row in rows:
            self.rows_read += 1
            text = row.get("order", "")
            if text != key:
                if group:
                    yield key, group, None
                if text in seen and text:
                    yield (
                        text,
                        [(number, row)],
                        RowProblem(number, text, _("同一订单的行必须相邻，该订单在前面已出现过")),
                    )
                    key, group = None, []
                    continue
                seen.add(text)
                key, group = text, []
            group.append((number, row))
        if group:
            yield key, group, None

    def _checked_number(self, key: str, row: int, file: str = "") -> tuple[str, RowProblem | None]:
        try:
            return cells.order_number(key), None
        except CellInvalid as exc:
            return key, RowProblem(row, key, str(exc), file)

    def _grouped(self, channel: str, skip: int) -> Iterator[ImportedOrder]:
        for index, (key, group, problem) in enumerate(self._groups(self._sheet.rows())):
            if index < skip:
                continue
            rows = [n for n, _v in group]
            external_id, bad = self._checked_number(key, rows[0])
            if problem or bad:
                yield ImportedOrder(
                    external_id, rows[0], rows[-1], problems=[problem or bad], row_count=len(rows)
                )
                continue
            yield build_order(
                self.format, channel=channel, external_id=external_id, head=group[0], items=group
            )

    def _joined(self, channel: str, skip: int) -> Iterator[ImportedOrder]:
        item_file = _("宝贝报表")
        items: dict[str, list[tuple[int, dict[str, str]]]] = {}
        for number, row in self._items.rows():
            self.rows_read += 1
            items.setdefault(row.get("order", ""), []).append((number, row))
        self._group_count = 0
        for index, (key, group, problem) in enumerate(self._groups(self._sheet.rows())):
            self._group_count = index + 1
            own = items.pop(key, [])
            if index < skip:
                continue
            rows = [n for n, _v in group]
            external_id, bad = self._checked_number(key, rows[0])
            if problem or bad or len(group) > 1:
                bad = problem or bad or RowProblem(rows[1], key, _("订单报表里同一订单号出现了多行"))
                yield ImportedOrder(external_id, rows[0], rows[-1], problems=[bad], row_count=len(rows))
                continue
            if not own:
                yield ImportedOrder(
                    external_id,
                    rows[0],
                    rows[0],
                    problems=[RowProblem(rows[0], key, _("宝贝报表里没有这个订单的商品"))],
                    row_count=1,
                )
                continue
            yield build_order(
                self.format,
                channel=channel,
                external_id=external_id,
                head=group[0],
                items=own,
                item_file=item_file,
            )
        # Items whose order is not in the order report come last, counted on from the orders.
        groups = self._group_count
        for index, (key, own) in enumerate(items.items(), start=groups):
            if index < skip:
                continue
            yield ImportedOrder(
                key,
                own[0][0],
                own[-1][0],
                problems=[RowProblem(own[0][0], key, _("订单报表里没有这个订单"), item_file)],
                row_count=len(own),
            )
