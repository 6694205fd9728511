"""The scan paths are hot (a picker scans every few seconds): their query counts must not grow
with the size of the wave."""

import pytest

from tests.fixtures.floor import pick_all
from warehouse.selectors import next_line, pick_progress
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


def test_progress_helpers(released_wave, picker_hz):
    wave, _orders = released_wave([[("F001", 1), ("F002", 1), ("F003", 1)]])
    assert pick_progress(wave) == (0, 3)
    first = next_line(wave)
    assert first.bin.code == "A-07"
    pick_scan(line=first, code=first.sku.barcode, actor=picker_hz)
    assert pick_progress(wave) == (1, 3)
    assert next_line(wave).bin.code == "B-02"
