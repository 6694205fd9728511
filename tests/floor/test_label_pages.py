"""The scale, the label and the dock on the phone: a cleared parcel shows its label (carrier, 三段码,
waybill) with the links to print it; a refused label says why and offers a retry; the dock scan
of that waybill ships the order."""

import pytest
from django.urls import reverse

from oms.demo.carriers import seed_carriers
from orders.models import Order
from orders.states import OrderStatus
from tests.fixtures.floor import pack_all, pick_all
from tests.floor.conftest import FETCH, rid
from warehouse.carriers.services import shipment_void
from warehouse.models import Parcel, Shipment
from warehouse.services import wave_build, wave_release

pytestmark = pytest.mark.django_db


@pytest.fixture
def packed_order(floor_order, picker_hz, supervisor, boxes):
    """F001×2 + F003×1 in 3号: expected 820 g ± 50. ``packed_order.make(phone=...)`` packs another."""

    def make(**draft) -> Order:
        order = floor_order([("F001", 2), ("F003", 1)], **draft)
        (wave,) = wave_build(warehouse=order.warehouse_id, actor=supervisor)
        pick_all(wave_release(wave=wave, actor=supervisor, assignee=picker_hz), picker_hz)
        pack_all(order, picker_hz, boxes["3号"])
        return Order.objects.get(pk=order.pk)

    order = make()
    order.make = make
    return order


def weigh(client, order, code="835"):
    return client.post(reverse("floor:weigh_scan", args=[order.number]), {"code": code, "request_id": rid()}, **FETCH)


def test_a_cleared_parcel_shows_its_label_with_the_print_links(packed_order, hz_client, carriers):
    response = weigh(hz_client, packed_order)

    assert response.status_code == 200
    shipment = Shipment.objects.select_related("carrier").get(order=packed_order)
    body = response.json()
    assert "称重通过" in body["message"] and "面单已出" in body["message"]
    panel = body["panel"]
    assert f"data-waybill>{shipment.waybill_number}<" in panel
    assert f"data-sort-code>{shipment.sort_code}<" in panel and shipment.carrier.short_name in panel
    assert f'href="{reverse("printing:label", args=[packed_order.number])}"' in panel
    assert f'href="{reverse("printing:label-html", args=[packed_order.number])}"' in panel
    assert "data-privacy" not in panel
    page = hz_client.get(reverse("floor:weigh", args=[packed_order.number])).content.decode()
    assert f"data-waybill>{shipment.waybill_number}<" in page, "the label stays on the page"


def test_a_refused_label_says_why_and_the_retry_issues_it(packed_order, hz_client, warehouse_hz):
    response = weigh(hz_client, packed_order)

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "label_refused" and "称重通过" in body["message"] and "运费分区" in body["message"]
    assert 'data-weigh-state="ok"' in body["panel"] and "data-label-retry" in body["panel"]
    assert Parcel.objects.get(order=packed_order).weight_ok is True, "the weigh stands"
    listed = hz_client.get(reverse("floor:weigh_start")).content.decode()
    assert packed_order.number in listed and "面单未出" in listed
    assert hz_client.get(reverse("floor:tasks")).context["counts"].ship == 0

    retry_url = reverse("floor:weigh_label", args=[packed_order.number])
    again = hz_client.post(retry_url, {"request_id": rid()}, **FETCH)
    assert again.status_code == 409 and "运费分区" in again.json()["message"]

    seed_carriers()  # ops add the rate table
    done = hz_client.post(retry_url, {"request_id": rid()}, **FETCH)

    assert done.status_code == 200
    waybill = Parcel.objects.get(order=packed_order).waybill
    assert waybill and waybill in done.json()["panel"]
    assert hz_client.get(reverse("floor:tasks")).context["counts"].ship == 1


def test_the_dock_scan_of_the_issued_waybill_ships(packed_order, hz_client, carriers):
    weigh(hz_client, packed_order)
    shipment = Shipment.objects.select_related("carrier").get(order=packed_order)

    response = hz_client.post(reverse("floor:ship_scan"), {"code": shipment.waybill_number, "request_id": rid()},
                              **FETCH)

    assert response.status_code == 200 and "已交接" in response.json()["message"]
    order = Order.objects.get(pk=packed_order.pk)
    assert (order.status, order.carrier, order.tracking_number) == (
        OrderStatus.SHIPPED, shipment.carrier.name, shipment.waybill_number,
    )


def test_a_voided_label_is_refused_at_the_dock_and_reissued_at_the_scale(packed_order, hz_client, ops_member,
                                                                         carriers):
    weigh(hz_client, packed_order)
    old = Parcel.objects.get(order=packed_order).waybill
    shipment_void(order=packed_order, reason="面单破损", actor=ops_member)

    dock = hz_client.post(reverse("floor:ship_scan"), {"code": old, "request_id": rid()}, **FETCH)
    assert dock.status_code == 409 and dock.json()["code"] == "label_void"
    page = hz_client.get(reverse("floor:weigh", args=[packed_order.number])).content.decode()
    assert "面单已作废" in page and "data-label-retry" in page

    response = hz_client.post(reverse("floor:weigh_label", args=[packed_order.number]), {"request_id": rid()}, **FETCH)
    new = Parcel.objects.get(order=packed_order).waybill
    assert response.status_code == 200 and new != old and new in response.json()["panel"]


def test_a_privacy_number_order_keeps_the_e_waybill_notice(packed_order, hz_client, carriers):
    weigh(hz_client, packed_order)  # the first one: a real phone, shipped first so waves stay simple
    masked = packed_order.make(phone="139****1234")

    panel = weigh(hz_client, masked).json()["panel"]

    assert "data-privacy" in panel and "须使用平台电子面单打印" in panel
    html = hz_client.get(reverse("printing:label-html", args=[masked.number])).content.decode()
    assert "须使用平台电子面单打印" in html and "139****1234" not in html


def test_another_warehouses_picker_cannot_issue_a_label(packed_order, gz_client, carriers):
    response = gz_client.post(reverse("floor:weigh_label", args=[packed_order.number]), {"request_id": rid()},
                              **FETCH)
    assert response.status_code == 404
    assert not Shipment.objects.filter(order=packed_order).exists()
