"""Relinking held orders after a mapping, racing a cancellation and a second relink (PostgreSQL,
real threads): exactly one wins per order, and stock stays what the order lines hold."""

import pytest
from django.db.models import Sum

from inventory.models import StockLevel
from orders.models import Order, OrderLine
from orders.services import OrderActionRefused, order_cancel, order_intake, order_relink_skus
from orders.states import OrderStatus
from tests.fixtures.catalog import build_draft
from tests.fixtures.concurrency import run_together
from tests.fixtures.ledger import assert_ledger_matches

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def assert_reservations_match_order_lines() -> None:
    held = dict(
        OrderLine.objects.filter(reserved_quantity__gt=0)
        .values("stock_level")
        .annotate(total=Sum("reserved_quantity"))
        .values_list("stock_level", "total")
    )
    assert dict(StockLevel.objects.values_list("pk", "reserved")) == {
        pk: held.get(pk, 0) for pk in StockLevel.objects.values_list("pk", flat=True)
    }


def held_orders(channel, count):
    return [order_intake(draft=build_draft(channel, [("TB-X", 2), ("A002", 1)])).order for _ in range(count)]


def test_relink_racing_cancel_lets_exactly_one_win(stocked, taobao_channel):
    orders = held_orders(taobao_channel, 10)

    def work(i):
        order = orders[i // 2]
        if i % 2:
            return order_cancel(order=order.pk, note="买家取消")
        return order_relink_skus(order=order.pk, codes={"TB-X": "A001"})

    outcomes = run_together(work, 20)

    for n, order in enumerate(orders):
        errors = [o.error for o in outcomes[2 * n: 2 * n + 2] if o.error is not None]
        stored = Order.objects.get(pk=order.pk)
        # Cancel always applies (held or released); the relink either ran first (then the cancel
        # gave its reservation back) or found the order cancelled and was refused.
        assert stored.status == OrderStatus.CANCELLED
        assert errors == [] or (len(errors) == 1 and errors[0].code == "moved_on"), errors
        assert sum(stored.lines.values_list("reserved_quantity", flat=True)) == 0
    assert_ledger_matches()
    assert_reservations_match_order_lines()


def test_two_people_relinking_the_same_order_reserve_once(stocked, taobao_channel):
    orders = held_orders(taobao_channel, 8)

    outcomes = run_together(lambda i: order_relink_skus(order=orders[i // 2].pk, codes={"TB-X": "A001"}), 16)

    for n, order in enumerate(orders):
        errors = [o.error for o in outcomes[2 * n: 2 * n + 2] if o.error is not None]
        assert len(errors) == 1 and isinstance(errors[0], OrderActionRefused), errors
        assert errors[0].code == "moved_on"
        stored = Order.objects.get(pk=order.pk)
        assert stored.status == OrderStatus.PENDING_REVIEW
        assert sorted(stored.lines.values_list("reserved_quantity", flat=True)) == [1, 2]
    assert_ledger_matches()
    assert_reservations_match_order_lines()
