"""Races on PostgreSQL with real threads: a waybill is issued once per order, and never after a
cancel has won the order's lock."""

import pytest

from orders.models import OrderEvent
from orders.services import order_cancel, order_start_picking
from orders.states import OrderStatus
from tests.fixtures.concurrency import errors_of, run_together
from warehouse.carriers.errors import ShippingRefused
from warehouse.carriers.services import EVENT_WAYBILL_ISSUED, shipment_issue
from warehouse.models.carriers import Shipment, ShipmentStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_six_stations_issuing_one_order_at_once_get_one_waybill(ready_order):
    order = ready_order()

    outcomes = run_together(lambda i: shipment_issue(order=order.pk, weight_g=1000).waybill_number, 6)

    assert errors_of(outcomes) == []
    assert len({outcome.value for outcome in outcomes}) == 1
    assert Shipment.objects.filter(order=order).count() == 1
    assert OrderEvent.objects.filter(order=order, action=EVENT_WAYBILL_ISSUED).count() == 1


def test_issue_racing_a_cancel_never_issues_for_a_cancelled_order(ready_order):
    orders = [ready_order() for _ in range(6)]
    for order in orders:
        order_start_picking(order=order)

    def work(i):
        order = orders[i // 2]
        if i % 2:
            return order_cancel(order=order.pk)
        return shipment_issue(order=order.pk, weight_g=1000)

    outcomes = run_together(work, 12)

    # Every cancel succeeds (picking orders may be cancelled); each issue either won the lock first
    # (its event precedes the cancel's) or found the order cancelled and was refused.
    assert all(outcome.error is None for outcome in outcomes[1::2])
    for index, order in enumerate(orders):
        order.refresh_from_db()
        assert order.status == OrderStatus.CANCELLED
        issue = outcomes[2 * index]
        cancelled = OrderEvent.objects.get(order=order, action="cancel")
        if issue.error is None:
            issued = OrderEvent.objects.get(order=order, action=EVENT_WAYBILL_ISSUED)
            assert issued.pk < cancelled.pk
            assert Shipment.objects.get(order=order).waybill_number == issue.value.waybill_number
        else:
            assert isinstance(issue.error, ShippingRefused) and "不能出面单" in issue.error.message
            assert not Shipment.objects.filter(order=order, status=ShipmentStatus.ISSUED).exists()
            assert not OrderEvent.objects.filter(order=order, action=EVENT_WAYBILL_ISSUED).exists()
