"""Races on PostgreSQL with real threads: a cancel against a pick or a pack, two scans for the
last unit, two supervisors building waves at once, two scales issuing one parcel's label. The
order row lock decides; stock stays right."""

import pytest

from orders.models import Order, OrderEvent
from orders.services import OrderActionRefused, order_cancel
from orders.states import OrderStatus
from tests.fixtures.concurrency import errors_of, run_together
from tests.fixtures.floor import pack_all, pick_all
from tests.fixtures.ledger import assert_ledger_matches
from tests.test_concurrency import assert_reservations_match_order_lines
from warehouse.models import FloorStep, Parcel, ScanRecord, Shipment, WaveOrder
from warehouse.services import FloorRefused, pack_close, pack_scan, parcel_weigh, pick_scan, wave_build

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_cancel_racing_the_pick_of_an_order(released_wave, picker_hz, ops_user):
    for round_ in range(4):
        wave, (order,) = released_wave([[("F001", 1), ("F002", 1)]])
        line = wave.lines.order_by("sequence").first()

        def act(i, line=line, order=order):
            if i == 0:
                return pick_scan(line=line, code=line.sku.barcode, actor=picker_hz)
            return order_cancel(order=order, actor=ops_user, note="买家取消")

        pick, cancel = run_together(act, 2)

        assert cancel.error is None, cancel.error
        assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
        picked = ScanRecord.objects.filter(line=line, ok=True).exists()
        if pick.error is not None:
            # The cancel locked the order first: the scan saw it and nothing was picked.
            assert isinstance(pick.error, FloorRefused) and pick.error.code == "order_cancelled", pick.error
            assert not picked
        else:
            # The scan went first; the cancel waited for it, then gave the stock back.
            assert picked
        line.refresh_from_db()
        assert line.picked == (1 if picked else 0), round_
    assert_reservations_match_order_lines()
    assert_ledger_matches()


def test_cancel_racing_the_pack_has_one_winner(released_wave, picker_hz, ops_user, boxes):
    winners = set()
    for _round in range(4):
        wave, (order,) = released_wave([[("F001", 2), ("F003", 1)]])
        pick_all(wave, picker_hz)
        for code, times in (("F001", 2), ("F003", 1)):
            for _ in range(times):
                pack_scan(order=order, code=code, actor=picker_hz)

        def act(i, order=order):
            if i == 0:
                return pack_close(order=order, box=boxes["3号"], actor=picker_hz)
            return order_cancel(order=order, actor=ops_user, note="买家取消")

        pack, cancel = run_together(act, 2)

        status = Order.objects.get(pk=order.pk).status
        assert len(errors_of([pack, cancel])) == 1, (pack.error, cancel.error)
        if status == OrderStatus.PACKED:
            assert isinstance(cancel.error, OrderActionRefused)
            winners.add("pack")
        else:
            assert status == OrderStatus.CANCELLED
            assert isinstance(pack.error, FloorRefused) and pack.error.code == "order_cancelled"
            assert not Parcel.objects.filter(order=order).exists()
            winners.add("cancel")
        reserved = sum(Order.objects.get(pk=order.pk).lines.values_list("reserved_quantity", flat=True))
        assert reserved == (3 if status == OrderStatus.PACKED else 0)
    assert winners  # at least one outcome seen; either is right
    assert_reservations_match_order_lines()
    assert_ledger_matches()


def test_two_scans_for_the_last_unit(released_wave, picker_hz, supervisor):
    wave, _orders = released_wave([[("F001", 1), ("F002", 1)], [("F002", 2)]])
    line = wave.lines.get(sku__code="F001")

    outcomes = run_together(
        lambda i: pick_scan(line=line, code="F001", actor=picker_hz if i else supervisor), 2
    )

    errors = errors_of(outcomes)
    assert len(errors) == 1 and errors[0].code == "too_many"
    line.refresh_from_db()
    assert line.picked == 1
    assert ScanRecord.objects.filter(line=line, step=FloorStep.PICK, ok=True).count() == 1


def test_two_builds_at_once_never_put_an_order_in_two_waves(floor_order, supervisor):
    orders = [floor_order([("F001", 1), ("F002", 1)]) for _ in range(12)]

    outcomes = run_together(lambda i: wave_build(warehouse=orders[0].warehouse_id, actor=supervisor, max_orders=5), 2)

    assert errors_of(outcomes) == []
    built = [wave for outcome in outcomes for wave in outcome.value]
    assert sum(wave.order_count for wave in built) == 12
    assert WaveOrder.objects.filter(active=True).count() == 12
    assert len({wave.number for wave in built}) == len(built)


def test_two_stations_weighing_one_parcel_issue_one_waybill(released_wave, picker_hz, boxes, carriers):
    """A parcel put on two scales at once (or a double tap): both weighs pass, the carrier is
    asked for one waybill, and the parcel records that one."""
    for _round in range(3):
        wave, (order,) = released_wave([[("F001", 2), ("F003", 1)]])
        pick_all(wave, picker_hz)
        pack_all(order, picker_hz, boxes["3号"])

        outcomes = run_together(lambda i, order=order: parcel_weigh(order=order, weight_g=830 + i, actor=picker_hz), 2)

        assert not errors_of(outcomes)
        shipment = Shipment.objects.get(order=order)
        assert {outcome.value.waybill for outcome in outcomes} == {shipment.waybill_number}
        assert Parcel.objects.get(order=order).waybill == shipment.waybill_number
        assert OrderEvent.objects.filter(order=order, action="waybill_issue").count() == 1
