"""Races on PostgreSQL with real threads, each on its own connection (see tests/fixtures/concurrency.py).

Skipped on SQLite, which serializes writers and so cannot show these races.
"""

import random
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.db.models import Sum
from django_fsm import ConcurrentTransition

from inventory.models import MovementReason, Sku, StockLevel, StockMovement
from inventory.services import InsufficientStock, StockLine, stock_receive, stock_reserve
from orders.models import Order, OrderEvent, OrderLine, OrderSource
from orders.numbering import next_order_number
from orders.services import (
    OrderActionRefused,
    order_approve,
    order_cancel,
    order_intake,
    order_pack,
    order_start_picking,
)
from orders.states import HoldReason, OrderStatus
from tests.fixtures.catalog import build_draft
from tests.fixtures.concurrency import errors_of, run_together
from tests.fixtures.ledger import assert_ledger_matches

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def assert_reservations_match_order_lines() -> None:
    """Every stock row's ``reserved`` equals what the order lines pointing at it hold."""
    held = dict(
        OrderLine.objects.filter(reserved_quantity__gt=0)
        .values("stock_level")
        .annotate(total=Sum("reserved_quantity"))
        .values_list("stock_level", "total")
    )
    rows = dict(StockLevel.objects.values_list("pk", "reserved"))
    assert rows == {pk: held.get(pk, 0) for pk in rows}


def test_numbering_under_8_threads_gives_400_distinct_increasing_numbers(db):
    noon = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)

    outcomes = run_together(lambda i: [next_order_number(now=noon) for _ in range(50)], 8)

    assert errors_of(outcomes) == []
    per_thread = [outcome.value for outcome in outcomes]
    numbers = [number for batch in per_thread for number in batch]
    assert len(numbers) == len(set(numbers)) == 400
    for batch in per_thread:
        assert batch == sorted(batch)
        assert all(number.startswith("SO20261122") for number in batch)
    assert sorted(int(number[-6:]) for number in numbers) == list(range(1, 401))


def test_no_oversell_when_50_threads_race_to_reserve_the_last_units(hot_sku, warehouse_hz):
    level = StockLevel.objects.get(sku=hot_sku, warehouse=warehouse_hz)

    def reserve_three_times(i: int) -> Counter:
        tally = Counter()
        for attempt in range(3):
            try:
                stock_reserve(lines=[StockLine(level.pk, 1)], reference=f"R{i}-{attempt}")
                tally["reserved"] += 1
            except InsufficientStock:
                tally["refused"] += 1
        return tally

    outcomes = run_together(reserve_three_times, 50)

    assert errors_of(outcomes) == []
    total = sum((outcome.value for outcome in outcomes), Counter())
    assert total == Counter(reserved=100, refused=50)
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (100, 100)
    assert StockMovement.objects.filter(reason=MovementReason.RESERVE).count() == 100
    assert_ledger_matches()


def test_multi_row_reservations_stay_all_or_nothing_under_a_race(hot_sku, warehouse_hz):
    """Each call wants 1 hot unit and 1 plentiful unit: a refused call must not keep the plentiful one."""
    plenty = stock_receive(sku=Sku.objects.create(code="PLENTY", name="常备品"), warehouse=warehouse_hz, quantity=1000)
    hot = StockLevel.objects.get(sku=hot_sku, warehouse=warehouse_hz)
    lines = [StockLine(plenty.pk, 1), StockLine(hot.pk, 1)]

    def reserve_three_times(i: int) -> int:
        done = 0
        for attempt in range(3):
            try:
                stock_reserve(lines=lines, reference=f"M{i}-{attempt}")
                done += 1
            except InsufficientStock:
                pass
        return done

    outcomes = run_together(reserve_three_times, 50)

    assert errors_of(outcomes) == []
    assert sum(outcome.value for outcome in outcomes) == 100
    hot.refresh_from_db()
    plenty.refresh_from_db()
    assert (hot.reserved, plenty.reserved) == (100, 100)
    assert_ledger_matches()


def test_no_oversell_when_50_threads_take_in_orders_for_100_units(hot_sku, taobao_channel, warehouse_hz):
    drafts = [[build_draft(taobao_channel, [("HOT-1", 1)]) for _ in range(4)] for _ in range(50)]

    outcomes = run_together(lambda i: [order_intake(draft=draft) for draft in drafts[i]], 50)

    assert errors_of(outcomes) == []
    results = [result for outcome in outcomes for result in outcome.value]
    assert len(results) == 200 and all(result.created for result in results)
    orders = Order.objects.filter(pk__in=[result.order.pk for result in results])
    assert Counter(orders.values_list("status", "hold_reason")) == {
        (OrderStatus.PENDING_REVIEW, ""): 100,
        (OrderStatus.ON_HOLD, HoldReason.OUT_OF_STOCK): 100,
    }
    assert OrderLine.objects.filter(reserved_quantity=1).count() == 100
    level = StockLevel.objects.get(sku=hot_sku, warehouse=warehouse_hz)
    assert (level.on_hand, level.reserved) == (100, 100)
    assert_ledger_matches()
    assert_reservations_match_order_lines()


def test_no_deadlock_when_16_threads_take_in_multi_line_orders_over_hot_skus(hot_catalog, taobao_channel):
    codes = [sku.code for sku in hot_catalog]

    def take_in_and_cancel_some(i: int) -> list[int]:
        rng = random.Random(i)
        placed = []
        for n in range(25):
            lines = [(code, rng.randint(1, 3)) for code in rng.sample(codes, rng.randint(1, 5))]  # random order
            province = rng.choice(["浙江省", "广东省", "四川省"])
            order = order_intake(draft=build_draft(taobao_channel, lines, province=province, city="某市")).order
            placed.append(order.pk)
            if n % 3 == 2:
                order_cancel(order=order)  # releases while other threads reserve the same rows
        return placed

    outcomes = run_together(take_in_and_cancel_some, 16, timeout=90)

    assert errors_of(outcomes) == []
    placed = [pk for outcome in outcomes for pk in outcome.value]
    assert len(placed) == 400
    statuses = Counter(Order.objects.values_list("status", flat=True))
    assert statuses == {OrderStatus.PENDING_REVIEW: 400 - 16 * 8, OrderStatus.CANCELLED: 16 * 8}
    assert set(Order.objects.values_list("warehouse__code", flat=True)) == {"HZ", "GZ"}
    assert assert_ledger_matches() == 40
    assert_reservations_match_order_lines()


def _race_pairs(orders: list[Order], first: str, second: str, services: dict) -> list[list[tuple[str, object]]]:
    """Race ``first`` against ``second`` on every order at once (two threads per order, all
    released together); return, per order, [(action, Outcome), (action, Outcome)]."""
    # Alternate which of the pair is started first, so neither side always has the head start.
    plan = [(order, action) for k, order in enumerate(orders) for action in ((first, second) if k % 2 else (second, first))]
    outcomes = run_together(lambda i: services[plan[i][1]](order=plan[i][0].pk), len(plan))
    return [[(plan[i][1], outcomes[i]) for i in (2 * k, 2 * k + 1)] for k in range(len(orders))]


def _transitions(order: Order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).exclude(action="created").order_by("id").values_list("action", flat=True))


def test_cancel_racing_pack_lets_exactly_one_win_per_order(stocked, taobao_channel):
    """Packed orders cannot be cancelled and cancelled ones cannot be packed: one of each pair must lose."""
    orders = []
    for _ in range(20):
        order = order_intake(draft=build_draft(taobao_channel, [("A001", 2), ("A002", 1)])).order
        order_approve(order=order)
        orders.append(order_start_picking(order=order))

    pairs = _race_pairs(orders, "cancel", "pack", {"cancel": order_cancel, "pack": order_pack})

    winners = Counter()
    for order, pair in zip(orders, pairs, strict=True):
        won = [action for action, outcome in pair if outcome.error is None]
        lost = [outcome.error for _, outcome in pair if outcome.error is not None]
        assert len(won) == 1 and len(lost) == 1, pair
        assert isinstance(lost[0], OrderActionRefused) and lost[0].code == "transition_not_allowed", lost
        winners[won[0]] += 1
        stored = Order.objects.get(pk=order.pk)
        assert _transitions(order) == ["approve", "start_picking", won[0]]
        reserved = list(stored.lines.values_list("reserved_quantity", flat=True))
        if won == ["cancel"]:
            assert (stored.status, reserved) == (OrderStatus.CANCELLED, [0, 0])
        else:
            assert (stored.status, reserved) == (OrderStatus.PACKED, [2, 1])
    print(f"cancel vs pack winners: {dict(winners)}")
    assert_ledger_matches()
    assert_reservations_match_order_lines()


def test_cancel_racing_approve_on_the_order_both_saw_lets_exactly_one_win(stocked, taobao_channel, warehouse_hz):
    """Two people look at the same pending order; one approves, the other cancels, at once. Each
    acts on the status they saw (as the admin buttons do), so the second to get the row lock finds
    it moved and is refused: exactly one wins, and a cancel that wins releases the stock."""
    orders = [order_intake(draft=build_draft(taobao_channel, [("A001", 2), ("A002", 1)])).order for _ in range(20)]
    seen = {"expected_status": OrderStatus.PENDING_REVIEW}
    services = {
        "cancel": lambda order: order_cancel(order=order, **seen),
        "approve": lambda order: order_approve(order=order, **seen),
    }

    pairs = _race_pairs(orders, "cancel", "approve", services)

    winners = Counter()
    for order, pair in zip(orders, pairs, strict=True):
        won = [action for action, outcome in pair if outcome.error is None]
        lost = [outcome.error for _, outcome in pair if outcome.error is not None]
        assert len(won) == 1 and len(lost) == 1, pair
        assert isinstance(lost[0], OrderActionRefused) and lost[0].code == "concurrent_change", lost
        assert _transitions(order) == won
        stored = Order.objects.get(pk=order.pk)
        reserved = list(stored.lines.values_list("reserved_quantity", flat=True))
        if won == ["cancel"]:
            assert (stored.status, reserved) == (OrderStatus.CANCELLED, [0, 0])
        else:
            assert (stored.status, reserved) == (OrderStatus.READY, [2, 1])
        winners[won[0]] += 1
    print(f"cancel vs approve winners: {dict(winners)}")
    assert_ledger_matches()


def test_cancel_after_approve_without_a_seen_status_still_applies_in_order(stocked, taobao_channel):
    """Without a seen status (a program acting on the latest state), a ready order may still be
    cancelled: both happen, one after the other, each with its event."""
    order = order_intake(draft=build_draft(taobao_channel, [("A001", 1)])).order
    outcomes = run_together(lambda i: (order_approve, order_cancel)[i](order=order.pk), 2)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert _transitions(order) in (["approve", "cancel"], ["cancel"])
    assert sum(outcome.error is None for outcome in outcomes) == len(_transitions(order))


def test_the_same_transition_from_8_threads_happens_once(stocked, taobao_channel):
    order = order_intake(draft=build_draft(taobao_channel, [("A003", 1)])).order

    outcomes = run_together(lambda i: order_approve(order=order.pk), 8)

    errors = errors_of(outcomes)
    assert len(errors) == 7 and all(isinstance(error, OrderActionRefused) for error in errors)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY
    assert OrderEvent.objects.filter(order=order, action="approve").count() == 1


def test_stale_copies_saved_concurrently_are_refused_not_lost(stocked, taobao_channel):
    """ConcurrentTransitionMixin on its own (no service lock): of two stale copies transitioning at once,
    the second UPDATE waits for the first, finds the status changed, and raises ConcurrentTransition."""
    orders = [order_intake(draft=build_draft(taobao_channel, [("A004", 1)])).order for _ in range(10)]
    copies = [(Order.objects.get(pk=order.pk), Order.objects.get(pk=order.pk)) for order in orders]

    def transition(i: int) -> str:
        order = copies[i // 2][i % 2]
        with transaction.atomic():
            if i % 2:
                order.cancel()
            else:
                order.approve()
            order.save()
        return order.status

    outcomes = run_together(transition, 2 * len(orders))

    for k, order in enumerate(orders):
        pair = outcomes[2 * k : 2 * k + 2]
        won = [outcome.value for outcome in pair if outcome.error is None]
        lost = [outcome.error for outcome in pair if outcome.error is not None]
        assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], ConcurrentTransition), pair
        assert Order.objects.get(pk=order.pk).status == won[0]


def test_duplicate_deliveries_racing_make_one_order(stocked, taobao_channel, warehouse_hz):
    for round_ in range(5):
        draft = build_draft(taobao_channel, [("A005", 2)], external_id=f"DUP-{round_}")

        outcomes = run_together(lambda i, draft=draft: order_intake(draft=draft), 8)

        assert errors_of(outcomes) == []
        results = [outcome.value for outcome in outcomes]
        assert sum(result.created for result in results) == 1
        assert len({result.order.pk for result in results}) == 1
        assert len({result.order.number for result in results}) == 1
        assert OrderSource.objects.filter(external_id=f"DUP-{round_}").count() == 1
    assert Order.objects.count() == 5
    assert StockLevel.objects.get(sku__code="A005", warehouse=warehouse_hz).reserved == 10
    assert_ledger_matches()
    assert_reservations_match_order_lines()
