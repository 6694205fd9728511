"""Stock services: every change is guarded, ledgered, and held by the database constraints."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from inventory.models import MovementReason, Sku, StockLevel, StockMovement
from inventory.services import (
    InsufficientStock,
    StockError,
    StockLine,
    stock_adjust,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_ship,
    stock_transfer,
)
from tests.fixtures.ledger import assert_ledger_matches, stock_snapshot


@pytest.fixture
def sku(db):
    return Sku.objects.create(code="B001", name="保温杯")


@pytest.fixture
def other_sku(db):
    return Sku.objects.create(code="B002", name="杯套")


@pytest.fixture
def cup_stock(sku, warehouse_hz):
    """The cup with 10 on hand in Hangzhou, nothing reserved."""
    return stock_receive(sku=sku, warehouse=warehouse_hz, quantity=10, reference="PO-1")


@pytest.fixture
def sleeve_stock(other_sku, warehouse_hz):
    """The sleeve with 3 on hand in Hangzhou."""
    return stock_receive(sku=other_sku, warehouse=warehouse_hz, quantity=3, reference="PO-1")


def _level(level: StockLevel) -> tuple[int, int]:
    level.refresh_from_db()
    return level.on_hand, level.reserved


def _reasons(level: StockLevel) -> list[str]:
    return list(level.movements.order_by("id").values_list("reason", flat=True))


# --- receive -----------------------------------------------------------------------------------


def test_receive_creates_the_stock_row_and_ledgers_it(sku, warehouse_hz):
    level = stock_receive(sku=sku, warehouse=warehouse_hz, quantity=10, reference="PO-1")
    assert (level.on_hand, level.reserved) == (10, 0)
    movement = level.movements.get()
    assert (movement.reason, movement.delta_on_hand, movement.delta_reserved, movement.reference) == (
        MovementReason.RECEIVE, 10, 0, "PO-1",
    )
    assert assert_ledger_matches() == 1


def test_receive_again_adds_to_the_same_row(cup_stock, sku, warehouse_hz):
    again = stock_receive(sku=sku, warehouse=warehouse_hz, quantity=5)
    assert again.pk == cup_stock.pk
    assert _level(cup_stock) == (15, 0)
    assert StockLevel.objects.count() == 1
    assert_ledger_matches()


@pytest.mark.parametrize("quantity", [0, -3])
def test_receive_refuses_a_non_positive_quantity(cup_stock, sku, warehouse_hz, quantity):
    before = stock_snapshot()
    with pytest.raises(StockError):
        stock_receive(sku=sku, warehouse=warehouse_hz, quantity=quantity)
    assert stock_snapshot() == before


# --- adjust ------------------------------------------------------------------------------------


def test_adjust_corrects_on_hand_with_its_reason(cup_stock, ops_user):
    stock_adjust(stock_level=cup_stock, delta=-4, note="  盘点少 4 件 ", actor=ops_user)
    stock_adjust(stock_level=cup_stock, delta=2, note="找回 2 件")
    assert _level(cup_stock) == (8, 0)
    adjust = cup_stock.movements.filter(reason=MovementReason.ADJUST).order_by("id").first()
    assert (adjust.delta_on_hand, adjust.note, adjust.actor) == (-4, "盘点少 4 件", ops_user)
    assert_ledger_matches()


def test_adjust_below_reserved_is_refused_and_changes_nothing(cup_stock):
    stock_reserve(lines=[StockLine(cup_stock.pk, 7)], reference="SO-1")
    before = stock_snapshot()
    with pytest.raises(InsufficientStock):
        stock_adjust(stock_level=cup_stock, delta=-4, note="盘点少 4 件")
    assert stock_snapshot() == before
    stock_adjust(stock_level=cup_stock, delta=-3, note="盘点少 3 件")  # down to exactly what is reserved
    assert _level(cup_stock) == (7, 7)
    assert_ledger_matches()


@pytest.mark.parametrize("note", ["", "   "])
def test_adjust_without_a_reason_is_refused(cup_stock, note):
    before = stock_snapshot()
    with pytest.raises(StockError) as refused:
        stock_adjust(stock_level=cup_stock, delta=-1, note=note)
    assert "原因" in refused.value.message
    assert stock_snapshot() == before


def test_adjust_by_zero_is_refused(cup_stock):
    before = stock_snapshot()
    with pytest.raises(StockError):
        stock_adjust(stock_level=cup_stock, delta=0, note="无变化")
    assert stock_snapshot() == before


# --- transfer ----------------------------------------------------------------------------------


def test_transfer_moves_available_units_and_creates_the_destination_row(cup_stock, sku, warehouse_hz, warehouse_gz):
    stock_transfer(sku=sku, source=warehouse_hz, destination=warehouse_gz, quantity=4, reference="TR-1")
    destination = StockLevel.objects.get(sku=sku, warehouse=warehouse_gz)
    assert _level(cup_stock) == (6, 0)
    assert (destination.on_hand, destination.reserved) == (4, 0)
    assert _reasons(cup_stock)[-1] == MovementReason.TRANSFER_OUT
    assert _reasons(destination) == [MovementReason.TRANSFER_IN]
    assert set(StockMovement.objects.filter(reference="TR-1").values_list("delta_on_hand", flat=True)) == {-4, 4}
    assert assert_ledger_matches() == 2


def test_transfer_cannot_take_reserved_units(cup_stock, sku, warehouse_hz, warehouse_gz):
    stock_reserve(lines=[StockLine(cup_stock.pk, 8)], reference="SO-1")
    stock_receive(sku=sku, warehouse=warehouse_gz, quantity=1)
    before = stock_snapshot()
    with pytest.raises(InsufficientStock):
        stock_transfer(sku=sku, source=warehouse_hz, destination=warehouse_gz, quantity=3)
    assert stock_snapshot() == before
    stock_transfer(sku=sku, source=warehouse_hz, destination=warehouse_gz, quantity=2)
    assert _level(cup_stock) == (8, 8)
    assert_ledger_matches()


def test_transfer_to_the_same_warehouse_is_refused(cup_stock, sku, warehouse_hz):
    before = stock_snapshot()
    with pytest.raises(StockError):
        stock_transfer(sku=sku, source=warehouse_hz, destination=warehouse_hz, quantity=1)
    assert stock_snapshot() == before


def test_transfer_from_a_warehouse_without_the_sku_is_refused(sku, warehouse_hz, warehouse_gz):
    with pytest.raises(InsufficientStock):
        stock_transfer(sku=sku, source=warehouse_gz, destination=warehouse_hz, quantity=1)
    assert not StockMovement.objects.exists()
    assert StockLevel.objects.filter(on_hand__gt=0).count() == 0


# --- reserve / release / ship ------------------------------------------------------------------


def test_reserve_then_release_then_ship(cup_stock):
    stock_reserve(lines=[StockLine(cup_stock.pk, 6)], reference="SO-1")
    assert _level(cup_stock) == (10, 6)
    stock_release(lines=[StockLine(cup_stock.pk, 2)], reference="SO-1")
    assert _level(cup_stock) == (10, 4)
    stock_ship(lines=[StockLine(cup_stock.pk, 4)], reference="SO-1")
    assert _level(cup_stock) == (6, 0)
    deltas = list(
        cup_stock.movements.filter(reference="SO-1").order_by("id").values_list("reason", "delta_on_hand", "delta_reserved")
    )
    assert deltas == [
        (MovementReason.RESERVE, 0, 6),
        (MovementReason.RELEASE, 0, -2),
        (MovementReason.SHIP, -4, -4),
    ]
    assert_ledger_matches()


def test_reserve_up_to_exactly_on_hand_then_one_more_is_refused(cup_stock):
    stock_reserve(lines=[StockLine(cup_stock.pk, 10)], reference="SO-1")
    before = stock_snapshot()
    with pytest.raises(InsufficientStock) as refused:
        stock_reserve(lines=[StockLine(cup_stock.pk, 1)], reference="SO-2")
    assert refused.value.shortages == {cup_stock.pk: 0}
    assert stock_snapshot() == before


def test_reserve_is_all_or_nothing_across_rows(cup_stock, sleeve_stock):
    before = stock_snapshot()
    with pytest.raises(InsufficientStock) as refused:
        stock_reserve(lines=[StockLine(cup_stock.pk, 2), StockLine(sleeve_stock.pk, 4)], reference="SO-1")
    assert refused.value.shortages == {sleeve_stock.pk: 3}
    assert stock_snapshot() == before
    stock_reserve(lines=[StockLine(cup_stock.pk, 2), StockLine(sleeve_stock.pk, 3)], reference="SO-2")
    assert (_level(cup_stock), _level(sleeve_stock)) == ((10, 2), (3, 3))
    assert_ledger_matches()


def test_a_refused_reservation_reports_only_the_rows_that_are_short(cup_stock, sleeve_stock):
    with pytest.raises(InsufficientStock) as refused:
        stock_reserve(lines=[StockLine(cup_stock.pk, 6), StockLine(sleeve_stock.pk, 5)], reference="SO-1")
    assert refused.value.shortages == {sleeve_stock.pk: 3}
    assert (_level(cup_stock), _level(sleeve_stock)) == ((10, 0), (3, 0))


def test_reserve_inside_a_transaction_leaves_it_usable_after_a_refusal(cup_stock, sleeve_stock):
    """A refused multi-row reservation rolls back its own partial update, not the caller's work."""
    with transaction.atomic():
        stock_reserve(lines=[StockLine(cup_stock.pk, 1)], reference="SO-1")
        with pytest.raises(InsufficientStock):
            stock_reserve(lines=[StockLine(cup_stock.pk, 2), StockLine(sleeve_stock.pk, 9)], reference="SO-2")
        stock_reserve(lines=[StockLine(sleeve_stock.pk, 1)], reference="SO-3")
    assert (_level(cup_stock), _level(sleeve_stock)) == ((10, 1), (3, 1))
    assert_ledger_matches()


def test_a_reservation_writes_one_ledger_row_per_stock_row_with_its_reference_actor_and_time(cup_stock, sleeve_stock):
    from django.contrib.auth.models import User
    from django.utils import timezone

    actor = User.objects.create_user("picker_li")
    started = timezone.now()
    stock_reserve(lines=[StockLine(sleeve_stock.pk, 2), StockLine(cup_stock.pk, 1)], reference="SO-9", actor=actor)

    rows = list(StockMovement.objects.filter(reference="SO-9").order_by("id").values_list(
        "stock_level_id", "delta_on_hand", "delta_reserved", "reason", "note", "actor_id", "at"))
    assert [row[:6] for row in rows] == [
        (pk, 0, qty, MovementReason.RESERVE, "", actor.pk)
        for pk, qty in sorted({cup_stock.pk: 1, sleeve_stock.pk: 2}.items())
    ]
    assert all(started <= row[6] <= timezone.now() for row in rows)
    assert_ledger_matches()


def test_reserve_merges_lines_for_the_same_row(cup_stock):
    stock_reserve(lines=[StockLine(cup_stock.pk, 3), StockLine(cup_stock.pk, 4)], reference="SO-1")
    assert _level(cup_stock) == (10, 7)
    assert list(cup_stock.movements.filter(reason=MovementReason.RESERVE).values_list("delta_reserved", flat=True)) == [7]
    with pytest.raises(InsufficientStock):
        stock_reserve(lines=[StockLine(cup_stock.pk, 2), StockLine(cup_stock.pk, 2)], reference="SO-2")
    assert_ledger_matches()


@pytest.mark.parametrize("quantity", [0, -1])
def test_reserve_refuses_a_non_positive_quantity(cup_stock, quantity):
    before = stock_snapshot()
    with pytest.raises(StockError):
        stock_reserve(lines=[StockLine(cup_stock.pk, quantity)], reference="SO-1")
    assert stock_snapshot() == before


def test_release_more_than_reserved_is_refused(cup_stock, sleeve_stock):
    stock_reserve(lines=[StockLine(cup_stock.pk, 2), StockLine(sleeve_stock.pk, 1)], reference="SO-1")
    before = stock_snapshot()
    with pytest.raises(StockError):
        stock_release(lines=[StockLine(cup_stock.pk, 2), StockLine(sleeve_stock.pk, 2)], reference="SO-1")
    assert stock_snapshot() == before
    assert_ledger_matches()


def test_ship_more_than_reserved_is_refused(cup_stock):
    stock_reserve(lines=[StockLine(cup_stock.pk, 2)], reference="SO-1")
    before = stock_snapshot()
    with pytest.raises(StockError):
        stock_ship(lines=[StockLine(cup_stock.pk, 3)], reference="SO-1")
    assert stock_snapshot() == before
    assert_ledger_matches()


# --- the database itself -----------------------------------------------------------------------


def test_database_refuses_reserved_above_on_hand(cup_stock):
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=cup_stock.pk).update(reserved=F("on_hand") + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=cup_stock.pk).update(on_hand=-1)
    assert _level(cup_stock) == (10, 0)


def test_database_refuses_negative_reserved(cup_stock):
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=cup_stock.pk).update(reserved=-1)
    assert _level(cup_stock) == (10, 0)


def test_ledger_check_catches_a_row_changed_behind_the_ledger(cup_stock):
    """The helper every other test leans on must be able to fail."""
    assert assert_ledger_matches() == 1
    StockLevel.objects.filter(pk=cup_stock.pk).update(on_hand=F("on_hand") + 1)
    with pytest.raises(AssertionError, match="disagree"):
        assert_ledger_matches()


def test_a_long_sequence_keeps_every_row_equal_to_its_ledger(cup_stock, sleeve_stock, sku, warehouse_hz, warehouse_gz):
    stock_reserve(lines=[StockLine(cup_stock.pk, 5), StockLine(sleeve_stock.pk, 2)], reference="SO-1")
    stock_ship(lines=[StockLine(cup_stock.pk, 3), StockLine(sleeve_stock.pk, 2)], reference="SO-1")
    stock_release(lines=[StockLine(cup_stock.pk, 2)], reference="SO-1")
    stock_transfer(sku=sku, source=warehouse_hz, destination=warehouse_gz, quantity=4)
    stock_adjust(stock_level=sleeve_stock, delta=5, note="补录")
    stock_receive(sku=sku, warehouse=warehouse_gz, quantity=6)
    assert (_level(cup_stock), _level(sleeve_stock)) == ((3, 0), (6, 0))
    assert StockLevel.objects.get(sku=sku, warehouse=warehouse_gz).on_hand == 10
    assert assert_ledger_matches() == 3
