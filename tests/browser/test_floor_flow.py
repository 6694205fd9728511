"""A picker's whole walk on a phone, in a real Chromium: log in, pick (a wrong item refused, a
double read ignored, a photo), open the order at the pack station by its execution sheet's QR,
pack, weigh, get the label the sandbox carrier issued, and hand it over at the dock by scanning
that label's barcode, with a hardware scanner typing into the page."""

import io
import os
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from orders.models import Order, Priority
from orders.states import OrderStatus
from tests.browser.conftest import assert_only_live_server
from tests.browser.floor import RequestLog, floor_login, focused_id, phone_context, scanner
from tests.floor.codes import jpeg_bytes
from tests.shipping.pdf_helpers import barcodes, rasterise
from warehouse.models import FloorPhoto, Parcel, ScanRecord, Shipment, WaveKind
from warehouse.services import wave_build, wave_release

pytestmark = pytest.mark.browser


def snap(page, name: str) -> None:
    """With FLOOR_SCREENSHOTS=<dir>, keep what the phone shows (the README's pictures come from here)."""
    folder = os.environ.get("FLOOR_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"floor-{name}.png"))


@pytest.fixture
def urgent_wave(floor_order, picker_hz, supervisor, sku_by_code, settings, tmp_path):
    """One 加急 order (F001×2 at C-01, F003×1 at B-02) in a wave of its own (按单拣货), released to
    the picker. F003 has a catalogue picture, as most SKUs do."""
    settings.MEDIA_ROOT = tmp_path
    sku_by_code["F003"].image.save("f003.jpg", io.BytesIO(jpeg_bytes(Image.new("RGB", (1200, 1200), "teal"))))
    order = floor_order([("F001", 2), ("F003", 1)], priority=Priority.HIGH)
    (wave,) = wave_build(warehouse=order.warehouse_id, actor=supervisor)
    assert wave.kind == WaveKind.ORDER
    return wave_release(wave=wave, actor=supervisor, assignee=picker_hz), order


def printed(context, page, selector: str) -> bytes:
    """The PDF a print link on the page opens (the phone's session), as the printer gets it."""
    response = context.request.get(page.locator(selector).get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    return response.body()


def test_pick_pack_weigh_ship_on_a_phone(browser, live_server, floor_picker, urgent_wave, boxes, carriers, tmp_path):
    wave, order = urgent_wave
    context = phone_context(browser, live_server)
    log = RequestLog()
    log.attach(context)
    page = context.new_page()

    floor_login(page, floor_picker)
    expect(page.locator("[data-count=pick] .n")).to_have_text("1")
    snap(page, "tasks")
    page.click(f"text={wave.number}")
    page.wait_for_url(f"**/floor/wave/{wave.pk}/pick/")
    assert focused_id(page) == "scan-field", "the scan field has focus when the page opens"
    expect(page.locator("[data-bin]")).to_have_text("B-02")  # pick sequence 20 before C-01's 30

    # A wrong item: refused on the spot, with vibration, recorded, nothing moves.
    scanner(page, "6901234500042")
    feedback = page.locator("[data-feedback]")
    expect(feedback).to_contain_text("拿错了")
    expect(feedback).to_have_attribute("data-level", "error")
    assert page.evaluate("window.__vibrations.length") == 1
    assert focused_id(page) == "scan-field"
    snap(page, "pick-wrong")

    scanner(page, "6901234500035")
    expect(page.locator("[data-progress]")).to_contain_text("第 1/2 行")
    expect(page.locator("[data-bin]")).to_have_text("C-01")
    scanner(page, "6901234500011")
    expect(page.locator("[data-remaining]")).to_have_text("1")
    scanner(page, "6901234500011")  # the scanner read the same label twice: ignored
    expect(feedback).to_contain_text("重复")
    page.wait_for_timeout(2100)
    scanner(page, "6901234500011")
    expect(page.locator("[data-panel]")).to_contain_text("本波次已拣完")
    assert focused_id(page) == "scan-field"

    # A photo of the tote, from a phone camera's 4000×3000 picture, shrunk in the browser.
    big = tmp_path / "tote.jpg"
    Image.new("RGB", (4000, 3000), "orange").save(big, quality=95)
    page.set_input_files("[data-photo-input]", str(big))
    expect(page.locator("[data-photos] img")).to_have_count(1)
    photo = FloorPhoto.objects.get()
    assert (photo.step, photo.wave_id, photo.width, photo.height) == ("pick", wave.pk, 1600, 1200)

    # The wave's execution sheet, printed from the pick page; its QR opens the order at the pack station.
    (sheet,) = rasterise(printed(context, page, "[data-print=sheets]"), dpi=200)
    (sheet_qr,) = barcodes(sheet)["QRCode"]
    assert sheet_qr == f"{live_server.url}/floor/pack/{order.number}/"
    expect(page.get_by_role("link", name="去打包")).to_be_visible()
    page.goto("/floor/pack/")
    scanner(page, sheet_qr)
    page.wait_for_url(f"**/floor/pack/{order.number}/")
    scanner(page, "6901234500011")
    expect(page.locator("[data-progress]")).to_contain_text("已扫 1/3 件")
    snap(page, "pack")
    scanner(page, "F001")  # the same item by our own code: a second unit, not a double read
    scanner(page, "6901234500035")
    expect(page.locator("[data-progress]")).to_contain_text("已扫 3/3 件")
    page.click("[data-box='3号']")
    page.wait_for_url(f"**/floor/weigh/{order.number}/")
    expect(page.locator("[data-expected]")).to_contain_text("820")

    scanner(page, "ST,GS,+0000.835kg")  # a USB scale types its reading and Enter
    expect(page.locator("[data-weigh-state]")).to_have_attribute("data-weigh-state", "ok")

    # Cleared by the scale: the sandbox carrier issued the waybill, the page shows the label.
    shipment = Shipment.objects.select_related("carrier").get(order=order)
    expect(page.locator("[data-waybill]")).to_have_text(shipment.waybill_number)
    expect(page.locator("[data-sort-code]")).to_have_text(shipment.sort_code)
    expect(feedback).to_contain_text("请打印贴好")
    snap(page, "weigh")
    (label,) = rasterise(printed(context, page, "[data-print=pdf]"), dpi=203)
    (waybill,) = barcodes(label)["Code128"]
    assert waybill == shipment.waybill_number

    page.get_by_role("link", name="发货口").click()
    page.wait_for_url("**/floor/ship/")
    expect(page.locator("[data-waiting-list]")).to_contain_text(waybill)
    scanner(page, waybill)  # the label's barcode at the dock
    expect(feedback).to_contain_text("已交接")
    expect(page.locator("[data-shipped-today]")).to_have_text("1")
    snap(page, "ship")

    shipped = Order.objects.get(pk=order.pk)
    assert (shipped.status, shipped.carrier, shipped.tracking_number) == (
        OrderStatus.SHIPPED, shipment.carrier.name, waybill,
    )
    parcel = Parcel.objects.get(order=order)
    assert (parcel.weight_g, parcel.box.code, parcel.shipped_by) == (835, "3号", floor_picker)
    assert parcel.shipped_at <= timezone.now()
    wrong = ScanRecord.objects.filter(ok=False)
    assert [(r.step, r.reason) for r in wrong] == [("pick", "wrong_item")]
    assert ScanRecord.objects.filter(step="pick", ok=True).count() == 3, "the double read was not sent"
    assert_only_live_server(log.urls, live_server)
    context.close()
