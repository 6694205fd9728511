"""Receiving returns on the floor's phone pages: scan, inspect, photograph, restock or scrap; only
in one's own warehouse, with the right; bad input changes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from inventory.models import MovementReason, StockLevel, StockMovement
from oms.roles import OPS, PICKER
from orders.returns_models import ReturnReason, ReturnRequest, ReturnStatus
from orders.services.returns import return_approve, return_ship_back
from tests.fixtures.ledger import assert_ledger_matches, stock_snapshot
from tests.fixtures.returns import photo_bytes
from warehouse.models import FloorMember

FETCH = {"HTTP_X_FLOOR_FETCH": "1"}


def _floor_client(make_member, warehouse, username, role=PICKER):
    user = make_member(role, username)
    FloorMember.objects.create(user=user, warehouse=warehouse)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def approved(make_return, delivered_order, ops_user):
    request = make_return(lines=[("A001", 2), ("A002", 1)], reason=ReturnReason.DAMAGED)
    return_approve(request=request, actor=ops_user)
    return_ship_back(request=request, carrier="中通", tracking_number="ZT900000001")
    return ReturnRequest.objects.get(pk=request.pk)


@pytest.fixture
def hz_floor(make_member, warehouse_hz):
    return _floor_client(make_member, warehouse_hz, "picker_hz_returns")


def test_scan_inspect_and_receive_in_ones_own_warehouse(hz_floor, approved, delivered_order):
    assert approved.warehouse_id == delivered_order.warehouse_id
    listing = hz_floor.get(reverse("floor:returns")).content.decode()
    assert approved.number in listing and "ZT900000001" in listing
    assert "退货验收" in hz_floor.get(reverse("floor:tasks")).content.decode()

    opened = hz_floor.post(reverse("floor:returns_open"), {"code": "ZT900000001", "request_id": "r" * 16}, **FETCH)
    assert opened.status_code == 200
    assert opened.json()["redirect"] == reverse("floor:return_inspect", args=[approved.number])
    page = hz_floor.get(opened.json()["redirect"]).content.decode()
    assert "A001" in page and "A002" in page

    photo = hz_floor.post(reverse("floor:return_photo", args=[approved.number]),
                          {"image": SimpleUploadedFile("p.jpg", photo_bytes(), "image/jpeg"), "request_id": "p" * 16},
                          **FETCH)
    assert photo.status_code == 200 and photo.json()["thumbnail"]

    before = StockLevel.objects.get(sku__code="A001", warehouse=delivered_order.warehouse).on_hand
    lines = {line.sku_code: line for line in approved.lines.all()}
    response = hz_floor.post(reverse("floor:return_receive", args=[approved.number]), {
        f"received_{lines['A001'].pk}": "2", f"disposition_{lines['A001'].pk}": "restock",
        f"received_{lines['A002'].pk}": "1", f"disposition_{lines['A002'].pk}": "scrap",
        "note": "外箱破损，A002 碎裂",
    })
    assert response.status_code == 302 and response["Location"] == reverse("floor:returns")
    done = ReturnRequest.objects.get(pk=approved.pk)
    assert done.status == ReturnStatus.RECEIVED and done.received_by.username == "picker_hz_returns"
    assert done.photos.filter(stage="receiving").count() == 1
    assert StockLevel.objects.get(sku__code="A001", warehouse=delivered_order.warehouse).on_hand == before + 2
    assert StockMovement.objects.filter(reference=done.number, reason=MovementReason.RETURN_IN).count() == 1
    assert_ledger_matches()
    listing = hz_floor.get(reverse("floor:returns")).content.decode()
    assert "已验收：入库 2 件，报废 1 件" in listing  # the message
    assert reverse("floor:return_inspect", args=[approved.number]) not in listing  # no longer waiting


def test_another_warehouse_reads_as_not_found(make_member, warehouse_gz, approved):
    gz = _floor_client(make_member, warehouse_gz, "picker_gz_returns")
    assert approved.number not in gz.get(reverse("floor:returns")).content.decode()
    opened = gz.post(reverse("floor:returns_open"), {"code": approved.number, "request_id": "r" * 16}, **FETCH)
    assert opened.status_code == 422 and opened.json()["code"] == "not_found"
    assert gz.get(reverse("floor:return_inspect", args=[approved.number])).status_code == 404
    line = approved.lines.first()
    refused = gz.post(reverse("floor:return_receive", args=[approved.number]),
                      {f"received_{line.pk}": "1", f"disposition_{line.pk}": "restock"})
    assert refused.status_code == 404
    assert ReturnRequest.objects.get(pk=approved.pk).status == ReturnStatus.APPROVED


def test_without_the_right_the_pages_are_refused(make_member, warehouse_hz, approved):
    ops = _floor_client(make_member, warehouse_hz, "ops_returns", role=OPS)
    assert ops.get(reverse("floor:returns")).status_code == 403
    assert Client().get(reverse("floor:returns")).status_code == 302  # to the floor login


def test_bad_receipts_change_nothing(hz_floor, approved):
    snapshot = stock_snapshot()
    lines = {line.sku_code: line for line in approved.lines.all()}
    url = reverse("floor:return_receive", args=[approved.number])
    bad = [
        {f"received_{lines['A001'].pk}": "x", f"disposition_{lines['A001'].pk}": "restock",
         f"received_{lines['A002'].pk}": "1", f"disposition_{lines['A002'].pk}": "scrap"},
        {f"received_{lines['A001'].pk}": "2", f"received_{lines['A002'].pk}": "1",
         f"disposition_{lines['A002'].pk}": "scrap"},
        {f"received_{lines['A001'].pk}": "5", f"disposition_{lines['A001'].pk}": "restock",
         f"received_{lines['A002'].pk}": "1", f"disposition_{lines['A002'].pk}": "scrap"},
    ]
    for data in bad:
        response = hz_floor.post(url, data, follow=True)
        assert response.status_code == 200
        assert any(m.level_tag == "error" for m in response.context["messages"])
    photo = hz_floor.post(reverse("floor:return_photo", args=[approved.number]),
                          {"image": SimpleUploadedFile("p.jpg", b"nope", "image/jpeg"), "request_id": "p" * 16},
                          **FETCH)
    assert photo.status_code == 422 and "图片" in photo.json()["message"]
    assert stock_snapshot() == snapshot
    assert ReturnRequest.objects.get(pk=approved.pk).status == ReturnStatus.APPROVED
