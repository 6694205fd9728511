"""The browser-printed label: Chromium prints the HTML label page at its @page size, and the
printed barcodes scan (the road when the server has no CJK font)."""

import pytest
from django.contrib.auth.models import Group, User

from oms.roles import OPS, sync_roles
from tests.browser.conftest import PASSWORD, admin_login, assert_only_live_server
from tests.shipping.pdf_helpers import barcodes, page_size_mm, rasterise, text_of
from warehouse.carriers.services import shipment_issue

pytestmark = pytest.mark.browser


@pytest.fixture
def ops_user(db):
    sync_roles()
    user = User.objects.create_user("ops_printer", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=OPS))
    return user


def test_chromium_prints_the_html_label_at_label_size_and_it_scans(page, live_server, ops_user, ready_order, request_log):
    order = ready_order(province="浙江省", city="杭州市")
    shipment = shipment_issue(order=order, weight_g=1250)
    admin_login(page, ops_user.username, next_url="/admin/")

    page.goto(f"/floor/print/label/{order.number}.html")
    page.wait_for_load_state("networkidle")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)

    assert page_size_mm(pdf) == pytest.approx((76, 130), abs=0.5)  # Chromium rounds to its pixels
    (printed,) = rasterise(pdf)
    found = barcodes(printed)
    assert found["Code128"] == [shipment.waybill_number] and found["QRCode"] == [shipment.waybill_number]
    assert "王小明" in text_of(pdf) and shipment.sort_code in text_of(pdf)
    assert_only_live_server(request_log, live_server)
