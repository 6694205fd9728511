"""The leader's phone pages: login, the order form (one order per double submit), own orders
only (tried by URL), closed on the server after the cutoff with the time, summary with commission."""

import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from channels.groupbuy.models import CampaignOrder
from orders.models import Order
from orders.states import OrderStatus
from tests.fixtures.groupbuy import item_ids, local, photo_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ten_in_the_morning():
    with time_machine.travel(local(10), tick=False):
        yield


def client_for(leader) -> Client:
    client = Client()
    client.force_login(leader.user)
    return client


def form_data(campaign, *, token="tok-0000000001", name="张阿姨", phone="13912345678", qty=None, photo=None):
    ids = item_ids(campaign)
    data = {"token": token, "name": name, "phone": phone, "note": "",
            "photo": SimpleUploadedFile("pay.jpg", photo if photo is not None else photo_bytes(), "image/jpeg")}
    for code, item_id in ids.items():
        data[f"qty_{item_id}"] = (qty if qty is not None else {"A001": 2}).get(code, 0)
    return data


def test_anonymous_visitors_go_to_the_leader_login(client, campaign):
    response = client.get("/leader/c/GB20261122/new/")
    assert response.status_code == 302 and response["Location"].startswith("/leader/login/")
    page = client.get("/leader/login/")
    assert page.status_code == 200 and "团长 · 登录" in page.content.decode()


def test_a_user_who_is_no_leader_is_told_so(picker_client, campaign):
    response = picker_client.get("/leader/")
    assert response.status_code == 403 and "不是启用中的团长" in response.content.decode()


def test_the_leader_logs_in_and_lands_on_todays_campaign(leader_a, campaign):
    leader_a.user.set_password("pw-leader-123")
    leader_a.user.save()
    client = Client()
    response = client.post("/leader/login/", {"username": "leader_a", "password": "pw-leader-123"})
    assert response.status_code == 302 and response["Location"] == "/leader/"
    home = client.get("/leader/").content.decode()
    assert "11月22日团购" in home and "20:00 截单" in home and "翠苑一区自提点" in home


def test_the_form_makes_one_order_however_often_it_is_sent(leader_a, campaign):
    client = client_for(leader_a)
    page = client.get("/leader/c/GB20261122/new/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    assert "剩 5 件" in page and "每户限 2" in page

    first = client.post("/leader/c/GB20261122/new/", form_data(campaign, token=token))
    second = client.post("/leader/c/GB20261122/new/", form_data(campaign, token=token), follow=True)

    order = Order.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/leader/order/{order.pk}/"
    assert "这张表单已经提交过" in second.content.decode()
    assert CampaignOrder.objects.count() == 1 and order.station == leader_a.station


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"photo": None}, "请上传付款截图"),
        ({"phone": "12345"}, "请填写 11 位手机号"),
        ({"name": "   "}, "该字段是必填项"),
        ({"qty": {}}, "请至少选一件商品"),
        ({"qty": {"A002": 3}}, "确保该值小于或等于2"),
        ({"photo_bytes": b"GIF89a not really"}, "文件不是有效的图片"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(leader_a, campaign, change, message):
    data = form_data(campaign, qty=change.get("qty"), photo=change.get("photo_bytes"))
    if "photo" in change:
        data.pop("photo")
    for key in ("phone", "name"):
        if key in change:
            data[key] = change[key]

    response = client_for(leader_a).post("/leader/c/GB20261122/new/", data)

    assert response.status_code in (400, 409)
    assert message.replace(" ", "") in response.content.decode().replace(" ", "")
    assert not Order.objects.exists()


def test_sold_out_is_said_at_once(leader_a, campaign, submit):
    for phone in ("13900000301", "13900000302"):
        submit(leader_a, campaign, {"A002": 2}, phone=phone)
    submit(leader_a, campaign, {"A002": 1}, phone="13900000303")

    response = client_for(leader_a).post("/leader/c/GB20261122/new/", form_data(campaign, qty={"A002": 1}))

    assert response.status_code == 409 and "已售罄" in response.content.decode()
    assert Order.objects.count() == 3


def test_another_leaders_order_is_not_found_by_url(leader_a, leader_b, campaign, submit):
    order = submit(leader_a, campaign, {"A001": 1}).link.order
    other = client_for(leader_b)
    ids = item_ids(campaign)

    for url in (f"/leader/order/{order.pk}/", f"/leader/order/{order.pk}/photo/", f"/leader/order/{order.pk}/edit/",
                f"/leader/pickup/{order.number}/"):
        response = other.get(url)
        assert response.status_code == 404, url
        assert "不是你的订单" in response.content.decode()
    assert other.post(f"/leader/order/{order.pk}/edit/", {f"qty_{ids['A001']}": 5}).status_code == 404
    assert other.post(f"/leader/order/{order.pk}/cancel/").status_code == 404
    response = other.post("/leader/pickup/", {"order": order.pk}, follow=True)
    assert "不是你的订单" in response.content.decode()

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_REVIEW and order.lines.get().quantity == 1
    own = client_for(leader_a)
    assert own.get(f"/leader/order/{order.pk}/").status_code == 200
    photo = own.get(f"/leader/order/{order.pk}/photo/?size=thumb")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_the_leader_edits_and_cancels_their_own_order(leader_a, campaign, submit):
    order = submit(leader_a, campaign, {"A001": 1}).link.order
    client = client_for(leader_a)
    ids = item_ids(campaign)
    form = client.get(f"/leader/order/{order.pk}/edit/").content.decode()
    assert f'name="qty_{ids["A001"]}" value="1"' in form

    response = client.post(f"/leader/order/{order.pk}/edit/", {f"qty_{ids['A001']}": 3, f"qty_{ids['A003']}": 1})
    assert response.status_code == 302
    assert sorted(order.lines.values_list("sku_code", "quantity")) == [("A001", 3), ("A003", 1)]

    assert client.post(f"/leader/order/{order.pk}/cancel/").status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_after_the_cutoff_the_form_is_closed_on_the_server_with_the_time(leader_a, campaign, submit):
    order = submit(leader_a, campaign, {"A001": 1}).link.order
    client = client_for(leader_a)
    page = client.get("/leader/c/GB20261122/new/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    ids = item_ids(campaign)

    with time_machine.travel(local(20, 0, 1), tick=False):
        late = client.post("/leader/c/GB20261122/new/", form_data(campaign, token=token))
        fresh = client.get("/leader/c/GB20261122/new/")
        edit = client.post(f"/leader/order/{order.pk}/edit/", {f"qty_{ids['A001']}": 4})
        cancel = client.post(f"/leader/order/{order.pk}/cancel/")

    assert late.status_code == 409
    assert "已于 11-22 20:00 截单" in late.content.decode()
    assert 'name="token"' not in fresh.content.decode() and "截单" in fresh.content.decode()
    assert edit.status_code == cancel.status_code == 409
    assert Order.objects.count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_REVIEW and order.lines.get().quantity == 1


def test_the_summary_counts_households_items_amount_and_commission(leader_a, leader_b, campaign, submit):
    submit(leader_a, campaign, {"A001": 2, "A003": 1})  # 44.80
    submit(leader_a, campaign, {"A002": 1})  # 19.90
    gone = submit(leader_a, campaign, {"A003": 4}).link.order
    submit(leader_b, campaign, {"A003": 4})  # another leader's: not counted
    client_for(leader_a).post(f"/leader/order/{gone.pk}/cancel/")

    page = client_for(leader_a).get("/leader/c/GB20261122/").content.decode()

    figures = re.sub(r"\s+", " ", page[page.index('class="figures"'):][:800])
    assert "<b>2</b>" in figures and "<b>4</b>" in figures  # 2 households, 4 items
    assert "¥64.70" in figures and "¥5.18" in figures  # 8% of 64.70 = 5.176


def test_the_household_page_shows_progress_and_the_pickup_code_never_the_full_phone(leader_a, campaign, submit):
    order = submit(leader_a, campaign, {"A001": 1}, phone="13912345678").link.order
    page = client_for(leader_a).get(f"/leader/order/{order.pk}/").content.decode()
    link = re.search(r'href="(http://testserver/gb/[^"]+)"', page).group(1)

    household = Client().get(link.replace("http://testserver", ""))

    body = household.content.decode()
    assert household.status_code == 200
    assert "已下单" in body and "139****5678" in body and "13912345678" not in body
    assert "翠苑一区自提点" in body and "<svg" in body
    assert Client().get("/gb/not-a-signed-token/").status_code == 404


@pytest.fixture
def on_the_way(leader_a, campaign, submit):
    """Two of the leader's households, closed at 20:00 and shipped to the station (as the floor's
    delivery run does: packed, then shipped with the station carrier)."""
    from channels.services.cutoff import campaigns_close_due
    from orders.services import order_pack, order_ship, order_start_picking
    from orders.stations import STATION_CARRIER

    orders = [submit(leader_a, campaign, {"A001": 1}, name=name).link.order for name in ("王阿姨", "李叔")]
    with time_machine.travel(local(20, 1), tick=False):
        campaigns_close_due()
    for order in orders:
        order_start_picking(order=order)
        order_pack(order=order)
        order_ship(order=order, carrier=STATION_CARRIER, tracking_number="W20261123-HZ-0001")
    return orders


def test_the_leader_confirms_arrival_and_hands_over_by_scan_and_by_tap(leader_a, on_the_way):
    wang, li = on_the_way
    client = client_for(leader_a)
    handover = client.get("/leader/c/GB20261122/handover/").content.decode()
    assert "货已到站（2 单在途）" in handover and "王阿姨 取货" in handover

    client.post("/leader/receive/", {"next": "/leader/c/GB20261122/handover/"})
    assert set(Order.objects.filter(pk__in=[wang.pk, li.pk]).values_list("status", flat=True)) == {OrderStatus.DELIVERED}

    scanned = client.post("/leader/pickup/", {"code": f"http://testserver/leader/pickup/{wang.number}/"}, follow=True)
    assert "王阿姨 已取货" in scanned.content.decode()
    link_page = client.get(f"/leader/pickup/{li.number}/").content.decode()
    assert "确认已取货" in link_page
    tapped = client.post("/leader/pickup/", {"order": li.pk}, follow=True)
    assert "李叔 已取货" in tapped.content.decode()
    again = client.post("/leader/pickup/", {"code": wang.number}, follow=True)
    assert "之前已经取过货了" in again.content.decode()
    assert set(Order.objects.filter(pk__in=[wang.pk, li.pk]).values_list("status", flat=True)) == {OrderStatus.COMPLETED}


def test_a_pickup_before_the_goods_left_is_refused_in_words(leader_a, campaign, submit):
    order = submit(leader_a, campaign, {"A001": 1}).link.order

    response = client_for(leader_a).post("/leader/pickup/", {"code": order.number}, follow=True)

    assert "还不能取货" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_REVIEW


def test_the_household_sees_its_goods_at_the_station(leader_a, on_the_way):
    from channels.groupbuy.views.orders import household_token

    wang, _li = on_the_way
    page = Client().get(f"/gb/{household_token(wang.pk)}/").content.decode()
    assert "配送中" in page and "<svg" in page
    client_for(leader_a).post("/leader/receive/")
    assert "已到站" in Client().get(f"/gb/{household_token(wang.pk)}/").content.decode()


def test_the_leaders_pages_do_not_grow_queries_with_orders(leader_a, campaign, submit, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(leader_a)
    submit(leader_a, campaign, {"A001": 1})

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = {url: count(url) for url in ("/leader/", "/leader/c/GB20261122/", "/leader/c/GB20261122/handover/")}
    for _ in range(5):
        submit(leader_a, campaign, {"A001": 1, "A003": 2})
    many = {url: count(url) for url in few}

    assert many == few
    assert max(many.values()) <= 15


def test_before_the_campaign_opens_the_form_says_so(leader_a, campaign):
    campaign.starts_at = local(12)
    campaign.save()

    response = client_for(leader_a).get("/leader/c/GB20261122/new/")

    assert response.status_code == 409 and "还没有开团" in response.content.decode()


def test_the_login_page_sends_a_leader_on_and_tells_another_account_it_is_none(leader_a, picker_client):
    assert client_for(leader_a).get("/leader/login/")["Location"] == "/leader/"
    page = picker_client.get("/leader/login/")
    assert page.status_code == 200 and "不是团长" in page.content.decode()
