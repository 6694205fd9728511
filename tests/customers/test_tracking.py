"""The public "where is my order" page: a number and a phone tail open the order (masked), a wrong
pair answers exactly as an unknown number does, and look-ups are limited per address and per number."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from orders.models import OrderSource
from orders.returns_models import ReturnRequest
from orders.states import OrderStatus
from tests.fixtures.returns import photo_bytes

LOOKUP = reverse("track:lookup")
NOT_FOUND = "没有找到订单，请核对订单号和手机号后四位"


def _look(client, number, tail, address="10.0.0.1"):
    return client.post(LOOKUP, {"number": number, "tail": tail}, REMOTE_ADDR=address)


@pytest.fixture
def shipped(order_in_state):
    return order_in_state(OrderStatus.SHIPPED)


def test_the_right_pair_opens_the_order_masked(client, shipped):
    response = _look(client, shipped.number, "1234")
    assert response.status_code == 302 and response["Location"] == reverse("track:order", args=[shipped.number])

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "138****1234" in html and "13812341234" not in html
    assert "文三路" not in html and "90 号" not in html  # never the street
    assert "王**" in html and "王小明" not in html
    assert "浙江省杭州市西湖区" in html
    assert shipped.tracking_number in html and "已发货" in html
    for step in ("已接单", "已审核", "已拣货", "已打包", "已发货", "已签收"):
        assert step in html
    assert 'id="track-return"' not in html  # not delivered yet: no return button


def test_the_platform_number_works_too(client, shipped):
    external = OrderSource.objects.get(order=shipped).external_id
    response = _look(client, external, "1234")
    assert response.status_code == 302 and shipped.number in response["Location"]


def test_a_wrong_tail_answers_exactly_like_an_unknown_number(client, shipped):
    wrong_tail = _look(client, shipped.number, "9999")
    unknown = _look(client, "SO20990101999999", "9999")
    assert wrong_tail.status_code == unknown.status_code == 200
    assert NOT_FOUND in wrong_tail.content.decode() and NOT_FOUND in unknown.content.decode()
    # Apart from echoing what was typed (and the form's CSRF token), the two pages are the same bytes.
    def plain(response, number, tail):
        text = response.content.decode().replace(number, "N").replace(tail, "T")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert plain(wrong_tail, shipped.number, "9999") == plain(unknown, "SO20990101999999", "9999")
    assert client.get(reverse("track:order", args=[shipped.number])).status_code == 302  # nothing granted


def test_malformed_input_is_refused_in_words(client, shipped):
    response = _look(client, shipped.number, "12a4")
    assert response.status_code == 400 and "请输入手机号后四位数字" in response.content.decode()
    response = _look(client, "", "1234")
    assert response.status_code == 400 and "请输入订单号" in response.content.decode()
    response = _look(client, "S" * 65, "1234")
    assert response.status_code == 400


def test_too_many_wrong_lookups_from_one_address_are_stopped(client, shipped, settings):
    settings.TRACKING_FAILED_RATE = "3/hour"
    for tail in ("0001", "0002", "0003"):
        assert _look(client, shipped.number + "X", tail).status_code == 200
    stopped = _look(client, shipped.number, "1234")  # even the right pair, from this address
    assert stopped.status_code == 429 and "查询太频繁" in stopped.content.decode()
    assert int(stopped["Retry-After"]) > 0
    # Another address is not affected.
    assert _look(client, shipped.number, "1234", address="10.0.0.2").status_code == 302


def test_one_number_cannot_be_tried_from_many_addresses(client, shipped, settings):
    """Guessing one order's tail from many addresses: the number locks, and an unknown number
    locks alike, so the lock itself tells nothing."""
    settings.TRACKING_NUMBER_FAILED_RATE = "4/hour"
    for i in range(4):
        assert _look(client, shipped.number, f"{i:04d}", address=f"10.1.0.{i}").status_code == 200
        assert _look(client, "SO20990101999999", f"{i:04d}", address=f"10.2.0.{i}").status_code == 200
    assert _look(client, shipped.number, "1234", address="10.3.0.1").status_code == 429
    assert _look(client, "SO20990101999999", "1234", address="10.3.0.2").status_code == 429


def test_every_lookup_counts_against_the_address(client, shipped, settings):
    settings.TRACKING_RATE = "2/min"
    assert _look(client, shipped.number, "1234").status_code == 302
    assert _look(client, shipped.number, "1234").status_code == 302
    assert _look(client, shipped.number, "1234").status_code == 429


def test_a_grant_opens_only_its_own_order(client, shipped, order_in_state):
    other = order_in_state(OrderStatus.DELIVERED)
    _look(client, shipped.number, "1234")
    assert client.get(reverse("track:order", args=[shipped.number])).status_code == 200
    assert client.get(reverse("track:order", args=[other.number])).status_code == 302
    assert client.get(reverse("track:return", args=[other.number])).status_code == 302
    # A second browser has no grant at all.
    assert Client().get(reverse("track:order", args=[shipped.number])).status_code == 302


def test_held_orders_say_only_what_the_buyer_can_act_on(client, order_in_state):
    held = order_in_state(OrderStatus.ON_HOLD)  # a person's manual hold: its note is internal
    _look(client, held.number, "1234")
    html = client.get(reverse("track:order", args=[held.number])).content.decode()
    assert "买家来电要求暂缓发货" not in html and "订单正在备货或核对中" in html


def test_a_delivered_order_offers_a_return_and_takes_one(client, delivered_order):
    _look(client, delivered_order.number, "1234")
    page = client.get(reverse("track:order", args=[delivered_order.number])).content.decode()
    assert 'id="track-return"' in page
    line = delivered_order.lines.get(sku_code="A001")
    url = reverse("track:return", args=[delivered_order.number])
    assert client.get(url).status_code == 200
    response = client.post(url, {
        f"line_{line.pk}": "on", f"quantity_{line.pk}": "2", "kind": "return", "reason": "damaged",
        "description": "外箱压坏", "photos": [SimpleUploadedFile("a.jpg", photo_bytes(), "image/jpeg")],
    })
    assert response.status_code == 302
    created = ReturnRequest.objects.get(order=delivered_order)
    assert created.lines.get().quantity == 2 and created.photos.count() == 1
    page = client.get(reverse("track:order", args=[delivered_order.number])).content.decode()
    assert created.number in page and "待审核" in page


def test_a_bad_return_form_changes_nothing(client, delivered_order):
    _look(client, delivered_order.number, "1234")
    line = delivered_order.lines.get(sku_code="A001")
    url = reverse("track:return", args=[delivered_order.number])
    cases = [
        ({f"line_{line.pk}": "on", f"quantity_{line.pk}": "3", "kind": "return", "reason": "damaged"}, "最多可申请 2 件"),
        ({"kind": "return", "reason": "damaged"}, "请至少选择一件"),
        ({f"line_{line.pk}": "on", f"quantity_{line.pk}": "1", "kind": "return", "reason": ""}, "请选择售后原因"),
        ({f"line_{line.pk}": "on", f"quantity_{line.pk}": "1", "kind": "return", "reason": "damaged",
          "photos": [SimpleUploadedFile("a.jpg", b"not an image", "image/jpeg")]}, "不是有效的图片"),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode(), message
    assert not ReturnRequest.objects.exists()


def test_a_group_buy_order_shows_its_station_and_stage(client, place_order, warehouse_hz):
    """The station's name and the pickup stages."""
    from orders import stations
    from orders.models import DeliveryStation, Order

    station = DeliveryStation.objects.create(
        code="CY1", name="翠苑一区自提点", province="浙江省", city="杭州市", street="文三路 1 号", warehouse=warehouse_hz
    )
    order = place_order()
    Order.objects.filter(pk=order.pk).update(station=station)  # set-up only: the leaders' intake sets it
    _look(client, order.number, "1234")
    html = client.get(reverse("track:order", args=[order.number])).content.decode()
    assert "翠苑一区自提点" in html and 'id="track-station"' in html
    assert str(stations.PickupStage.ORDERED.label) in html
