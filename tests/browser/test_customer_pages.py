"""The buyer's and the supervisor's pages in a real Chromium: "where is my order" on a 360 px phone
(look-up, masked timeline, a return with a photo shrunk in the browser), and the admin home
page's dashboard with its SVG charts drawn, on a laptop and a phone."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from PIL import Image

from oms.roles import SUPERVISOR, sync_roles
from orders.returns_models import ReturnRequest
from orders.services.rollups import analytics_refresh, dashboard_refresh, local_today
from orders.states import OrderStatus
from tests.browser.conftest import PASSWORD, PHONE, admin_login, assert_only_live_server

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser, browser_context_args):
    context = browser.new_context(**{**browser_context_args, **PHONE})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_where_is_my_order_on_a_phone(phone, order_in_state, tmp_path, request_log, live_server):
    order = order_in_state(OrderStatus.DELIVERED)
    urls: list[str] = []
    phone.on("request", lambda r: urls.append(r.url))
    phone.goto("/track/")
    _no_sideways_scroll(phone)
    phone.fill("#id_number", order.number)
    phone.fill("#id_tail", "9999")
    phone.click("#track-form button[type=submit]")
    assert "没有找到订单" in phone.inner_text("#track-error")

    phone.fill("#id_tail", "1234")
    phone.click("#track-form button[type=submit]")
    phone.wait_for_url(f"**/track/{order.number}/")
    timeline = phone.inner_text("#track-timeline")
    for step in ("已接单", "已审核", "已拣货", "已打包", "已发货", "已签收"):
        assert step in timeline
    assert order.tracking_number in phone.inner_text("#track-parcel")
    body = phone.inner_text("body")
    assert "138****1234" in body and "13812341234" not in body and "文三路" not in body
    _no_sideways_scroll(phone)
    phone.screenshot(path=str(tmp_path / "track.png"), full_page=True)

    big = tmp_path / "parcel.jpg"
    Image.new("RGB", (4000, 3000), (180, 60, 40)).save(big, quality=95)
    phone.click("#track-return")
    phone.wait_for_url("**/return/")
    _no_sideways_scroll(phone)
    phone.check("input[type=checkbox] >> nth=0")
    phone.select_option("#id_reason", "damaged")
    phone.fill("#id_description", "外箱压坏")
    phone.set_input_files("#id_photos", str(big))
    phone.click("#return-form button[type=submit]")
    phone.wait_for_url(f"**/track/{order.number}/")
    assert "已提交" in phone.inner_text("body")
    created = ReturnRequest.objects.get(order=order)
    photo = created.photos.get()
    assert max(photo.width, photo.height) <= 1600  # shrunk in the browser (and checked again on the server)
    assert created.number in phone.inner_text("#returns")
    assert_only_live_server(urls, live_server)


@pytest.fixture
def supervisor(db):
    sync_roles()
    user = User.objects.create_user("supervisor_dash", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=SUPERVISOR))
    return user


@pytest.fixture
def history(order_in_state, place_order, jd_channel, make_return):
    for status in (OrderStatus.SHIPPED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        order_in_state(status)
    place_order(channel=jd_channel)
    make_return(lines=[("A001", 1)])
    today = local_today()
    dashboard_refresh(first=today - timedelta(days=30), last=today)
    analytics_refresh()


@pytest.mark.parametrize("size", [{"width": 1366, "height": 900}, {"width": 360, "height": 740}])
def test_the_dashboard_draws_its_charts(browser, browser_context_args, supervisor, history, size, tmp_path, live_server):
    context = browser.new_context(**{**browser_context_args, "viewport": size})
    context.set_default_timeout(15_000)
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    admin_login(page, "supervisor_dash")
    page.wait_for_selector("#oms-dashboard")
    for chart in ("#oms-chart-daily svg", "#oms-chart-heat svg"):
        box = page.locator(chart).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 80, chart
        assert box["x"] + box["width"] <= size["width"] + 1, "the chart fits the screen"
    assert page.locator("#oms-chart-daily svg rect").count() >= 2  # bars drawn
    assert page.locator("#oms-chart-heat svg rect").count() == 7 * 24
    assert page.locator("#oms-kpis [data-kpi]").count() == 6
    assert "—" not in page.inner_text("[data-kpi=cancel_rate] .oms-kpi-value")
    assert page.locator("#oms-levels").count() == 1
    page.screenshot(path=str(tmp_path / f"dashboard-{size['width']}.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#oms-kpi-export")
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"  # an XLSX
    assert_only_live_server(urls, live_server)
    context.close()
