"""The phone pages on a slow, patchy network: each page stays under 150 KB, a scan whose answer
was lost is retried without being applied twice, and a concurrent cancel shows on the phone."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from orders.services import order_cancel
from tests.browser.floor import RequestLog, floor_login, focused_id, phone_context, scanner
from tests.fixtures.floor import pack_all, pick_all
from tests.floor.codes import jpeg_bytes
from warehouse.models import PickLine, ScanRecord
from warehouse.services import parcel_weigh

pytestmark = pytest.mark.browser

PAGE_BUDGET = 150 * 1024


@pytest.fixture
def floor_state(released_wave, picker_hz, boxes, sku_by_code, settings, tmp_path):
    """A wave being picked (with a SKU picture on its first line), one picked wave with an order
    to pack, and a packed, weighed parcel: something on every page."""
    settings.MEDIA_ROOT = tmp_path
    sku_by_code["F004"].image.save("f004.jpg", io.BytesIO(jpeg_bytes(Image.new("RGB", (2400, 2400), "teal"), 95)))
    picking, _ = released_wave([[("F004", 1), ("F002", 2)], [("F002", 1), ("F001", 1)]])
    done, (to_pack, packed) = released_wave([[("F001", 1), ("F003", 1)], [("F003", 2)]])
    pick_all(done, picker_hz)
    pack_all(packed, picker_hz, boxes["3号"])
    parcel_weigh(order=packed, weight_g=960, actor=picker_hz)  # 2 × 380 g + the 3号 box
    return {"picking": picking, "done": done, "to_pack": to_pack, "packed": packed}


def test_every_phone_page_stays_under_150_kb(browser, live_server, floor_picker, floor_state):
    pages = [
        "/floor/",
        f"/floor/wave/{floor_state['picking'].pk}/pick/",
        f"/floor/wave/{floor_state['done'].pk}/sort/",
        "/floor/pack/",
        f"/floor/pack/{floor_state['to_pack'].number}/",
        "/floor/weigh/",
        f"/floor/weigh/{floor_state['packed'].number}/",
        "/floor/ship/",
    ]
    login_context = phone_context(browser, live_server)
    log = RequestLog()
    log.attach(login_context)
    login_page = login_context.new_page()
    login_page.goto("/floor/login/")
    login_page.wait_for_load_state("networkidle")
    sizes = {"/floor/login/": log.total()}
    floor_login(login_page, floor_picker)
    cookies = login_context.cookies()
    login_context.close()

    for path in pages:
        context = phone_context(browser, live_server)  # empty cache: everything is transferred
        context.add_cookies(cookies)
        log = RequestLog()
        log.attach(context)
        page = context.new_page()
        assert page.goto(path).status == 200, path
        page.wait_for_load_state("networkidle")
        sizes[path] = log.total()
        if "/pick/" in path:
            assert any("/image/" in url for url in log.urls), "the SKU picture is part of the pick page"
        context.close()

    print("bytes per page:", sizes)
    assert all(0 < size < PAGE_BUDGET for size in sizes.values()), sizes


def test_a_lost_answer_is_retried_and_applied_once(browser, live_server, floor_picker, released_wave):
    wave, _orders = released_wave([[("F002", 3)]])
    context = phone_context(browser, live_server)
    page = context.new_page()
    floor_login(page, floor_picker)
    page.goto(f"/floor/wave/{wave.pk}/pick/")
    sent = []

    def lose_first_answer(route):
        sent.append(re.search(r'name="request_id"\r\n\r\n([^\r]+)', route.request.post_data).group(1))
        response = route.fetch()  # the server applies the scan...
        if len(sent) == 1:
            route.abort("connectionreset")  # ...and the Wi-Fi drops its answer
        else:
            route.fulfill(response=response)

    page.route("**/pick/scan/", lose_first_answer)
    scanner(page, "6901234500028")

    expect(page.locator("[data-remaining]")).to_have_text("2")
    assert len(sent) == 2 and sent[0] == sent[1], "the retry carries the same request id"
    assert PickLine.objects.get(wave=wave).picked == 1
    assert ScanRecord.objects.filter(step="pick").count() == 1
    assert focused_id(page) == "scan-field"
    context.close()


def test_a_cancel_while_packing_shows_on_the_phone(browser, live_server, floor_picker, released_wave, picker_hz, supervisor):
    wave, (order,) = released_wave([[("F001", 2), ("F003", 1)]])
    pick_all(wave, picker_hz)
    context = phone_context(browser, live_server)
    page = context.new_page()
    floor_login(page, floor_picker)
    page.goto(f"/floor/pack/{order.number}/")
    scanner(page, "6901234500011")
    expect(page.locator("[data-progress]")).to_contain_text("已扫 1/3 件")

    order_cancel(order=order, actor=supervisor, note="买家取消")  # ops, at the same moment
    scanner(page, "6901234500035")

    expect(page.locator("[data-banner]")).to_have_text("订单已取消")
    expect(page.locator("[data-feedback]")).to_have_attribute("data-level", "error")
    expect(page.locator("[data-panel]")).to_contain_text("请停止打包")
    assert page.evaluate("window.__vibrations.length") == 1
    assert not ScanRecord.objects.filter(order=order, step="pack", ok=True, sku__code="F003").exists()
    context.close()
