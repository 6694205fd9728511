"""Printing from the floor: a picker prints the sheets and labels of their own warehouse's orders
and waves (the pick page and the wave's admin page link to them); another warehouse's picker
gets "not found" by URL, as on every floor page; office staff print everything."""

import pytest
from django.test import Client
from django.urls import reverse

from oms.roles import OPS
from orders.models import Order
from tests.fixtures.floor import pack_all, pick_all
from tests.shipping.pdf_helpers import barcodes, rasterise
from warehouse.services import parcel_weigh

pytestmark = pytest.mark.django_db


@pytest.fixture
def labelled(released_wave, picker_hz, boxes, carriers):
    """A wave of two orders in 杭州仓, both picked; the first packed, weighed and labelled."""
    wave, orders = released_wave([[("F001", 2)], [("F002", 1), ("F003", 1)]])
    pick_all(wave, picker_hz)
    pack_all(orders[0], picker_hz, boxes["8号"])
    parcel = parcel_weigh(order=orders[0], weight_g=300, actor=picker_hz)  # 2 × 120 g + tare 60
    assert parcel.waybill
    return wave, [Order.objects.get(pk=o.pk) for o in orders], parcel


def urls(wave, orders) -> list[str]:
    first, second = orders
    return [
        reverse("printing:sheet", args=[first.number]),
        reverse("printing:label", args=[first.number]),
        reverse("printing:label-html", args=[first.number]),
        f"{reverse('printing:sheets')}?orders={first.number}:1,{second.number}:2",
        f"{reverse('printing:labels')}?orders={first.number}",
        reverse("printing:wave-sheets", args=[wave.pk]),
        reverse("printing:wave-labels", args=[wave.pk]),
        reverse("printing:wave-labels-html", args=[wave.pk]),
    ]


def test_a_picker_prints_the_documents_of_their_warehouse(labelled, hz_client):
    wave, orders, parcel = labelled
    for url in urls(wave, orders):
        response = hz_client.get(url)
        assert response.status_code == 200, (url, response.content[:200])

    label = hz_client.get(reverse("printing:label", args=[orders[0].number]))
    (page,) = rasterise(label.content, dpi=203)
    assert parcel.waybill in barcodes(page)["Code128"]
    sheets = hz_client.get(reverse("printing:wave-sheets", args=[wave.pk]))
    assert len(rasterise(sheets.content, dpi=40)) == 2, "one sheet per order of the wave"
    labels = hz_client.get(reverse("printing:wave-labels", args=[wave.pk]))
    assert len(rasterise(labels.content, dpi=40)) == 1, "only the label issued so far"


def test_another_warehouses_picker_is_refused_by_url(labelled, gz_client):
    wave, orders, _parcel = labelled
    for url in urls(wave, orders):
        response = gz_client.get(url)
        assert response.status_code == 404, url
        assert "找不到" in response.content.decode(), "the same answer as for an order that does not exist"


def test_a_wave_without_labels_yet_says_so(released_wave, picker_hz, hz_client):
    wave, _orders = released_wave([[("F001", 1)]])
    response = hz_client.get(reverse("printing:wave-labels", args=[wave.pk]))
    assert response.status_code == 409 and "还没有出面单" in response.content.decode()
    page = hz_client.get(reverse("floor:pick", args=[wave.pk])).content.decode()
    assert reverse("printing:wave-sheets", args=[wave.pk]) in page
    assert reverse("printing:wave-labels", args=[wave.pk]) not in page, "no label to print yet: no button"


def test_someone_in_no_warehouse_and_anonymous_visitors(labelled, django_user_model):
    wave, orders, _parcel = labelled
    url = reverse("printing:wave-sheets", args=[wave.pk])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("floor:login"))

    stranger = Client()
    stranger.force_login(django_user_model.objects.create_user("walk_in"))
    response = stranger.get(url)
    assert response.status_code == 403 and "没有打印" in response.content.decode()


def test_office_staff_print_every_warehouse(labelled, make_member):
    wave, orders, _parcel = labelled
    client = Client()
    client.force_login(make_member(OPS, "ops_print"))
    assert client.get(reverse("printing:wave-sheets", args=[wave.pk])).status_code == 200
    assert client.get(reverse("printing:label", args=[orders[0].number])).status_code == 200


def test_the_pick_page_and_the_wave_admin_page_link_to_the_wave_documents(labelled, hz_client, supervisor):
    wave, _orders, _parcel = labelled
    sheets, labels = reverse("printing:wave-sheets", args=[wave.pk]), reverse("printing:wave-labels", args=[wave.pk])
    for page in ("floor:pick", "floor:sort"):
        html = hz_client.get(reverse(page, args=[wave.pk])).content.decode()
        assert f'href="{sheets}"' in html and f'href="{labels}"' in html, page
        assert "打印面单（1）" in html, "one label issued so far"

    admin = Client()
    admin.force_login(supervisor)
    html = admin.get(reverse("admin:warehouse_wave_change", args=[wave.pk])).content.decode()
    assert f'href="{sheets}"' in html and f'href="{labels}"' in html


def test_a_finished_wave_reprints_its_packed_orders(labelled, picker_hz, boxes, hz_client):
    wave, orders, _parcel = labelled
    pack_all(orders[1], picker_hz, boxes["3号"])
    wave.refresh_from_db()
    assert wave.status == "done"
    sheets = hz_client.get(reverse("printing:wave-sheets", args=[wave.pk]))
    assert sheets.status_code == 200 and len(rasterise(sheets.content, dpi=40)) == 2
