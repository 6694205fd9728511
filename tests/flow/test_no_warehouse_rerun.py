"""Orders held 无可发货仓库 are re-run by themselves when the warehouses or category rules change.

Real commits (``transaction=True``): the run is queued when a change commits, once per transaction."""

import pytest
from django.db import transaction

from inventory.models import Sku
from orders.flow_models import CategoryMode, CategoryRoute
from orders.services import order_cancel, order_intake
from orders.services.rules_rerun import TASK, no_warehouse_rerun
from orders.states import HoldReason, OrderStatus
from tests.fixtures.ledger import assert_ledger_matches

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fresh_rule(stocked):
    Sku.objects.filter(code="A001").update(category="生鲜")
    return CategoryRoute.objects.create(category="生鲜", mode=CategoryMode.COLD_CHAIN)


@pytest.fixture
def queued_tasks(monkeypatch):
    calls = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda name, *args: calls.append((name, *args)))
    return calls


def _held(make_draft, count=1):
    orders = [order_intake(draft=make_draft([("A001", 1)])).order for _ in range(count)]
    assert {(o.status, o.hold_reason) for o in orders} == {(OrderStatus.ON_HOLD, HoldReason.NO_WAREHOUSE)}
    return orders


def test_marking_a_warehouse_cold_chain_queues_a_re_run_that_releases_them(
    fresh_rule, make_draft, warehouse_gz, queued_tasks
):
    first, second = _held(make_draft, 2)
    with transaction.atomic():
        warehouse_gz.cold_chain = True
        warehouse_gz.save()
    assert queued_tasks == [(TASK, 0)]
    report = no_warehouse_rerun()
    assert report.released == [first.number, second.number] and report.resume_after is None
    for order in (first, second):
        order.refresh_from_db()
        assert order.status != OrderStatus.ON_HOLD and order.warehouse == warehouse_gz
        assert order.events.filter(note="发货规则变更后自动重新分仓").exists()
    assert_ledger_matches()


def test_a_category_rule_deleted_or_relinked_queues_a_re_run_only_when_orders_wait(
    fresh_rule, make_draft, warehouse_hz, queued_tasks
):
    with transaction.atomic():
        warehouse_hz.save()  # nothing waits: nothing queued
    assert queued_tasks == []
    [held] = _held(make_draft)
    only = CategoryRoute.objects.create(category="大件", mode=CategoryMode.ONLY)
    queued_tasks.clear()
    with transaction.atomic():
        only.warehouses.add(warehouse_hz)  # one run for the link, not one before and one after
    assert queued_tasks == [(TASK, 0)]
    with transaction.atomic():
        fresh_rule.delete()
    assert len(queued_tasks) == 2
    assert no_warehouse_rerun().released == [held.number]
    held.refresh_from_db()
    assert held.status != OrderStatus.ON_HOLD


def test_one_transaction_of_several_changes_queues_one_run(
    fresh_rule, make_draft, warehouse_hz, warehouse_gz, queued_tasks
):
    _held(make_draft)
    with transaction.atomic():
        # As the admin saves a rule with its warehouse links, then a warehouse.
        fresh_rule.save()
        fresh_rule.warehouses.set([warehouse_hz])
        warehouse_gz.cold_chain = True
        warehouse_gz.save()
    assert queued_tasks == [(TASK, 0)]


def test_orders_still_held_stay_held_and_runs_continue_where_they_stopped(
    fresh_rule, make_draft, warehouse_gz, ops_user, queued_tasks
):
    first, second, third = _held(make_draft, 3)
    order_cancel(order=second.pk, actor=ops_user, note="买家取消")
    with transaction.atomic():
        report = no_warehouse_rerun(limit=1)  # nothing changed: still no warehouse
    assert report.still_held == [first.number] and report.resume_after == first.pk
    assert queued_tasks == [(TASK, first.pk)]  # the next run goes on after it
    first.refresh_from_db()
    assert (first.status, first.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.NO_WAREHOUSE)
    assert first.events.count() == 1  # same reason and note: no event written
    rest = no_warehouse_rerun(after=first.pk)
    assert rest.still_held == [third.number] and rest.resume_after is None  # the cancelled one is not tried
