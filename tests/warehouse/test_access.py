"""A picker sees and acts on their own warehouses' work only; supervisors act everywhere."""

import pytest

from orders.models import Order
from orders.states import OrderStatus
from tests.fixtures.floor import pick_all
from tests.fixtures.ledger import stock_snapshot
from warehouse.models import ScanRecord, ShortReason, WaveStatus
from warehouse.selectors import order_for, tasks_for, warehouses_for, wave_for
from warehouse.services import (
    FloorRefused,
    floor_photo_add,
    pack_close,
    pack_scan,
    parcel_ship,
    parcel_weigh,
    pick_scan,
    pick_short,
    sort_scan,
    wave_build,
    wave_cancel,
    wave_reassign,
    wave_release,
)

pytestmark = pytest.mark.django_db


def test_selectors_show_only_the_pickers_warehouses(released_wave, picker_hz, picker_gz, supervisor, warehouse_hz):
    wave, (order,) = released_wave([[("F001", 2)]])
    assert list(warehouses_for(picker_hz)) == [warehouse_hz]
    assert list(tasks_for(picker_hz)) == [wave]
    assert list(tasks_for(picker_gz)) == []
    assert wave_for(picker_gz, wave.pk) is None and wave_for(picker_hz, wave.pk) == wave
    assert order_for(picker_gz, order.number) is None and order_for(picker_hz, order.number) == order
    assert warehouses_for(supervisor).count() == 2


def test_a_picker_of_another_warehouse_can_do_nothing_here(released_wave, picker_hz, picker_gz, boxes):
    wave, (order,) = released_wave([[("F001", 2)]])
    line = wave.lines.get()
    before = stock_snapshot()
    attempts = [
        lambda: pick_scan(line=line, code="F001", actor=picker_gz),
        lambda: pick_short(line=line, found=0, reason=ShortReason.BIN_EMPTY, actor=picker_gz),
        lambda: sort_scan(wave=wave, code="F001", actor=picker_gz),
        lambda: pack_scan(order=order, code="F001", actor=picker_gz),
        lambda: pack_close(order=order, box=boxes["3号"], actor=picker_gz),
        lambda: parcel_weigh(order=order, weight_g=300, actor=picker_gz),
        lambda: parcel_ship(order=order, waybill="731234567890", actor=picker_gz),
        lambda: floor_photo_add(actor=picker_gz, step="pick", data=b"x", order=order),
        lambda: wave_build(warehouse=order.warehouse_id, actor=picker_gz),
        lambda: wave_reassign(wave=wave, assignee=None, actor=picker_gz),
        lambda: wave_cancel(wave=wave, actor=picker_gz),
    ]
    for attempt in attempts:
        with pytest.raises(FloorRefused) as refused:
            attempt()
        assert refused.value.code == "not_your_warehouse"
        assert "仓库" in refused.value.message
    assert stock_snapshot() == before
    assert not ScanRecord.objects.exists()
    wave.refresh_from_db()
    line.refresh_from_db()
    assert (wave.status, line.picked) == (WaveStatus.RELEASED, 0)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PICKING


def test_releasing_needs_the_warehouse_too(floor_order, picker_gz, supervisor):
    order = floor_order([("F001", 2)])
    (wave,) = wave_build(warehouse=order.warehouse_id, actor=supervisor)
    with pytest.raises(FloorRefused) as refused:
        wave_release(wave=wave, actor=picker_gz)
    assert refused.value.code == "not_your_warehouse"


def test_an_inactive_or_missing_actor_is_refused(released_wave, picker_hz):
    wave, _orders = released_wave([[("F001", 2)]])
    with pytest.raises(FloorRefused) as refused:
        pick_scan(line=wave.lines.get(), code="F001", actor=None)
    assert refused.value.code == "login_required"
    picker_hz.is_active = False
    picker_hz.save()
    with pytest.raises(FloorRefused) as refused:
        pick_scan(line=wave.lines.get(), code="F001", actor=picker_hz)
    assert refused.value.code == "not_your_warehouse"


def test_a_request_id_of_another_user_is_not_replayed(released_wave, picker_hz, make_member, warehouse_hz):
    from warehouse.models import FloorMember

    wave, _orders = released_wave([[("F001", 3)]])
    other = make_member("picker", "picker_hz_2")
    FloorMember.objects.create(user=other, warehouse=warehouse_hz)
    pick_scan(line=wave.lines.get(), code="F001", actor=picker_hz, request_id="abc")
    with pytest.raises(FloorRefused) as refused:
        pick_scan(line=wave.lines.get(), code="F001", actor=other, request_id="abc")
    assert refused.value.code == "bad_request_id"


def test_supervisor_works_in_every_warehouse(released_wave, supervisor):
    wave, _orders = released_wave([[("F001", 2)]])
    pick_all(wave, supervisor)
    wave.refresh_from_db()
    assert wave.status == WaveStatus.PICKED
