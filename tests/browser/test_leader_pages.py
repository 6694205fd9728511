"""The leader's phone (360 px) in a real Chromium: an order with a payment photo goes in once,
however hastily the button is tapped; after 20:00 the form is refused by the server, with the
time it closed, even on a page that was opened before."""

import io

import pytest
import time_machine
from PIL import Image
from playwright.sync_api import expect

from channels.groupbuy.models import CampaignOrder
from orders.models import Order
from tests.browser.conftest import PASSWORD, assert_only_live_server
from tests.browser.floor import RequestLog, phone_context
from tests.fixtures.groupbuy import local

pytestmark = pytest.mark.browser


@pytest.fixture
def phone_leader(leader_a, settings, media):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    leader_a.user.set_password(PASSWORD)
    leader_a.user.save()
    return leader_a


def leader_login(page, leader) -> None:
    page.goto("/leader/login/")
    page.fill("#id_username", leader.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/leader/")


def screenshot_png() -> bytes:
    """A phone screenshot of a payment: 1080×2340, a few hundred KB as PNG."""
    image = Image.new("RGB", (1080, 2340), (240, 240, 240))
    image.paste((7, 193, 96), (0, 0, 1080, 600))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def fill_household(page, *, name: str, phone: str) -> None:
    page.fill("#id_name", name)
    page.fill("#id_phone", phone)
    page.get_by_label("测试商品1").fill("2")
    page.set_input_files("#id_photo", {"name": "pay.png", "mimeType": "image/png", "buffer": screenshot_png()})


def test_a_leader_orders_for_a_household_with_a_photo(browser, live_server, phone_leader, campaign, media):
    with time_machine.travel(local(10), tick=True):
        context = phone_context(browser, live_server)
        log = RequestLog()
        log.attach(context)
        page = context.new_page()
        leader_login(page, phone_leader)
        expect(page.get_by_text("11月22日团购")).to_be_visible()
        page.get_by_role("link", name="新订单").click()
        expect(page.get_by_text("剩 5 件")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling

        fill_household(page, name="张阿姨", phone="139 1234 5678")
        expect(page.locator("[data-preview]")).to_be_visible()  # shrunk in the browser before sending
        page.get_by_role("button", name="提交订单").dblclick()  # a hasty double tap
        page.wait_for_url("**/leader/order/*/")

        expect(page.locator(".flash.ok")).to_contain_text("已下单：SO20261122")
        expect(page.locator(".steps .current")).to_have_text("已下单")
        order = Order.objects.get()
        assert (order.recipient_name, order.phone, order.station) == ("张阿姨", "13912345678", phone_leader.station)
        assert CampaignOrder.objects.count() == 1
        link = CampaignOrder.objects.get()
        with link.photo.open("rb") as stored:
            width, height = Image.open(stored).size
        assert max(width, height) <= 1600  # shrunk on the phone, re-encoded on the server
        assert_only_live_server(log.urls, live_server)
        context.close()


def test_the_form_is_refused_after_the_cutoff_with_the_time(browser, live_server, phone_leader, campaign):
    with time_machine.travel(local(19, 59, 30), tick=True) as clock:
        context = phone_context(browser, live_server)
        page = context.new_page()
        leader_login(page, phone_leader)
        page.goto("/leader/c/GB20261122/new/")
        fill_household(page, name="李叔", phone="13900001111")

        clock.move_to(local(20, 0, 5))  # the leader was slow: it is past 20:00 now
        page.get_by_role("button", name="提交订单").click()

        expect(page.locator(".closed")).to_contain_text("已于 11-22 20:00 截单")
        assert not Order.objects.exists()
        page.goto("/leader/c/GB20261122/new/")
        expect(page.locator(".closed")).to_contain_text("截单")
        assert page.locator("#id_name").count() == 0
        context.close()
