"""Pack, weigh and ship pages: the execution sheet's QR opens the order, every item is scanned,
the box closed, the scale checked, the label scanned at the dock; each once, each in the
picker's own warehouse, and a cancel shows on the phone."""

import pytest
from django.urls import reverse

from inventory.models import StockLevel
from orders.models import Order
from orders.services import order_cancel
from orders.states import OrderStatus
from tests.fixtures.floor import pack_all, pick_all
from tests.floor.conftest import FETCH, rid
from warehouse.models import Parcel, ScanRecord
from warehouse.services import pack_scan, parcel_assign_waybill, parcel_weigh
from warehouse.views.weigh import parse_weight_g

pytestmark = pytest.mark.django_db


@pytest.fixture
def picked_order(released_wave, picker_hz):
    """F001×2 + F003×1: 2×120 + 380 = 620 g of goods, picked in a wave of its own."""
    wave, (order,) = released_wave([[("F001", 2), ("F003", 1)]])
    pick_all(wave, picker_hz)
    return order


@pytest.fixture
def packed_order(picked_order, picker_hz, boxes):
    """Packed into 3号 (tare 200 g): expected 820 g, tolerance 50 g."""
    pack_all(picked_order, picker_hz, boxes["3号"])
    return Order.objects.get(pk=picked_order.pk)


def post(client, name, number, data):
    return client.post(reverse(name, args=[number]), {"request_id": rid(), **data}, **FETCH)


def test_the_execution_sheet_qr_opens_the_pack_page(picked_order, hz_client):
    sheet_qr = f"http://oms.example/floor/pack/{picked_order.number}/"
    response = hz_client.post(reverse("floor:pack_open"), {"code": sheet_qr, "request_id": rid()}, **FETCH)
    assert response.json()["redirect"] == reverse("floor:pack", args=[picked_order.number])

    by_tote = hz_client.post(reverse("floor:pack_open"), {
        "code": f"{picked_order.wave_links.get().wave.number}-1", "request_id": rid()}, **FETCH)
    assert by_tote.json()["redirect"] == reverse("floor:pack", args=[picked_order.number])

    page = hz_client.get(reverse("floor:pack", args=[picked_order.number])).content.decode()
    assert "竹纤维毛巾" in page and "已扫 0/3 件" in page


def test_pack_scans_every_item_then_the_box_closes(picked_order, hz_client, boxes):
    number = picked_order.number
    early = post(hz_client, "floor:pack_close", number, {"box": boxes["3号"].pk})
    assert early.status_code == 422 and "还有商品没扫" in early.json()["message"]

    wrong = post(hz_client, "floor:pack_scan", number, {"code": "6901234500042"})
    assert wrong.status_code == 422 and "拿错了" in wrong.json()["message"]
    for code in ("6901234500011", "F001", "6901234500035"):
        assert post(hz_client, "floor:pack_scan", number, {"code": code}).status_code == 200
    extra = post(hz_client, "floor:pack_scan", number, {"code": "6901234500011"})
    assert extra.status_code == 422 and "多了" in extra.json()["message"]

    closed = post(hz_client, "floor:pack_close", number, {"box": boxes["3号"].pk})

    assert closed.json()["redirect"] == reverse("floor:weigh", args=[number])
    assert Order.objects.get(pk=picked_order.pk).status == OrderStatus.PACKED
    assert Parcel.objects.get(order=picked_order).expected_weight_g == 820
    refused = ScanRecord.objects.filter(order=picked_order, ok=False).order_by("id")
    assert [r.reason for r in refused] == ["not_all_scanned", "wrong_item", "extra_item"]


def test_scanning_the_next_orders_sheet_on_a_pack_page_opens_it(released_wave, hz_client, picker_hz):
    wave, (first, second) = released_wave([[("F001", 1), ("F002", 1)], [("F002", 2)]])
    pick_all(wave, picker_hz)
    response = post(hz_client, "floor:pack_scan", first.number, {"code": f"https://x/floor/pack/{second.number}/"})
    assert response.json()["redirect"] == reverse("floor:pack", args=[second.number])
    assert not ScanRecord.objects.filter(step="pack").exists()


def test_a_double_tap_on_a_box_closes_once(picked_order, hz_client, picker_hz, boxes):
    for code in ("F001", "F001", "F003"):
        pack_scan(order=picked_order, code=code, actor=picker_hz)
    request_id = rid()
    data = {"box": boxes["3号"].pk, "request_id": request_id}
    url = reverse("floor:pack_close", args=[picked_order.number])
    assert hz_client.post(url, data, **FETCH).status_code == 200
    assert hz_client.post(url, {**data, "box": boxes["8号"].pk}, **FETCH).status_code == 200
    assert Parcel.objects.get(order=picked_order).box == boxes["3号"]


def test_a_cancel_before_packing_shows_order_cancelled(picked_order, hz_client, supervisor):
    order_cancel(order=picked_order, actor=supervisor)

    response = post(hz_client, "floor:pack_scan", picked_order.number, {"code": "F001"})

    assert response.status_code == 409 and response.json()["code"] == "order_cancelled"
    assert "订单已取消" in response.json()["panel"]
    page = hz_client.get(reverse("floor:pack", args=[picked_order.number])).content.decode()
    assert "订单已取消" in page and "选箱子" not in page


@pytest.mark.parametrize(
    ("typed", "grams"),
    [("820", 820), ("820g", 820), ("0.82kg", 820), ("0.82", 820), ("ST,GS,+0000.820kg", 820), ("1 KG", 1000)],
)
def test_weights_as_people_and_scales_type_them(typed, grams):
    assert parse_weight_g(typed) == grams


@pytest.mark.parametrize("typed", ["", "abc", "0", "-5", "1,234", "12kgs", "820 820"])
def test_unreadable_weights(typed):
    assert parse_weight_g(typed) is None


def test_weighing_within_tolerance_passes(packed_order, hz_client, carriers):
    response = post(hz_client, "floor:weigh_scan", packed_order.number, {"code": "845"})
    assert response.status_code == 200 and "称重通过" in response.json()["message"]
    assert 'data-weigh-state="ok"' in response.json()["panel"]
    parcel = Parcel.objects.get(order=packed_order)
    assert parcel.weight_ok is True and "面单已出" in response.json()["message"]
    assert f"data-waybill>{parcel.waybill}<" in response.json()["panel"]


def test_weighing_outside_tolerance_is_refused_and_flagged(packed_order, hz_client):
    response = post(hz_client, "floor:weigh_scan", packed_order.number, {"code": "1.2kg"})
    assert response.status_code == 422 and "重量不符" in response.json()["message"]
    assert 'data-weigh-state="flagged"' in response.json()["panel"]
    assert "放行" not in response.json()["panel"], "only a supervisor sees the override"
    assert Parcel.objects.get(order=packed_order).weight_ok is False
    bad = post(hz_client, "floor:weigh_scan", packed_order.number, {"code": "heavy"})
    assert bad.status_code == 400 and "重量看不懂" in bad.json()["message"]


def test_a_supervisor_lets_a_flagged_parcel_through(packed_order, picker_hz, supervisor, client, carriers):
    client.force_login(supervisor)
    assert post(client, "floor:weigh_scan", packed_order.number, {"code": "1200"}).status_code == 422
    page = client.get(reverse("floor:weigh", args=[packed_order.number])).content.decode()
    assert "主管放行原因" in page

    response = post(client, "floor:weigh_override", packed_order.number, {"reason": "赠品未登记重量"})

    assert response.status_code == 200
    parcel = Parcel.objects.get(order=packed_order)
    assert parcel.may_ship and parcel.override_reason == "赠品未登记重量"
    assert parcel.waybill and parcel.waybill in response.json()["panel"], "released: the label is issued"


def test_a_picker_cannot_override(packed_order, hz_client):
    post(hz_client, "floor:weigh_scan", packed_order.number, {"code": "1200"})
    response = post(hz_client, "floor:weigh_override", packed_order.number, {"reason": "我觉得没问题"})
    assert response.status_code == 403
    assert not Parcel.objects.get(order=packed_order).may_ship


def test_the_dock_scan_ships_the_parcel_and_consumes_stock(packed_order, hz_client, picker_hz):
    parcel_weigh(order=packed_order, weight_g=820, actor=picker_hz)
    parcel_assign_waybill(order=packed_order, carrier="SF", waybill="SF1234567890123", actor=picker_hz)
    level = StockLevel.objects.get(sku__code="F001", warehouse=packed_order.warehouse)
    request_id = rid()

    response = hz_client.post(reverse("floor:ship_scan"), {"code": "SF1234567890123", "request_id": request_id}, **FETCH)
    again = hz_client.post(reverse("floor:ship_scan"), {"code": "SF1234567890123", "request_id": request_id}, **FETCH)

    assert response.status_code == again.status_code == 200
    assert "已交接" in response.json()["message"] and 'data-shipped-today>1<' in response.json()["panel"]
    shipped = Order.objects.get(pk=packed_order.pk)
    assert (shipped.status, shipped.carrier, shipped.tracking_number) == (OrderStatus.SHIPPED, "SF", "SF1234567890123")
    after = StockLevel.objects.get(pk=level.pk)
    assert (after.on_hand, after.reserved) == (level.on_hand - 2, level.reserved - 2)


def test_the_dock_refuses_an_unweighed_parcel_and_an_unknown_label(packed_order, hz_client, picker_hz):
    parcel_assign_waybill(order=packed_order, carrier="SF", waybill="SF1234567890123", actor=picker_hz)
    unweighed = hz_client.post(reverse("floor:ship_scan"), {"code": "SF1234567890123", "request_id": rid()}, **FETCH)
    assert unweighed.status_code == 422 and "称重" in unweighed.json()["message"]
    unknown = hz_client.post(reverse("floor:ship_scan"), {"code": "YT0000000000000", "request_id": rid()}, **FETCH)
    assert unknown.status_code == 422 and "找不到运单号" in unknown.json()["message"]
    assert Order.objects.get(pk=packed_order.pk).status == OrderStatus.PACKED


def test_another_warehouses_order_is_refused_everywhere(packed_order, gz_client, picker_hz, boxes):
    parcel_weigh(order=packed_order, weight_g=820, actor=picker_hz)
    parcel_assign_waybill(order=packed_order, carrier="SF", waybill="SF1234567890123", actor=picker_hz)
    number = packed_order.number
    for name in ("floor:pack", "floor:weigh"):
        response = gz_client.get(reverse(name, args=[number]))
        assert response.status_code == 404 and "不属于你的仓库" in response.content.decode()
    for name, data in (("floor:pack_scan", {"code": "F001"}), ("floor:pack_close", {"box": boxes["3号"].pk}),
                       ("floor:weigh_scan", {"code": "820"}), ("floor:weigh_override", {"reason": "x"})):
        assert post(gz_client, name, number, data).status_code == 404
    opened = gz_client.post(reverse("floor:pack_open"), {"code": number, "request_id": rid()}, **FETCH)
    assert opened.status_code == 422
    shipped = gz_client.post(reverse("floor:ship_scan"), {"code": "SF1234567890123", "request_id": rid()}, **FETCH)
    assert shipped.status_code == 422
    assert Order.objects.get(pk=packed_order.pk).status == OrderStatus.PACKED
    assert not ScanRecord.objects.filter(actor__username="picker_gz").exists()
