"""The pages a new user meets first, in a real Chromium at 1366 px (a laptop) and 360 px (a phone):
the front door's login with its language switch, the admin home's numbers, the order list
without sideways scrolling, the leader's page, the import job and the mapping offer."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile

from channels.models import Channel, Platform
from channels.services.imports import import_create, import_run, import_start
from oms.roles import GROUP_LEADER, OPS, sync_roles
from orders.services import order_intake
from tests.browser.conftest import PASSWORD, PHONE, admin_login, assert_only_live_server
from tests.channels import import_files as f

pytestmark = pytest.mark.browser

LAPTOP = {"viewport": {"width": 1366, "height": 768}}


def _page(browser, browser_context_args, device):
    context = browser.new_context(**{**browser_context_args, **device})
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def laptop(browser, browser_context_args):
    context = _page(browser, browser_context_args, LAPTOP)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser, browser_context_args):
    context = _page(browser, browser_context_args, PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def people(db):
    sync_roles()
    ops = User.objects.create_user("ops_door", password=PASSWORD, is_staff=True)
    ops.groups.add(Group.objects.get(name=OPS))
    leader = User.objects.create_user("leader_door", password=PASSWORD)
    leader.groups.add(Group.objects.get(name=GROUP_LEADER))
    return {"ops": ops, "leader": leader}


@pytest.fixture
def orders(stocked, make_draft):
    """Enough orders for a full list page, with long platform numbers, privacy numbers and holds."""
    from dataclasses import replace

    made = []
    for i in range(30):
        draft = make_draft([("A001", 1), ("A002", 2)], external_id=f"39218475610293{i:05d}")
        if i % 3 == 0:
            draft = replace(draft, recipient=replace(draft.recipient, name="王**", phone="17098765432-5678"))
        made.append(order_intake(draft=draft).order)
    made.append(order_intake(draft=make_draft([("NOT-OURS", 1)])).order)
    return made


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def visible_in_viewport(page, selector: str) -> bool:
    width = page.viewport_size["width"]
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width


def login_at_front_door(page, username):
    page.goto("/")
    page.wait_for_url("**/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")


@pytest.mark.parametrize("screen", ["laptop", "phone"])
def test_front_door_login_switches_language_and_routes_ops_to_todays_numbers(
    screen, request, live_server, people, orders, request_log
):
    page = request.getfixturevalue(screen)
    page.on("request", lambda r: request_log.append(r.url))
    page.goto("/")
    page.wait_for_url("**/login/")
    assert "登录订单中台" in page.content() and no_sideways_scroll(page)
    page.click("button[name=language][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("button[name=language][value=en]").get_attribute("aria-current") == "true"
    assert page.locator("h1").inner_text() == "Log in to the OMS"
    page.click("button[name=language][value=zh-hans]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "登录订单中台"

    login_at_front_door(page, "ops_door")
    page.wait_for_url("**/admin/")
    today = page.locator("#oms-today")
    assert today.is_visible() and no_sideways_scroll(page)
    assert today.locator("[data-key=hold] .oms-today-count").inner_text() == "1"
    today.locator("[data-key=hold]").click()
    page.wait_for_url("**/admin/orders/order/?status__exact=on_hold")
    assert page.locator("#result_list tbody tr").count() == 1
    assert_only_live_server(request_log, live_server)


def test_the_order_list_fits_a_laptop(laptop, live_server, people, orders):
    admin_login(laptop, "ops_door", next_url="/admin/orders/order/")
    assert laptop.locator("#result_list tbody tr").count() == 31
    assert no_sideways_scroll(laptop)
    assert laptop.evaluate("(() => { const r = document.querySelector('.results'); return r.scrollWidth <= r.clientWidth; })()")
    for column in ("paid_amount", "shipping_column", "placed_column", "recipient_masked"):
        assert visible_in_viewport(laptop, f"#result_list .field-{column}"), column
    assert laptop.locator(".oms-privacy").count() == 10
    laptop.screenshot(path="/tmp/oms-order-list-1366.png")


def test_the_order_list_on_a_phone_shows_number_status_buyer_and_amount(phone, live_server, people, orders):
    admin_login(phone, "ops_door", next_url="/admin/orders/order/")
    assert no_sideways_scroll(phone)
    assert phone.evaluate("(() => { const r = document.querySelector('.results'); return r.scrollWidth <= r.clientWidth + 1; })()")
    for column in ("number", "status_column", "recipient_masked", "paid_amount"):
        assert visible_in_viewport(phone, f"#result_list .field-{column}"), column
    for column in ("channel_column", "shipping_column", "placed_column"):
        assert not phone.locator(f"#result_list .field-{column}").first.is_visible(), column


def test_a_leader_on_a_phone_gets_the_plain_leader_page(phone, live_server, people):
    login_at_front_door(phone, "leader_door")
    phone.wait_for_url(lambda url: url.rstrip("/").endswith(live_server.url.split("//")[1]) or url.endswith("/"))
    phone.wait_for_load_state("networkidle")
    assert "团长页面" in phone.locator("h1").inner_text() and no_sideways_scroll(phone)
    phone.click("text=退出登录")
    phone.wait_for_url("**/login/")


@pytest.mark.parametrize("screen", ["laptop", "phone"])
def test_a_finished_import_links_to_its_orders_and_holds(screen, request, live_server, people, stocked, settings, tmp_path,
                                                        django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    page = request.getfixturevalue(screen)
    channel = Channel.objects.create(code="pdd-door", name="拼多多店", platform=Platform.PINDUODUO)
    rows = f.pdd_rows(4, seed=3, skus=("A001",))
    rows[0][13] = "NOT-OURS"
    job = import_create(channel=channel, file=SimpleUploadedFile("o.csv", f.to_csv(f.PDD_HEADER, rows)))
    with django_capture_on_commit_callbacks(execute=False):
        import_start(job)
    import_run(job.pk)

    admin_login(page, "ops_door", next_url="/admin/channels/importjob/add/")
    assert page.locator("#id_channel").input_value() == ""  # no shop chosen for the person
    assert no_sideways_scroll(page)
    page.goto(f"/admin/channels/importjob/{job.pk}/change/")
    assert no_sideways_scroll(page)
    page.click("#import-held-link")
    page.wait_for_url("**/admin/orders/order/?import_job=*")
    assert page.locator("#result_list tbody tr").count() == 1
    page.go_back()
    page.click("#import-created-link")
    page.wait_for_url(f"**/admin/orders/order/?import_job={job.pk}")
    assert page.locator("#result_list tbody tr").count() == 4


@pytest.mark.parametrize("screen", ["laptop", "phone"])
def test_a_mapping_is_offered_to_the_other_shops(screen, request, live_server, people, stocked, make_draft, jd_channel):
    page = request.getfixturevalue(screen)
    order_intake(draft=make_draft([("CUP-RED", 1)]))
    jd_order = order_intake(draft=make_draft([("CUP-RED", 2)], channel=jd_channel)).order

    admin_login(page, "ops_door", next_url="/admin/channels/skumapping/unmapped/")
    row = page.locator(".oms-unmapped-list tbody tr").filter(has_text="淘宝旗舰店")
    row.locator("input[name=sku_code]").fill("A001")
    row.locator("input[name=sku_code]").press("Enter")
    page.wait_for_url("**/unmapped/?offer=*")
    offer = page.locator("#oms-mapping-offer")
    assert offer.is_visible() and no_sideways_scroll(page)
    assert offer.locator(f"input[value='{jd_channel.pk}']").is_checked()
    offer.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "京东自营店：已映射 CUP-RED → A001" in page.locator(".messagelist").inner_text()
    jd_order.refresh_from_db()
    assert jd_order.status == "pending_review"


@pytest.mark.parametrize("screen", ["laptop", "phone"])
def test_the_shortages_page_and_a_restock_clearing_a_hold(screen, request, live_server, people, hot_sku, make_draft,
                                                          warehouse_hz, django_capture_on_commit_callbacks):
    from inventory.services import stock_receive
    from orders.services.restock import restock_cursor, restock_rerun

    page = request.getfixturevalue(screen)
    order_intake(draft=make_draft([("HOT-1", 100)]))
    restock_cursor()
    waiting = order_intake(draft=make_draft([("HOT-1", 3)])).order
    assert waiting.status == "on_hold"

    admin_login(page, "ops_door", next_url="/admin/orders/order/")
    page.click("#oms-shortages-link")
    page.wait_for_url("**/admin/orders/order/shortages/")
    row = page.locator(".oms-shortage-list tbody tr")
    assert row.count() == 1 and "HOT-1" in row.inner_text() and waiting.number in row.inner_text()
    assert no_sideways_scroll(page)

    stock_receive(sku=hot_sku, warehouse=warehouse_hz, quantity=3, reference="PO-B")
    with django_capture_on_commit_callbacks(execute=False):
        assert restock_rerun().released == [waiting.number]  # what the worker does every minute
    page.reload()
    assert "没有缺货等待的订单" in page.content()


def test_a_gift_code_is_mapped_as_not_shipped_on_the_unmapped_page(laptop, live_server, people, stocked, make_draft):
    held = order_intake(draft=make_draft([("A001", 1), ("FREE-MUG", 1)])).order
    admin_login(laptop, "ops_door", next_url="/admin/channels/skumapping/unmapped/")
    row = laptop.locator(".oms-unmapped-list tbody tr")
    row.locator("select[name=gift]").select_option("not_shipped")
    row.locator("button[type=submit]").click()
    laptop.wait_for_load_state("networkidle")
    assert "已映射 FREE-MUG → 赠品（不发货）" in laptop.locator(".messagelist").inner_text()
    held.refresh_from_db()
    assert held.status == "pending_review"
