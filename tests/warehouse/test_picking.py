"""Pick scans against the pick list, wrong scans refused and recorded, short picks, sorting."""

import pytest

from inventory.models import MovementReason, StockLevel, StockMovement
from orders.models import Order, OrderEvent
from orders.services import order_cancel
from orders.states import ExceptionReason, OrderStatus
from tests.fixtures.floor import pick_all
from tests.fixtures.ledger import assert_ledger_matches, stock_snapshot
from warehouse.models import FloorStep, ScanRecord, ShortReason, WaveKind, WaveStatus
from warehouse.services import FloorRefused, pick_scan, pick_short, sort_scan

pytestmark = pytest.mark.django_db


def test_a_right_scan_picks_and_the_wave_moves_on(released_wave, picker_hz):
    wave, _orders = released_wave([[("F001", 2)], [("F001", 1), ("F002", 1)]])
    first = wave.lines.order_by("sequence").first()

    line = pick_scan(line=first, code=first.sku.barcode, actor=picker_hz, quantity=1)

    assert (line.picked, line.remaining, line.picked_by) == (1, first.quantity - 1, picker_hz)
    wave.refresh_from_db()
    assert wave.status == WaveStatus.PICKING
    record = ScanRecord.objects.get(line=first)
    assert (record.step, record.ok, record.quantity, record.actor) == (FloorStep.PICK, True, 1, picker_hz)

    pick_all(wave, picker_hz)
    wave.refresh_from_db()
    assert wave.status == WaveStatus.PICKED and wave.picked_at is not None


def test_our_own_sku_code_scans_too(released_wave, picker_hz):
    wave, _orders = released_wave([[("F001", 2)]])
    line = wave.lines.get()
    assert pick_scan(line=line, code=" F001 ", actor=picker_hz).picked == 1


def test_a_wrong_item_is_refused_recorded_and_nothing_moves(released_wave, picker_hz, sku_by_code):
    wave, orders = released_wave([[("F001", 2)]])
    line = wave.lines.get()
    before = stock_snapshot()

    with pytest.raises(FloorRefused) as refused:
        pick_scan(line=line, code=sku_by_code["F002"].barcode, actor=picker_hz)

    assert refused.value.code == "wrong_item"
    assert "婴儿湿巾" in refused.value.message and "竹纤维毛巾" in refused.value.message
    line.refresh_from_db()
    assert line.picked == 0
    wave.refresh_from_db()
    assert wave.status == WaveStatus.RELEASED
    assert stock_snapshot() == before
    record = ScanRecord.objects.get()
    assert (record.ok, record.reason, record.sku, record.line, record.actor) == (
        False, "wrong_item", sku_by_code["F002"], line, picker_hz
    )


def test_an_unknown_code_is_a_wrong_scan_too(released_wave, picker_hz):
    wave, _orders = released_wave([[("F001", 2)]])
    with pytest.raises(FloorRefused) as refused:
        pick_scan(line=wave.lines.get(), code="1234567890", actor=picker_hz)
    assert refused.value.code == "wrong_item"
    assert ScanRecord.objects.get().code == "1234567890"


def test_more_than_the_line_needs_is_refused(released_wave, picker_hz):
    wave, _orders = released_wave([[("F001", 2)]])
    line = wave.lines.get()
    pick_scan(line=line, code="F001", actor=picker_hz, quantity=2)
    with pytest.raises(FloorRefused) as refused:
        pick_scan(line=line, code="F001", actor=picker_hz)
    assert refused.value.code == "too_many"
    line.refresh_from_db()
    assert line.picked == 2


def test_a_resent_scan_is_applied_once(released_wave, picker_hz, sku_by_code):
    wave, _orders = released_wave([[("F001", 3)]])
    line = wave.lines.get()

    for _ in range(3):
        result = pick_scan(line=line, code="F001", actor=picker_hz, request_id="req-1")
    assert result.picked == 1
    for _ in range(2):
        with pytest.raises(FloorRefused) as refused:
            pick_scan(line=line, code="F002", actor=picker_hz, request_id="req-2")
        assert refused.value.code == "wrong_item"
    assert ScanRecord.objects.count() == 2


def test_an_open_wave_cannot_be_picked(floor_order, supervisor, picker_hz):
    from warehouse.services import wave_build

    order = floor_order([("F001", 2)])
    (wave,) = wave_build(warehouse=order.warehouse_id, actor=supervisor)
    with pytest.raises(FloorRefused) as refused:
        pick_scan(line=wave.lines.get(), code="F001", actor=picker_hz)
    assert refused.value.code == "wave_not_active"


def test_picking_for_a_cancelled_order_is_refused(released_wave, picker_hz):
    wave, (order,) = released_wave([[("F001", 2)]])
    order_cancel(order=order, note="买家取消")
    with pytest.raises(FloorRefused) as refused:
        pick_scan(line=wave.lines.get(), code="F001", actor=picker_hz)
    assert refused.value.code == "order_cancelled"
    assert "取消" in refused.value.message


def test_short_pick_flags_the_order_and_corrects_the_count_in_the_ledger(released_wave, picker_hz, sku_by_code):
    wave, (first, second) = released_wave([[("F001", 2)], [("F001", 3)]])
    line = wave.lines.get()
    level = StockLevel.objects.get(pk=line.stock_level_id)
    assert (level.on_hand, level.reserved) == (100, 5)
    pick_scan(line=line, code="F001", actor=picker_hz, quantity=1)

    line = pick_short(line=line, found=2, reason=ShortReason.BIN_EMPTY, actor=picker_hz, note="货架最里面也没有")

    # 5 needed, 1 scanned, 2 found: 2 missing, charged to the later slot (the second order).
    assert (line.picked, line.short, line.short_reason, line.is_done) == (3, 2, ShortReason.BIN_EMPTY, True)
    first, second = Order.objects.get(pk=first.pk), Order.objects.get(pk=second.pk)
    assert first.exception_reason == ""
    assert second.exception_reason == ExceptionReason.SHORT_PICK
    assert "缺 2 件" in second.exception_note and "库位为空" in second.exception_note
    assert list(second.lines.values_list("quantity", "reserved_quantity")) == [(3, 1)]
    level.refresh_from_db()
    # The 2 missing units leave the reservation and the count: 98 on hand, 3 still held.
    assert (level.on_hand, level.reserved) == (98, 3)
    adjust = StockMovement.objects.filter(stock_level=level, reason=MovementReason.ADJUST).get()
    assert adjust.delta_on_hand == -2 and adjust.actor == picker_hz and wave.number in adjust.note
    assert OrderEvent.objects.filter(order=second, action="flag_exception").exists()
    assert_ledger_matches()
    wave.refresh_from_db()
    assert wave.status == WaveStatus.PICKED
    record = ScanRecord.objects.get(step=FloorStep.SHORT)
    assert record.data["orders"] == {second.number: 2} and record.quantity == 2


def test_short_pick_when_other_orders_hold_the_rest_keeps_reserved_within_on_hand(
    released_wave, picker_hz, floor_order
):
    wave, (order,) = released_wave([[("F001", 4)]])
    line = wave.lines.get()
    # Another order, not in this wave, holds the other 96 units.
    floor_order([("F001", 96)])
    level = StockLevel.objects.get(pk=line.stock_level_id)
    assert (level.on_hand, level.reserved) == (100, 100)

    pick_short(line=line, found=1, reason=ShortReason.NOT_ENOUGH, actor=picker_hz)

    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (97, 97)
    assert_ledger_matches()


def test_short_pick_needs_a_reason_and_a_sane_count(released_wave, picker_hz):
    wave, _orders = released_wave([[("F001", 2)]])
    line = wave.lines.get()
    before = stock_snapshot()
    with pytest.raises(FloorRefused) as refused:
        pick_short(line=line, found=0, reason="", actor=picker_hz)
    assert refused.value.code == "reason_required"
    with pytest.raises(FloorRefused) as refused:
        pick_short(line=line, found=2, reason=ShortReason.BIN_EMPTY, actor=picker_hz)
    assert refused.value.code == "invalid_quantity"
    assert stock_snapshot() == before


def test_sorting_puts_each_item_in_the_first_waiting_slot(released_wave, picker_hz, sku_by_code):
    wave, (a, b) = released_wave([[("F001", 1), ("F002", 1)], [("F001", 2)]])
    assert wave.kind == WaveKind.BATCH
    pick_all(wave, picker_hz)

    slots = [sort_scan(wave=wave, code=sku_by_code["F001"].barcode, actor=picker_hz) for _ in range(3)]

    assert [(r.order.pk, r.slot) for r in slots] == [(a.pk, 1), (b.pk, 2), (b.pk, 2)]
    with pytest.raises(FloorRefused) as refused:
        sort_scan(wave=wave, code="F001", actor=picker_hz)
    assert refused.value.code == "not_picked"
    with pytest.raises(FloorRefused) as refused:
        sort_scan(wave=wave, code="F003", actor=picker_hz)
    assert refused.value.code == "wrong_item"
    assert sort_scan(wave=wave, code="F002", actor=picker_hz, request_id="s-1").slot == 1
    assert sort_scan(wave=wave, code="F002", actor=picker_hz, request_id="s-1").slot == 1
    assert ScanRecord.objects.filter(step=FloorStep.SORT, ok=True).count() == 4


def test_sorting_skips_a_cancelled_order(released_wave, picker_hz):
    wave, (a, b) = released_wave([[("F001", 1), ("F002", 1)], [("F001", 2)]])
    pick_all(wave, picker_hz)
    order_cancel(order=a, note="买家取消")
    assert sort_scan(wave=wave, code="F001", actor=picker_hz).order.pk == b.pk
    assert sort_scan(wave=wave, code="F001", actor=picker_hz).order.pk == b.pk
    with pytest.raises(FloorRefused) as refused:
        sort_scan(wave=wave, code="F001", actor=picker_hz)
    assert refused.value.code == "extra_item"


def test_single_unit_wave_scan_assigns_the_next_order_and_counts_as_its_pack_scan(
    released_wave, picker_hz, boxes
):
    from warehouse.services import pack_close

    wave, (a, b) = released_wave([[("F001", 1)], [("F001", 1)]])
    assert wave.kind == WaveKind.SINGLE_UNIT
    pick_all(wave, picker_hz)

    first = sort_scan(wave=wave, code="F001", actor=picker_hz)

    assert first.order.pk == a.pk
    parcel = pack_close(order=a, box=boxes["8号"], actor=picker_hz)
    assert Order.objects.get(pk=a.pk).status == OrderStatus.PACKED
    assert parcel.expected_weight_g == 120 + 60


def test_a_line_whose_orders_were_cancelled_closes_and_the_wave_ends(released_wave, picker_hz):
    wave, (a, b) = released_wave([[("F001", 1), ("F002", 1)], [("F001", 2)]])
    f001 = wave.lines.get(sku__code="F001")
    pick_scan(line=f001, code="F001", actor=picker_hz)
    order_cancel(order=b, note="买家取消")

    with pytest.raises(FloorRefused) as refused:
        pick_scan(line=f001, code="F001", actor=picker_hz)

    assert refused.value.code == "order_cancelled"
    f001.refresh_from_db()
    assert f001.is_done and f001.picked == 1
    order_cancel(order=a, note="买家取消")
    with pytest.raises(FloorRefused):
        pick_scan(line=wave.lines.get(sku__code="F002"), code="F002", actor=picker_hz)
    wave.refresh_from_db()
    assert wave.status == WaveStatus.DONE


def test_ops_resolve_a_short_pick_and_the_order_goes_into_a_new_wave(released_wave, picker_hz, supervisor, ops_user):
    from orders.services import order_approve, order_clear_exception, order_hold, order_release_hold
    from warehouse.services import wave_build

    wave, (order,) = released_wave([[("F001", 2)]])
    pick_short(line=wave.lines.get(), found=1, reason=ShortReason.BIN_EMPTY, actor=picker_hz)
    order_hold(order=order, actor=ops_user, note="缺货，等补货后重新占用")
    order_release_hold(order=order, actor=ops_user)  # reserves the whole order again
    order_approve(order=order, actor=ops_user)
    order = order_clear_exception(order=order, actor=ops_user, note="已重新占用库存")
    assert list(order.lines.values_list("quantity", "reserved_quantity")) == [(2, 2)]

    (again,) = wave_build(warehouse=order.warehouse_id, actor=supervisor)

    assert list(again.wave_orders.filter(active=True).values_list("order_id", flat=True)) == [order.pk]
    assert not wave.wave_orders.filter(active=True).exists()
    wave.refresh_from_db()
    assert wave.status == WaveStatus.DONE
    assert_ledger_matches()
