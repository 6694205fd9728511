"""Waves by the rules, pick lists in bin order, release / reassign / cancel through the order services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import Order, OrderEvent, Priority
from orders.services import order_cancel, order_hold
from orders.states import OrderStatus
from warehouse.carriers.proposal import carrier_propose
from warehouse.models import FloorMember, PickLine, WaveKind, WaveOrder, WaveStatus
from warehouse.models.carriers import Carrier, CarrierRate, CarrierService, RateZone
from warehouse.services import FloorRefused, wave_build, wave_cancel, wave_reassign, wave_release

pytestmark = pytest.mark.django_db


def kinds(waves):
    return [(w.kind, w.order_count) for w in waves]


def test_batch_wave_sums_per_sku_and_sorts_by_the_bins_walk(floor_order, supervisor, sku_by_code):
    a = floor_order([("F001", 2), ("F002", 1)])
    b = floor_order([("F001", 1), ("F003", 2), ("F004", 1)])

    (wave,) = wave_build(warehouse=a.warehouse_id, actor=supervisor)

    assert (wave.kind, wave.status, wave.order_count, wave.unit_count) == (WaveKind.BATCH, WaveStatus.OPEN, 2, 7)
    lines = list(wave.lines.select_related("sku", "bin").order_by("sequence"))
    # Walk order A-01 (5), A-07 (10), B-02 (20), C-01 (30): not the codes' alphabetical order.
    assert [(line.bin.code, line.sku.code, line.quantity) for line in lines] == [
        ("A-01", "F004", 1),
        ("A-07", "F002", 1),
        ("B-02", "F003", 2),
        ("C-01", "F001", 3),
    ]
    assert list(wave.wave_orders.order_by("slot").values_list("order_id", "slot")) == [(a.pk, 1), (b.pk, 2)]
    # Building does not move the orders: releasing does.
    assert set(Order.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {OrderStatus.READY}


def test_urgent_big_single_unit_and_batch_orders_go_to_their_own_kinds_of_wave(floor_order, supervisor):
    single_1 = floor_order([("F001", 1)])
    batch = floor_order([("F001", 2)])
    urgent = floor_order([("F002", 1)], priority=Priority.URGENT)
    single_2 = floor_order([("F003", 1)])
    big = floor_order([("F004", 9)])

    waves = wave_build(warehouse=batch.warehouse_id, actor=supervisor, max_units=8)

    by_kind = {}
    for wave in waves:
        by_kind.setdefault(wave.kind, []).append(list(wave.wave_orders.values_list("order_id", flat=True)))
    assert by_kind[WaveKind.ORDER] == [[urgent.pk], [big.pk]]
    assert by_kind[WaveKind.SINGLE_UNIT] == [[single_1.pk, single_2.pk]]
    assert by_kind[WaveKind.BATCH] == [[batch.pk]]
    # The urgent order's wave comes first (most urgent first).
    assert waves[0].kind == WaveKind.ORDER and waves[0].wave_orders.get().order_id == urgent.pk


def test_limits_split_waves_and_each_carrier_gets_its_own(floor_order, supervisor):
    orders = [floor_order([("F001", 2)], carrier="ZTO") for _ in range(5)] + [floor_order([("F002", 2)], carrier="SF")]

    waves = wave_build(warehouse=orders[0].warehouse_id, actor=supervisor, max_orders=2, max_units=100)

    assert [(w.carrier, w.order_count) for w in waves] == [("ZTO", 2), ("ZTO", 2), ("ZTO", 1), ("SF", 1)]
    # A second build finds nothing left: every order is in a live wave.
    assert wave_build(warehouse=orders[0].warehouse_id, actor=supervisor) == []


@pytest.fixture
def two_carriers(warehouse_hz):
    """From 杭州仓: 中通 is the cheaper to 浙江, 顺丰 to 上海; both express-free standard services."""
    zto = Carrier.objects.create(code="ZTO", name="中通快递", short_name="中通")
    sf = Carrier.objects.create(code="SF", name="顺丰速运", short_name="顺丰")
    zto_std = CarrierService.objects.create(carrier=zto, name="中通标快")
    sf_std = CarrierService.objects.create(carrier=sf, name="顺丰标快")
    zhejiang = RateZone.objects.create(warehouse=warehouse_hz, name="省内", provinces=["浙江"])
    shanghai = RateZone.objects.create(warehouse=warehouse_hz, name="上海", provinces=["上海"])
    for service, zone, price in ((zto_std, zhejiang, "5"), (sf_std, zhejiang, "9"), (zto_std, shanghai, "12"), (sf_std, shanghai, "8")):
        CarrierRate.objects.create(service=service, zone=zone, first_price=Decimal(price), step_price=Decimal("1"))
    return zto, sf


def test_waves_group_by_the_carrier_the_label_will_name(floor_order, supervisor, two_carriers, warehouse_hz):
    shanghai = {"province": "上海市", "city": "上海市", "district": "浦东新区"}
    zhejiang = [floor_order([("F001", 2)]) for _ in range(2)]
    to_shanghai = [floor_order([("F002", 2)], **shanghai), floor_order([("F003", 1), ("F001", 1)], **shanghai)]
    weightless = floor_order([("F005", 2)])  # no weight known: the label decides
    assert {o.warehouse_id for o in zhejiang + to_shanghai + [weightless]} == {warehouse_hz.pk}

    waves = wave_build(warehouse=warehouse_hz, actor=supervisor)

    members = {w.carrier: sorted(w.wave_orders.values_list("order_id", flat=True)) for w in waves}
    assert members == {
        "中通快递": sorted(o.pk for o in zhejiang),
        "顺丰速运": sorted(o.pk for o in to_shanghai),
        "": [weightless.pk],
    }
    assert all(w.kind == WaveKind.BATCH for w in waves)
    # The same rule as the label's proposal, on the goods' weight (no box yet).
    for order in zhejiang + to_shanghai:
        weight = sum(line.sku.unit_weight_g * line.quantity for line in order.lines.select_related("sku"))
        assert carrier_propose(order=order, weight_g=weight).quote.carrier == next(
            carrier for carrier, ids in members.items() if order.pk in ids
        )


def test_the_picker_sees_the_wave_carrier_on_the_task_list(floor_order, supervisor, two_carriers, warehouse_hz, picker_hz):
    from django.test import Client

    floor_order([("F001", 2)])
    (wave,) = wave_build(warehouse=warehouse_hz, actor=supervisor)
    wave_release(wave=wave, actor=supervisor, assignee=picker_hz)
    client = Client()
    client.force_login(picker_hz)
    page = client.get("/floor/").content.decode()
    assert wave.number in page and "批量拣货 · 中通快递 · 1 单 2 件" in page


def test_unit_limit(floor_order, supervisor):
    orders = [floor_order([("F001", 3)]) for _ in range(3)]
    waves = wave_build(warehouse=orders[0].warehouse_id, actor=supervisor, max_units=6)
    assert [w.unit_count for w in waves] == [6, 3]


def test_promised_ship_time_orders_and_filters(floor_order, supervisor):
    late = floor_order([("F001", 2)])
    soon = floor_order([("F001", 2)])
    now = timezone.now()
    Order.objects.filter(pk=late.pk).update(promised_ship_at=now + timedelta(hours=30))
    Order.objects.filter(pk=soon.pk).update(promised_ship_at=now + timedelta(hours=2))

    (wave,) = wave_build(warehouse=late.warehouse_id, actor=supervisor, ship_by=now + timedelta(hours=4))

    assert list(wave.wave_orders.values_list("order_id", flat=True)) == [soon.pk]
    (rest,) = wave_build(warehouse=late.warehouse_id, actor=supervisor)
    assert list(rest.wave_orders.values_list("order_id", flat=True)) == [late.pk]


def test_orders_with_an_exception_or_not_ready_are_left_out(floor_order, supervisor, place_order):
    ok = floor_order([("F001", 2)])
    held = floor_order([("F001", 2)])
    order_hold(order=held, note="买家要求暂缓")
    flagged = floor_order([("F001", 2)])
    Order.objects.filter(pk=flagged.pk).update(exception_reason="other")
    (wave,) = wave_build(warehouse=ok.warehouse_id, actor=supervisor)
    assert list(wave.wave_orders.values_list("order_id", flat=True)) == [ok.pk]


def test_an_order_is_in_at_most_one_live_wave(floor_order, supervisor):
    order = floor_order([("F001", 2)])
    (wave,) = wave_build(warehouse=order.warehouse_id, actor=supervisor)
    with pytest.raises(IntegrityError), transaction.atomic():
        WaveOrder.objects.create(wave=wave, order=order, slot=9)


def test_release_moves_orders_to_picking_through_the_order_service(released_wave, picker_hz):
    wave, orders = released_wave([[("F001", 2)], [("F002", 1), ("F003", 1)]])
    assert (wave.status, wave.assignee) == (WaveStatus.RELEASED, picker_hz)
    for order in orders:
        assert order.status == OrderStatus.PICKING
        event = OrderEvent.objects.filter(order=order).latest("id")
        assert (event.action, event.note) == ("start_picking", f"波次 {wave.number}")


def test_release_drops_an_order_cancelled_meanwhile_and_recomputes_the_pick_list(floor_order, supervisor):
    keep = floor_order([("F001", 2)])
    gone = floor_order([("F001", 1), ("F002", 1)])
    (wave,) = wave_build(warehouse=keep.warehouse_id, actor=supervisor)
    order_cancel(order=gone)

    wave = wave_release(wave=wave, actor=supervisor)

    assert (wave.status, wave.order_count, wave.unit_count) == (WaveStatus.RELEASED, 1, 2)
    assert list(wave.lines.values_list("sku__code", "quantity")) == [("F001", 2)]
    link = WaveOrder.objects.get(order=gone)
    assert not link.active and "已取消" in link.left_reason


def test_release_of_a_wave_whose_orders_all_left_cancels_it(floor_order, supervisor):
    order = floor_order([("F001", 2)])
    (wave,) = wave_build(warehouse=order.warehouse_id, actor=supervisor)
    order_cancel(order=order)
    assert wave_release(wave=wave, actor=supervisor).status == WaveStatus.CANCELLED


def test_release_twice_is_refused(released_wave, supervisor):
    wave, _orders = released_wave([[("F001", 2)]])
    with pytest.raises(FloorRefused) as refused:
        wave_release(wave=wave, actor=supervisor)
    assert refused.value.code == "wave_not_open"


def test_release_to_a_picker_of_another_warehouse_is_refused(floor_order, supervisor, picker_gz):
    order = floor_order([("F001", 2)])
    (wave,) = wave_build(warehouse=order.warehouse_id, actor=supervisor)
    with pytest.raises(FloorRefused) as refused:
        wave_release(wave=wave, actor=supervisor, assignee=picker_gz)
    assert refused.value.code == "not_a_member"
    wave.refresh_from_db()
    assert wave.status == WaveStatus.OPEN
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY


def test_reassign(released_wave, supervisor, make_member, warehouse_hz, picker_gz):
    wave, _orders = released_wave([[("F001", 2)]])
    other = make_member("picker", "picker_hz_2")
    FloorMember.objects.create(user=other, warehouse=warehouse_hz)
    assert wave_reassign(wave=wave, assignee=other, actor=supervisor).assignee == other
    with pytest.raises(FloorRefused):
        wave_reassign(wave=wave, assignee=picker_gz, actor=supervisor)


def test_cancel_sends_the_orders_back_to_ready_and_they_can_be_waved_again(released_wave, supervisor):
    wave, orders = released_wave([[("F001", 2)], [("F002", 2)]])

    wave = wave_cancel(wave=wave, actor=supervisor, note="拣货员临时请假")

    assert wave.status == WaveStatus.CANCELLED
    assert set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True)) == {
        OrderStatus.READY
    }
    assert not WaveOrder.objects.filter(wave=wave, active=True).exists()
    (again,) = wave_build(warehouse=wave.warehouse_id, actor=supervisor)
    assert again.order_count == 2
    with pytest.raises(FloorRefused):
        wave_cancel(wave=wave, actor=supervisor)


def test_pick_lines_keep_their_quantity_check(released_wave):
    wave, _orders = released_wave([[("F001", 2)]])
    line = wave.lines.get()
    line.picked = 3
    with pytest.raises(IntegrityError), transaction.atomic():
        line.save()
    assert PickLine.objects.get(pk=line.pk).picked == 0
