"""The scan paths are hot (a picker scans every few seconds): their query counts must not grow
with the size of the wave."""

import pytest

from tests.fixtures.floor import pick_all
from warehouse.selectors import pick_walk
from warehouse.services import pack_scan, pick_scan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("orders", [1, 8])
def test_pick_scan_queries_do_not_grow_with_the_wave(released_wave, picker_hz, django_assert_max_num_queries, orders):
    wave, _orders = released_wave([[("F001", 2), ("F002", 1)] for _ in range(orders)])
    line = wave.lines.select_related("sku").get(sku__code="F001")
    pick_scan(line=line, code=line.sku.barcode, actor=picker_hz)  # first scan also moves the wave
    with django_assert_max_num_queries(12):
        pick_scan(line=line, code=line.sku.barcode, actor=picker_hz, request_id=f"q-{orders}")


@pytest.mark.parametrize("units", [1, 6])
def test_pack_scan_queries_do_not_grow_with_the_order(released_wave, picker_hz, django_assert_max_num_queries, units):
    wave, (order,) = released_wave([[("F001", units), ("F003", 1)]])
    pick_all(wave, picker_hz)
    with django_assert_max_num_queries(14):
        pack_scan(order=order, code="F003", actor=picker_hz)


def test_the_pick_walk(released_wave, picker_hz, django_assert_num_queries):
    wave, _orders = released_wave([[("F001", 1), ("F002", 2), ("F003", 1)]])
    with django_assert_num_queries(1):
        walk = pick_walk(wave)
        assert (walk.lines_done, walk.lines_total, walk.units_picked, walk.units_total) == (0, 3, 0, 4)
        assert walk.line.bin.code == "A-07"
    scanned = pick_scan(line=walk.line, code=walk.line.sku.barcode, actor=picker_hz)
    assert scanned.done_at is None, "one of two units"
    after = walk.after(scanned)
    assert (after.line.bin.code, after.units_picked, after.lines_done) == ("A-07", 1, 0)
    scanned = pick_scan(line=scanned, code=scanned.sku.barcode, actor=picker_hz)
    after = after.after(scanned)
    assert (after.line.bin.code, after.units_picked, after.lines_done) == ("B-02", 2, 1)
    fresh = pick_walk(wave)
    assert (fresh.line.pk, fresh.units_picked, fresh.lines_done) == (after.line.pk, 2, 1)
