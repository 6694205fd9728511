"""An ops user maps an unknown platform code on the 待映射编码 page; the held order is released."""

import pytest
from django.contrib.auth.models import Group, User

from oms.roles import OPS, sync_roles
from orders.models import Order
from orders.services import order_intake
from orders.states import OrderStatus
from tests.browser.conftest import PASSWORD, admin_login, assert_only_live_server

pytestmark = pytest.mark.browser


@pytest.fixture
def ops_user(db):
    sync_roles()
    user = User.objects.create_user("ops_mapper", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=OPS))
    return user


def test_ops_map_a_code_and_the_order_is_released(page, live_server, ops_user, stocked, make_draft, request_log):
    held = order_intake(draft=make_draft([("TB-CUP-RED", 2)])).order
    assert held.status == OrderStatus.ON_HOLD

    admin_login(page, ops_user.username, next_url="/admin/channels/skumapping/unmapped/")
    row = page.locator(".oms-unmapped-list tbody tr")
    assert row.count() == 1 and "TB-CUP-RED" in row.inner_text()
    page.screenshot(path="/tmp/oms-unmapped.png", full_page=True)

    row.locator("input[name=sku_code]").fill("A001")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    assert "已映射 TB-CUP-RED → A001" in page.locator(".messagelist").inner_text()
    assert "没有等待映射的编码" in page.content()
    assert Order.objects.get(pk=held.pk).status == OrderStatus.PENDING_REVIEW
    assert_only_live_server(request_log, live_server)
