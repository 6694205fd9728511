"""Pack needs every item; weight tolerance and the supervisor's override; ship consumes stock."""

from decimal import Decimal

import pytest

from inventory.models import MovementReason, StockLevel, StockMovement
from orders.models import Order, OrderEvent
from orders.services import order_cancel
from orders.states import OrderStatus
from tests.fixtures.floor import pack_all, pick_all
from tests.fixtures.ledger import assert_ledger_matches, stock_snapshot
from warehouse.models import FloorSettings, FloorStep, Parcel, ScanRecord, ShortReason, WaveStatus
from warehouse.services import (
    FloorRefused,
    pack_close,
    pack_scan,
    parcel_assign_waybill,
    parcel_ship,
    parcel_weigh,
    parcel_weigh_override,
    pick_scan,
    pick_short,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def picked_order(released_wave, picker_hz):
    """One order of F001×2 + F003×1 (2×120 + 380 = 620 g), picked in a wave of its own."""
    wave, (order,) = released_wave([[("F001", 2), ("F003", 1)]])
    pick_all(wave, picker_hz)
    return order


def test_pack_needs_every_item_scanned(picked_order, picker_hz, boxes):
    pack_scan(order=picked_order, code="F001", actor=picker_hz)
    pack_scan(order=picked_order, code="F003", actor=picker_hz)

    with pytest.raises(FloorRefused) as refused:
        pack_close(order=picked_order, box=boxes["3号"], actor=picker_hz)

    assert refused.value.code == "not_all_scanned"
    assert "竹纤维毛巾×1" in refused.value.message
    assert Order.objects.get(pk=picked_order.pk).status == OrderStatus.PICKING
    assert not Parcel.objects.exists()

    progress = pack_scan(order=picked_order, code="6901234500011", actor=picker_hz)
    assert progress.complete and (progress.scanned, progress.needed) == (3, 3)
    parcel = pack_close(order=picked_order, box=boxes["3号"], actor=picker_hz)

    assert Order.objects.get(pk=picked_order.pk).status == OrderStatus.PACKED
    assert (parcel.expected_weight_g, parcel.tolerance_g, parcel.box) == (820, 50, boxes["3号"])
    assert OrderEvent.objects.filter(order=picked_order, action="pack", actor=picker_hz).exists()
    # Closing again (a double tap) returns the same parcel and changes nothing.
    assert pack_close(order=picked_order, box=boxes["8号"], actor=picker_hz) == parcel
    assert Parcel.objects.get().box == boxes["3号"]
    wave = picked_order.wave_links.get().wave
    assert wave.status == WaveStatus.DONE


def test_wrong_and_extra_items_are_refused_at_the_pack_station(picked_order, picker_hz):
    with pytest.raises(FloorRefused) as refused:
        pack_scan(order=picked_order, code="F002", actor=picker_hz)
    assert refused.value.code == "wrong_item"
    pack_scan(order=picked_order, code="F003", actor=picker_hz)
    with pytest.raises(FloorRefused) as refused:
        pack_scan(order=picked_order, code="F003", actor=picker_hz)
    assert refused.value.code == "extra_item"
    records = list(ScanRecord.objects.filter(step=FloorStep.PACK).values_list("ok", "reason"))
    assert records == [(False, "wrong_item"), (True, ""), (False, "extra_item")]


def test_a_cancelled_order_cannot_be_packed(picked_order, picker_hz, boxes):
    order_cancel(order=picked_order, note="买家取消")
    with pytest.raises(FloorRefused) as refused:
        pack_scan(order=picked_order, code="F001", actor=picker_hz)
    assert refused.value.code == "order_cancelled"
    with pytest.raises(FloorRefused) as refused:
        pack_close(order=picked_order, box=boxes["3号"], actor=picker_hz)
    assert refused.value.code == "order_cancelled"


def test_a_short_picked_order_waits_for_ops(released_wave, picker_hz, boxes):
    wave, (order,) = released_wave([[("F001", 2)]])
    line = wave.lines.get()
    pick_scan(line=line, code="F001", actor=picker_hz)
    pick_short(line=line, found=0, reason=ShortReason.DAMAGED, actor=picker_hz)
    pack_scan(order=order, code="F001", actor=picker_hz)
    with pytest.raises(FloorRefused) as refused:
        pack_close(order=order, box=boxes["3号"], actor=picker_hz)
    assert refused.value.code == "short"


@pytest.fixture
def packed(picked_order, picker_hz, boxes):
    pack_all(picked_order, picker_hz, boxes["3号"])
    return Order.objects.get(pk=picked_order.pk)


def test_weight_within_tolerance_passes(packed, picker_hz):
    parcel = parcel_weigh(order=packed, weight_g=860, actor=picker_hz)  # expected 820 ± 50
    assert (parcel.weight_g, parcel.weight_ok, parcel.weighed_by, parcel.may_ship) == (860, True, picker_hz, True)


def test_weight_outside_tolerance_is_refused_flagged_and_blocks_shipping(packed, picker_hz):
    with pytest.raises(FloorRefused) as refused:
        parcel_weigh(order=packed, weight_g=940, actor=picker_hz)
    assert refused.value.code == "weight_out_of_tolerance"
    assert "820" in refused.value.message and "940" in refused.value.message
    parcel = Parcel.objects.get(order=packed)
    assert (parcel.weight_g, parcel.weight_ok, parcel.may_ship) == (940, False, False)
    assert ScanRecord.objects.filter(step=FloorStep.WEIGH, ok=False, reason="weight_out_of_tolerance").count() == 1
    with pytest.raises(FloorRefused) as refused:
        parcel_ship(order=packed, waybill="73100000001", actor=picker_hz)
    assert refused.value.code == "not_weighed"
    assert Order.objects.get(pk=packed.pk).status == OrderStatus.PACKED
    # Weighed again after re-packing, within tolerance: it passes.
    assert parcel_weigh(order=packed, weight_g=800, actor=picker_hz).weight_ok


def test_tolerance_is_the_larger_of_grams_and_percent(packed, picker_hz, warehouse_hz):
    FloorSettings.objects.create(warehouse=warehouse_hz, weight_tolerance_g=10, weight_tolerance_pct="10")
    other = Parcel.objects.get(order=packed)
    assert other.tolerance_g == 50  # set when packed, under the defaults
    assert FloorSettings.objects.get().tolerance_for(820) == 82
    assert FloorSettings(weight_tolerance_g=100, weight_tolerance_pct=Decimal("5")).tolerance_for(820) == 100


def test_supervisor_override_with_a_reason(packed, picker_hz, supervisor):
    with pytest.raises(FloorRefused):
        parcel_weigh(order=packed, weight_g=2000, actor=picker_hz)
    with pytest.raises(FloorRefused) as refused:
        parcel_weigh_override(order=packed, reason="纸箱受潮", supervisor=picker_hz)
    assert refused.value.code == "permission_denied"
    with pytest.raises(FloorRefused) as refused:
        parcel_weigh_override(order=packed, reason=" ", supervisor=supervisor)
    assert refused.value.code == "reason_required"

    parcel = parcel_weigh_override(order=packed, reason="赠品未录入重量，已开箱核对", supervisor=supervisor)

    assert (parcel.override_by, parcel.may_ship, parcel.weight_ok) == (supervisor, True, False)
    assert ScanRecord.objects.filter(step=FloorStep.WEIGH, ok=True, data__override=True).count() == 1


def test_an_item_without_unit_weight_cannot_pass_the_check(released_wave, picker_hz, boxes, supervisor):
    wave, (order,) = released_wave([[("F005", 1), ("F001", 1)]])
    pick_all(wave, picker_hz)
    parcel = pack_all(order, picker_hz, boxes["8号"])
    assert parcel.expected_weight_g is None
    with pytest.raises(FloorRefused) as refused:
        parcel_weigh(order=order, weight_g=300, actor=picker_hz)
    assert refused.value.code == "no_unit_weight"
    assert parcel_weigh_override(order=order, reason="样品无重量，主管核对", supervisor=supervisor).may_ship


def test_bad_weight_input_is_refused_before_anything(packed, picker_hz):
    for bad in (0, -5, 200_000, "860", 8.6):
        with pytest.raises(FloorRefused) as refused:
            parcel_weigh(order=packed, weight_g=bad, actor=picker_hz)
        assert refused.value.code == "invalid_weight"
    assert not ScanRecord.objects.filter(step=FloorStep.WEIGH).exists()


def test_ship_consumes_the_stock_and_the_ledger_balances(packed, picker_hz):
    levels = {
        line.sku.code: StockLevel.objects.get(pk=line.stock_level_id) for line in packed.lines.select_related("sku")
    }
    assert {code: (lv.on_hand, lv.reserved) for code, lv in levels.items()} == {"F001": (100, 2), "F003": (100, 1)}
    parcel_weigh(order=packed, weight_g=830, actor=picker_hz)
    parcel_assign_waybill(order=packed, carrier="ZTO", waybill="731234567890", actor=picker_hz)

    with pytest.raises(FloorRefused) as refused:
        parcel_ship(order=packed, waybill="739999999999", actor=picker_hz)
    assert refused.value.code == "wrong_label"

    parcel = parcel_ship(order=packed, waybill="731234567890", actor=picker_hz, request_id="dock-1")

    order = Order.objects.get(pk=packed.pk)
    assert (order.status, order.carrier, order.tracking_number) == (OrderStatus.SHIPPED, "ZTO", "731234567890")
    assert (parcel.shipped_by, parcel.waybill) == (picker_hz, "731234567890")
    for level in levels.values():
        level.refresh_from_db()
    assert {code: (lv.on_hand, lv.reserved) for code, lv in levels.items()} == {"F001": (98, 0), "F003": (99, 0)}
    assert StockMovement.objects.filter(reason=MovementReason.SHIP, reference=order.number).count() == 2
    assert_ledger_matches()
    # The dock scanning the same label again changes nothing.
    before = stock_snapshot()
    assert parcel_ship(order=packed, waybill="731234567890", actor=picker_hz) == parcel
    assert stock_snapshot() == before
    assert OrderEvent.objects.filter(order=order, action="ship").count() == 1
