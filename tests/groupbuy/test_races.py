"""Group-buy races on PostgreSQL with real threads: a limited item never over-promised, the same
form sent twice at once, two workers closing the same campaign, submissions against the cutoff."""

import uuid
from decimal import Decimal

import pytest
import time_machine

from channels.groupbuy.models import CampaignItem, CampaignOrder, CutoffBatch, StationLine
from channels.services.cutoff import campaign_close, campaigns_close_due
from channels.services.leader_orders import LeaderRefused
from inventory.models import Sku, StockLevel
from inventory.services import stock_receive
from orders.models import Order, OrderEvent
from orders.states import OrderStatus
from tests.fixtures.concurrency import errors_of, run_together
from tests.fixtures.groupbuy import local
from tests.fixtures.ledger import assert_ledger_matches

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pork(campaign, warehouse_hz):
    """The pork: 37 units for the whole campaign, one per household (and 60 on the shelf)."""
    sku = Sku.objects.create(code="PORK-500", name="土猪五花肉 500g")
    stock_receive(sku=sku, warehouse=warehouse_hz, quantity=60, reference="opening")
    return CampaignItem.objects.create(
        campaign=campaign, sku=sku, price=Decimal("32.80"), total_limit=37, household_limit=1, position=0
    )


def test_60_households_race_for_37_units_and_exactly_37_get_them(submit, make_leader, station_hz, campaign, pork):
    leaders = [make_leader(f"leader_{i}", station_hz) for i in range(6)]

    def order_pork(i: int):
        with time_machine.travel(local(19, 30), tick=False):
            try:
                return submit(leaders[i % 6], campaign, {"PORK-500": 1}, phone=f"139{i:08d}").link.order_id
            except LeaderRefused as refused:
                return refused.code

    outcomes = run_together(order_pork, 60)

    assert errors_of(outcomes) == []
    values = [outcome.value for outcome in outcomes]
    assert sum(isinstance(v, int) for v in values) == 37
    assert values.count("sold_out") == 23
    assert Order.objects.filter(lines__sku=pork.sku).count() == 37
    assert StockLevel.objects.get(sku=pork.sku).reserved == 37
    assert_ledger_matches()


def test_the_same_form_sent_eight_times_at_once_makes_one_order(submit, leader_a, campaign):
    token = uuid.uuid4().hex

    def send(i: int):
        with time_machine.travel(local(15), tick=False):
            return submit(leader_a, campaign, {"A001": 1}, token=token, phone="13900009999").link.order_id

    outcomes = run_together(send, 8)

    assert errors_of(outcomes) == []
    assert len({outcome.value for outcome in outcomes}) == 1
    assert Order.objects.count() == CampaignOrder.objects.count() == 1


def test_two_workers_closing_at_once_close_once(submit, leader_a, campaign):
    with time_machine.travel(local(12), tick=False):
        for i in range(5):
            submit(leader_a, campaign, {"A001": 1, "A003": 1}, phone=f"1390000700{i}")

    def close(i: int):
        with time_machine.travel(local(20, 0, 5), tick=False):
            return campaigns_close_due()

    outcomes = run_together(close, 2)

    assert errors_of(outcomes) == []
    assert CutoffBatch.objects.count() == 1
    assert sorted(len(o.value.closed) for o in outcomes) in ([0, 1], [1, 1])
    assert StationLine.objects.count() == 2  # one station × two SKUs, written once
    assert Order.objects.filter(status=OrderStatus.READY).count() == 5
    assert OrderEvent.objects.filter(action="approve").count() == 5  # each order approved once


def test_submissions_racing_the_cutoff_are_either_in_the_batch_or_refused(submit, make_leader, station_hz, campaign):
    leaders = [make_leader(f"racer_{i}", station_hz) for i in range(4)]

    def work(i: int):
        with time_machine.travel(local(19, 59, 59), tick=False):
            if i == 0:
                return campaign_close(campaign=campaign)
            try:
                return submit(leaders[i % 4], campaign, {"A001": 1}, phone=f"1390000800{i:02d}").link.order_id
            except LeaderRefused as refused:
                return refused.code

    outcomes = run_together(work, 21)

    assert errors_of(outcomes) == []
    taken = [o.value for o in outcomes[1:] if isinstance(o.value, int)]
    refused = [o.value for o in outcomes[1:] if o.value == "closed"]
    assert len(taken) + len(refused) == 20
    batch = CutoffBatch.objects.get()
    # Every order that got in is counted by the batch; none came in after it.
    assert batch.order_count == len(taken) == Order.objects.count()
