"""The order flow under real concurrency on PostgreSQL: sweeps running at once flag each order
once and email once; a merge racing the floor taking one of its orders never loses a line."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone

from orders.flow_models import FlowSettings, OrderFlag
from orders.models import Order, OrderLine
from orders.services import OrderActionRefused, order_approve, order_intake, order_start_picking
from orders.services.merge import order_merge
from orders.services.sla import sla_sweep
from orders.states import OrderStatus
from tests.fixtures.concurrency import errors_of, run_together
from tests.fixtures.ledger import assert_ledger_matches

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_sweeps_at_once_flag_once_and_email_once(stocked, make_draft, django_user_model, roles):
    FlowSettings.objects.update_or_create(pk=1, defaults={"escalate_after_minutes": 1})  # a flush may have taken the row
    boss = django_user_model.objects.create_user(username="boss", email="boss@example.com")
    # transaction=True tests start without the groups the roles migration made: the permission directly.
    boss.user_permissions.add(Permission.objects.get(codename="receive_escalation_order"))
    start = timezone.now() - timedelta(hours=5)
    with time_machine.travel(start, tick=False):
        orders = [order_intake(draft=make_draft()).order for _ in range(20)]
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        sla_sweep()
    mail.outbox = []
    outcomes = run_together(lambda i: sla_sweep(), 4)
    assert errors_of(outcomes) == []
    for order in orders:
        assert OrderFlag.objects.filter(order=order, reason="pick_late").count() == 1
    escalated = [number for outcome in outcomes for number in outcome.value.escalated]
    assert sorted(escalated) == sorted(order.number for order in orders)  # each order by one sweep only
    assert len(mail.outbox) <= 4 and sum(m.body.count("SO") for m in mail.outbox) == 20


def test_merge_racing_the_floor(stocked, make_draft):
    for _ in range(10):
        first = order_approve(order=order_intake(draft=make_draft([("A001", 1)])).order)
        second = order_approve(order=order_intake(draft=make_draft([("A002", 1)])).order)
        lines = set(OrderLine.objects.filter(order__in=[first, second]).values_list("pk", flat=True))

        def work(i, first=first, second=second):
            if i == 0:
                return order_merge(orders=[first, second])
            return order_start_picking(order=second)

        outcomes = run_together(work, 2)
        refused = [o.error for o in outcomes if o.error is not None]
        assert all(isinstance(error, OrderActionRefused) for error in refused) and len(refused) == 1
        second.refresh_from_db()
        if second.status == OrderStatus.MERGED:
            assert set(Order.objects.get(pk=first.pk).lines.values_list("pk", flat=True)) == lines
        else:
            assert second.status == OrderStatus.PICKING and second.lines.count() == 1
    assert_ledger_matches()
