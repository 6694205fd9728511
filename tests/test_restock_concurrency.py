"""The re-run of out-of-stock holds racing real traffic on PostgreSQL (real threads, each on its
own connection): stock arriving, orders cancelled and new orders taken in while two workers
re-run the held ones. Never more is reserved than arrived, every order is reserved whole or not
at all, and once the runs settle the new stock is used up."""

import random
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.models import Sku, StockLevel
from inventory.services import stock_receive
from orders.models import Order, OrderLine
from orders.services import OrderActionRefused, order_cancel, order_intake
from orders.services.restock import restock_cursor, restock_rerun
from orders.states import HoldReason, OrderStatus
from tests.fixtures.catalog import build_draft
from tests.fixtures.concurrency import errors_of, run_together
from tests.fixtures.ledger import assert_ledger_matches
from tests.test_concurrency import assert_reservations_match_order_lines

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _order(channel, qty: int, minutes_ago: int, tag: str):
    draft = build_draft(channel, [("R-1", qty)], external_id=f"RS-{tag}")
    return order_intake(draft=replace(draft, paid_at=timezone.now() - timedelta(minutes=minutes_ago))).order


def test_stock_arriving_while_orders_are_cancelled_and_taken_in(taobao_channel, warehouse_hz):
    sku = Sku.objects.create(code="R-1", name="到货测试")
    stock_receive(sku=sku, warehouse=warehouse_hz, quantity=20, reference="opening")
    rng = random.Random(5)
    orders = [_order(taobao_channel, rng.randint(1, 2), 600 - i, f"old-{i}") for i in range(40)]
    reserved = [o for o in orders if o.status == OrderStatus.PENDING_REVIEW]
    waiting = [o for o in orders if o.status == OrderStatus.ON_HOLD]
    assert reserved and len(waiting) >= 15
    assert {o.hold_reason for o in waiting} == {HoldReason.OUT_OF_STOCK}
    restock_cursor()
    received = 20

    def receive(_i):
        for n in range(8):
            stock_receive(sku=sku, warehouse=warehouse_hz, quantity=3, reference=f"PO-{n}")
            time.sleep(0.01)
        return 24

    def cancel(_i):
        done = 0
        for order in reserved[:8]:
            try:
                order_cancel(order=order.pk, note="买家取消")
                done += 1
            except OrderActionRefused:
                pass
            time.sleep(0.005)
        return done

    def take_in(_i):
        return [_order(taobao_channel, 1, 0, f"new-{n}").status for n in range(12)]

    def rerun(_i):
        runs = []
        for _ in range(12):
            runs.append(restock_rerun(limit=4))
            time.sleep(0.01)
        return runs

    workers = [receive, cancel, take_in, rerun, rerun]
    outcomes = run_together(lambda i: workers[i](i), len(workers))

    assert errors_of(outcomes) == []
    received += outcomes[0].value
    runs = outcomes[3].value + outcomes[4].value
    # Let the re-run settle: run until nothing is left to walk.
    for _ in range(50):
        report = restock_rerun(limit=50)
        if not report.busy and not report.more:
            break

    level = StockLevel.objects.get(sku=sku, warehouse=warehouse_hz)
    assert level.on_hand == received  # nothing shipped: every unit that arrived is still here
    assert level.reserved <= level.on_hand  # never more reserved than arrived
    assert_ledger_matches()
    assert_reservations_match_order_lines()
    for order in Order.objects.prefetch_related("lines"):
        lines = list(order.lines.all())
        if order.status in (OrderStatus.ON_HOLD, OrderStatus.CANCELLED):
            assert all(line.reserved_quantity == 0 for line in lines), order.number
        else:
            assert all(line.reserved_quantity == line.quantity for line in lines), order.number
    # The new stock is used up: no order still held out of stock could be served from what is free.
    free = level.on_hand - level.reserved
    still = OrderLine.objects.filter(order__status=OrderStatus.ON_HOLD, order__hold_reason=HoldReason.OUT_OF_STOCK)
    assert all(line.quantity > free for line in still), (free, [line.quantity for line in still])
    released = Order.objects.filter(number__in=[n for run in runs for n in run.released])
    assert released.exists() and not released.filter(status=OrderStatus.ON_HOLD).exists()
