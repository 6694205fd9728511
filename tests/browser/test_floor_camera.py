"""One true camera scan: Chromium's fake camera plays a generated QR video (the execution sheet's
QR), the page sends frames to the server, zxing-cpp reads it, and the order's pack page opens."""

import pytest

from tests.browser.conftest import CHROMIUM_FLAGS, assert_only_live_server
from tests.browser.fake_camera import qr_video
from tests.browser.floor import RequestLog, floor_login, phone_context
from tests.conftest import chromium_path
from tests.fixtures.floor import pick_all

pytestmark = pytest.mark.browser


@pytest.fixture
def camera_browser(playwright, tmp_path, live_server, released_wave, picker_hz):
    """A Chromium whose camera sees the execution sheet QR of a picked order, and that order."""
    wave, (order,) = released_wave([[("F001", 1), ("F002", 1)]])
    pick_all(wave, picker_hz)
    video = qr_video(tmp_path / "sheet.y4m", f"{live_server.url}/floor/pack/{order.number}/")
    browser = playwright.chromium.launch(
        executable_path=chromium_path(),
        args=[
            *CHROMIUM_FLAGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield browser, order
    browser.close()


def test_the_phone_camera_reads_the_execution_sheet_qr(camera_browser, live_server, floor_picker):
    browser, order = camera_browser
    context = phone_context(browser, live_server, permissions=["camera"])
    log = RequestLog()
    log.attach(context)
    page = context.new_page()
    floor_login(page, floor_picker)
    page.goto("/floor/pack/")

    page.click("[data-camera]")

    page.wait_for_url(f"**/floor/pack/{order.number}/")
    assert "竹纤维毛巾" in page.content()
    decodes = [url for url in log.urls if url.endswith("/floor/decode/")]
    assert decodes, "the frames were read on the server (headless Chromium has no BarcodeDetector)"
    assert page.evaluate("'BarcodeDetector' in window") is False
    assert page.locator("[data-camera-view]").is_hidden(), "the camera is closed once a code is read"
    assert_only_live_server(log.urls, live_server)
    context.close()
