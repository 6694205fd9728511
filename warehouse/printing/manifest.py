"""The station manifest (站点配送清单), A4 portrait: what one delivery run brings to a group-buy
pickup station, and what each household collects there.

Read from the orders of a station wave (the warehouse knows stations through the orders, never
through the group-buy campaign): the station and its address, the run's number as a Code128,
the totals per SKU to count off the truck, then one row per household — its slot, name, masked
phone, items and quantities, and a QR code of its pickup link that the leader scans when the
household comes (the household's own page shows the same code).
"""

import io
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from core.masking import mask_phone
from orders.models import OrderLine
from orders.states import OrderStatus
from orders.stations import pickup_path
from warehouse.models import StationWave, WaveOrder
from warehouse.printing.data import local_now
from warehouse.printing.drawing import LINE, draw_code128, draw_qr, draw_text, fit_size, hline, wrap
from warehouse.printing.fonts import cjk_font

MARGIN = 12 * mm
ROW_H = 26 * mm
QR_SIZE = 22 * mm


@dataclass(frozen=True)
class Household:
    slot: int
    number: str
    name: str
    phone: str
    items: list[tuple[str, int]]
    pickup_url: str


@dataclass(frozen=True)
class Manifest:
    run: str
    station: str
    station_code: str
    region: str
    address: str
    warehouse: str
    households: list[Household]
    #: (sku code, name, units) to count off the truck
    totals: list[tuple[str, str, int]]

    @property
    def units(self) -> int:
        return sum(units for _code, _name, units in self.totals)


def manifest_for(station_wave: StationWave, *, base_url: str) -> Manifest:
    """The manifest of a station wave's live orders (cancelled ones left out), in slot order;
    ``base_url`` makes the pickup links absolute (``https://oms.example.com``). Four queries."""
    station = station_wave.station
    links = list(
        WaveOrder.objects.filter(wave_id=station_wave.wave_id)
        .exclude(order__status=OrderStatus.CANCELLED)
        .select_related("order")
        .order_by("slot")
    )
    lines: dict[int, list[tuple[str, int]]] = {}
    totals: dict[str, list] = {}
    for order_id, code, title, quantity in OrderLine.objects.filter(
        order_id__in=[link.order_id for link in links]
    ).order_by("order_id", "id").values_list("order_id", "sku_code", "title", "quantity"):
        lines.setdefault(order_id, []).append((title or code, quantity))
        totals.setdefault(code, [code, title or code, 0])[2] += quantity
    base = base_url.rstrip("/")
    households = [
        Household(
            slot=link.slot, number=link.order.number, name=link.order.recipient_name,
            phone=mask_phone(link.order.phone), items=lines.get(link.order_id, []),
            pickup_url=base + pickup_path(link.order.number),
        )
        for link in links
    ]
    return Manifest(
        run=station_wave.wave.number, station=station.name, station_code=station.code, region=station.region,
        address=station.address, warehouse=station_wave.wave.warehouse.name, households=households,
        totals=[tuple(row) for _code, row in sorted(totals.items())],
    )


def manifest_pdf(manifest: Manifest, *, printed_at: datetime | None = None) -> bytes:
    font = cjk_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=font)
    canvas.setTitle(_("站点配送清单 %(run)s") % {"run": manifest.run})
    canvas.setCreator("OMS")
    printed = printed_at or local_now()
    page = [1]
    y = _header(canvas, manifest, font, printed)
    y = _totals(canvas, manifest, font, y)
    for household in manifest.households or []:
        if y - ROW_H < MARGIN + 8 * mm:
            _footer(canvas, manifest, font, page[0], printed)
            canvas.showPage()
            page[0] += 1
            y = _continued(canvas, manifest, font)
        y = _household(canvas, household, font, y)
    if not manifest.households:
        draw_text(canvas, MARGIN, y - 8 * mm, _("（没有订单）"), font, 11)
    _footer(canvas, manifest, font, page[0], printed)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _header(canvas: Canvas, manifest: Manifest, font: str, printed: datetime) -> float:
    page_w, page_h = A4
    left, right, top = MARGIN, page_w - MARGIN, page_h - MARGIN
    draw_text(canvas, left, top - 8 * mm, _("站点配送清单"), font, 20, bold=True)
    draw_code128(canvas, manifest.run, center_x=right - 35 * mm, y=top - 14 * mm, max_width=70 * mm, height=12 * mm)
    draw_text(canvas, right - 35 * mm, top - 18 * mm, manifest.run, font, 9, anchor="center")
    width = page_w - 2 * MARGIN - 75 * mm
    title = f"{manifest.station}（{manifest.station_code}）"
    draw_text(canvas, left, top - 17 * mm, title, font, fit_size(title, font, 15, width), bold=True)
    where = " · ".join(part for part in (manifest.region, manifest.address) if part)
    draw_text(canvas, left, top - 23 * mm, where, font, fit_size(where, font, 10, page_w - 2 * MARGIN))
    facts = _("%(warehouse)s 发车 · %(households)d 户 · %(units)d 件 · 打印 %(at)s") % {
        "warehouse": manifest.warehouse, "households": len(manifest.households), "units": manifest.units,
        "at": f"{timezone.localtime(printed):%Y-%m-%d %H:%M}",
    }
    draw_text(canvas, left, top - 29 * mm, facts, font, 10)
    hline(canvas, left, right, top - 32 * mm)
    return top - 32 * mm


def _totals(canvas: Canvas, manifest: Manifest, font: str, y: float) -> float:
    page_w, _page_h = A4
    left = MARGIN
    column_w = (page_w - 2 * MARGIN) / 2
    draw_text(canvas, left, y - 6 * mm, _("按商品清点（装车、到站时核对）"), font, 11, bold=True)
    y -= 8 * mm
    for index, (code, name, units) in enumerate(manifest.totals):
        x = left + (index % 2) * column_w
        row_y = y - (index // 2 + 1) * 6 * mm
        text = f"{code} {name}"
        draw_text(canvas, x, row_y, text, font, fit_size(text, font, 10, column_w - 22 * mm))
        draw_text(canvas, x + column_w - 4 * mm, row_y, f"×{units}", font, 11, bold=True, anchor="right")
    y -= ((len(manifest.totals) + 1) // 2) * 6 * mm + 4 * mm
    hline(canvas, left, page_w - MARGIN, y)
    return y


def _continued(canvas: Canvas, manifest: Manifest, font: str) -> float:
    page_w, page_h = A4
    top = page_h - MARGIN
    text = _("%(station)s · %(run)s（续）") % {"station": manifest.station, "run": manifest.run}
    draw_text(canvas, MARGIN, top - 7 * mm, text, font, 13, bold=True)
    hline(canvas, MARGIN, page_w - MARGIN, top - 10 * mm)
    return top - 10 * mm


def _household(canvas: Canvas, household: Household, font: str, y: float) -> float:
    page_w, _page_h = A4
    left, right = MARGIN, page_w - MARGIN
    draw_text(canvas, left, y - 10 * mm, str(household.slot), font, 22, bold=True)
    x = left + 16 * mm
    text_w = right - QR_SIZE - 22 * mm - x
    head = f"{household.name}  {household.phone}"
    draw_text(canvas, x, y - 6 * mm, head, font, fit_size(head, font, 13, text_w), bold=True)
    draw_text(canvas, x, y - 10.5 * mm, household.number, font, 8.5)
    items = "、".join(f"{name}×{quantity}" for name, quantity in household.items)
    for number, text in enumerate(wrap(items, font, 10, text_w, 3)):
        draw_text(canvas, x, y - 15.5 * mm - number * 4.2 * mm, text, font, 10)
    box = right - QR_SIZE - 16 * mm
    canvas.setLineWidth(LINE)
    canvas.rect(box, y - 14 * mm, 6 * mm, 6 * mm)
    draw_text(canvas, box + 3 * mm, y - 18.5 * mm, _("已取"), font, 8, anchor="center")
    draw_qr(canvas, household.pickup_url, x=right - QR_SIZE, y=y - QR_SIZE - 2 * mm, size=QR_SIZE)
    y -= ROW_H
    canvas.setLineWidth(LINE / 2)
    canvas.line(left, y, right, y)
    return y


def _footer(canvas: Canvas, manifest: Manifest, font: str, page: int, printed: datetime) -> None:
    page_w, _page_h = A4
    text = _("%(run)s · 第 %(page)d 页 · 团长扫码确认取货") % {"run": manifest.run, "page": page}
    draw_text(canvas, page_w / 2, MARGIN - 4 * mm, text, font, 8, anchor="center")
