"""An ops user finds an order in the admin by its platform order number, in a real Chromium."""

import pytest
from django.contrib.auth.models import Permission, User

from orders.services import order_intake
from tests.browser.conftest import PASSWORD, admin_login, assert_only_live_server

pytestmark = pytest.mark.browser

PLATFORM_NUMBER = "3921847561029384756"


@pytest.fixture
def ops_user(db):
    """A staff member who may look at orders and act on them, but not see full phone numbers."""
    user = User.objects.create_user("ops_browser", password=PASSWORD, is_staff=True)
    codenames = ["view_order", "change_order", "approve_order", "hold_order", "cancel_order", "view_customer"]
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="orders", codename__in=codenames))
    return user


@pytest.fixture
def orders(stocked, make_draft):
    """Three paid orders waiting for review; the one we look for has a known platform number."""
    wanted = order_intake(draft=make_draft([("A001", 2)], external_id=PLATFORM_NUMBER, phone="13900001111")).order
    for code in ("A002", "A003"):
        order_intake(draft=make_draft([(code, 1)]))
    return wanted


def test_ops_user_finds_an_order_by_platform_number(page, live_server, ops_user, orders):
    admin_login(page, ops_user.username, next_url="/admin/orders/order/")
    assert page.locator("#result_list tbody tr").count() == 3

    page.fill("#searchbar", PLATFORM_NUMBER)
    page.press("#searchbar", "Enter")
    page.wait_for_url("**/admin/orders/order/?q=*")

    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    row = rows.first
    assert orders.number in row.inner_text()
    badge = row.locator(".oms-badge").first
    assert badge.inner_text().strip() == "待审核"
    assert "13900001111" not in row.inner_text(), "the phone must be masked without orders.view_pii"


def test_every_request_goes_to_the_live_server(page, live_server, ops_user, orders, request_log):
    admin_login(page, ops_user.username, next_url="/admin/orders/order/")
    page.goto(f"/admin/orders/order/?q={PLATFORM_NUMBER}")
    page.click(f"#result_list a:text('{orders.number}')")
    page.wait_for_url(f"**/admin/orders/order/{orders.pk}/change/**")
    page.wait_for_load_state("networkidle")
    assert_only_live_server(request_log, live_server)
    assert any("/static/admin/" in url for url in request_log), "the admin's own CSS and JS are served locally"
