"""Migrations keep what a database holds: run backwards and forwards over a database with orders."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from orders.events import EventAction
from orders.models import OrderEvent

BEFORE_TYPED_EVENTS = [("orders", "0004_exception_short_pick")]
ACTIONS_ON_FILE = ["created", "approve", "ship", "flag_exception", "a_retired_action"]


@pytest.mark.django_db(transaction=True)
def test_typed_event_actions_keep_the_event_log_of_a_database_holding_orders():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE_TYPED_EVENTS)
    assert ("orders", "0005_orderevent_action_choices") not in MigrationRecorder(connection).applied_migrations()
    # Every other app as it is now, orders before the change (oms's roles need the orders of now: left out).
    old = executor.loader.project_state([n for n in latest if n[0] not in ("orders", "oms")] + BEFORE_TYPED_EVENTS).apps
    channel = old.get_model("channels", "Channel").objects.create(code="tb-old", name="老店", platform="taobao")
    order = old.get_model("orders", "Order").objects.create(
        number="SO20261101000001", channel=channel, status="shipped", province="浙江省"
    )
    old_event = old.get_model("orders", "OrderEvent")
    for action in ACTIONS_ON_FILE:
        old_event.objects.create(order=order, action=action, to_status="shipped", note=f"旧 {action}", data={"n": 1})

    MigrationExecutor(connection).migrate(latest)

    events = list(OrderEvent.objects.filter(order__number="SO20261101000001").order_by("id"))
    assert [(e.action, e.note, e.data) for e in events] == [(a, f"旧 {a}", {"n": 1}) for a in ACTIONS_ON_FILE]
    assert [e.get_action_display() for e in events] == ["接单", "审核", "发货", "标记异常", "a_retired_action"]
    assert OrderEvent.objects.filter(action=EventAction.SHIP).count() == 1
