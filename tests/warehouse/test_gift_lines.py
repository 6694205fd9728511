"""A gift the shop does not ship stays on the order but never reaches the floor: the order is
waved, picked, packed and weighed on its goods alone."""

from channels.services.skus import map_draft, sku_mapping_save
from orders.models import Order
from orders.services import order_approve, order_intake
from orders.states import GiftKind, OrderStatus
from tests.fixtures.floor import pick_all
from warehouse.services import pack_close, pack_scan, wave_build, wave_release
from warehouse.services.packing import expected_weight


def test_a_gift_not_shipped_is_not_picked_packed_or_weighed(floor_skus, make_draft, taobao_channel, picker_hz,
                                                             supervisor, boxes):
    sku_mapping_save(channel=taobao_channel, external_code="TB-FREE-SAMPLE", sku_code="", gift=GiftKind.NOT_SHIPPED)
    order = order_intake(draft=map_draft(taobao_channel, make_draft([("F001", 2), ("TB-FREE-SAMPLE", 3)]))).order
    order = order_approve(order=order)
    assert order.status == OrderStatus.READY

    [wave] = wave_build(warehouse=order.warehouse_id, actor=supervisor)
    assert (wave.order_count, wave.unit_count) == (1, 2)
    assert [(line.sku.code, line.quantity) for line in wave.lines.select_related("sku")] == [("F001", 2)]
    wave = wave_release(wave=wave, actor=supervisor, assignee=picker_hz)
    pick_all(wave, picker_hz)

    order = Order.objects.get(pk=order.pk)
    # The gift is on the order but not in the box: its weight is the goods' and the box's tare.
    assert expected_weight(order, boxes["8号"]) == 2 * 120 + boxes["8号"].tare_g
    for line in order.lines.filter(gift=""):
        assert line.reserved_quantity == line.quantity
    # Pack the goods only; the gift line has no SKU to scan.
    for _ in range(2):
        pack_scan(order=order, code="6901234500011", actor=picker_hz)
    parcel = pack_close(order=order, box=boxes["8号"], actor=picker_hz)
    assert parcel.expected_weight_g == 2 * 120 + boxes["8号"].tare_g
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PACKED
