"""The cutoff: closed once (by the schedule at 20:00 or by hand), its batch's demand, purchase plan
arithmetic and station split, and the orders passed on to the floor."""

from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum

from channels.groupbuy.models import CampaignStatus, CutoffBatch, CutoffDemand, PurchaseLine, StationLine
from channels.groupbuy.plan import packs_for
from channels.services.cutoff import campaign_close, campaigns_close_due, cutoff_release_orders
from channels.services.leader_orders import leader_order_cancel
from channels.tasks import close_campaigns
from inventory.models import StockLevel
from orders.models import Order
from orders.services import order_approve
from orders.states import HoldReason, OrderStatus
from tests.fixtures.groupbuy import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_of_orders(submit, leader_a, leader_b, campaign, warehouse_hz, warehouse_gz):
    """Orders at two stations (杭州仓 and 广州仓), one cancelled, one held for stock."""
    StockLevel.objects.filter(warehouse=warehouse_gz, sku__code="A003").update(on_hand=1)
    with time_machine.travel(local(10), tick=False):
        submit(leader_a, campaign, {"A001": 2, "A002": 1}, phone="13900000101")
        submit(leader_a, campaign, {"A001": 1, "A003": 2}, phone="13900000102")
        gone = submit(leader_a, campaign, {"A001": 7}, phone="13900000103").link.order
        leader_order_cancel(leader=leader_a, order_id=gone.pk)
        submit(leader_b, campaign, {"A001": 4, "A002": 2}, phone="13900000104")
        held = submit(leader_b, campaign, {"A003": 3}, phone="13900000105").link.order
    assert held.status == OrderStatus.ON_HOLD and held.hold_reason == HoldReason.OUT_OF_STOCK
    return campaign


def test_packs_round_up_to_whole_packs():
    assert [packs_for(n, 6) for n in (0, 1, 5, 6, 7, 12, 13)] == [0, 1, 1, 1, 2, 2, 3]
    assert packs_for(5, 1) == 5


def test_the_schedule_closes_at_20_00_and_not_a_second_before(day_of_orders):
    with time_machine.travel(local(19, 59, 59), tick=False):
        assert campaigns_close_due().closed == []
    day_of_orders.refresh_from_db()
    assert day_of_orders.status == CampaignStatus.OPEN

    with time_machine.travel(local(20, 0, 30), tick=False):
        result = campaigns_close_due()

    assert result.closed == ["GB20261122"]
    day_of_orders.refresh_from_db()
    assert day_of_orders.status == CampaignStatus.CLOSED
    assert day_of_orders.closed_at == local(20, 0, 30) and day_of_orders.closed_by is None
    assert CutoffBatch.objects.get().closed_at == local(20, 0, 30)


def test_closing_twice_happens_once(day_of_orders, ops_user):
    with time_machine.travel(local(20, 1), tick=False):
        first = campaign_close(campaign=day_of_orders)
        second = campaign_close(campaign=day_of_orders.pk, actor=ops_user)
        close_campaigns()

    assert first.pk == second.pk
    assert CutoffBatch.objects.count() == 1
    assert CutoffDemand.objects.count() == 3
    assert day_of_orders.batch.closed_by is None  # the first close stands


def test_ops_close_early_by_hand_and_the_form_says_when(day_of_orders, ops_user, submit, leader_a):
    from channels.services.leader_orders import LeaderRefused

    with time_machine.travel(local(18, 30), tick=False):
        batch = campaign_close(campaign=day_of_orders, actor=ops_user)
        with pytest.raises(LeaderRefused, match="已于 11-22 18:30 截单"):
            submit(leader_a, day_of_orders, {"A001": 1})
    assert batch.closed_by == ops_user


def test_the_batch_adds_up_demand_split_and_plan(day_of_orders, warehouse_hz, warehouse_gz, station_hz, station_gz):
    with time_machine.travel(local(20, 0), tick=False):
        batch = campaign_close(campaign=day_of_orders)

    assert (batch.order_count, batch.unit_count, batch.amount) == (4, 15, Decimal("254.00"))
    demand = {d.sku.code: (d.quantity, d.orders) for d in CutoffDemand.objects.filter(batch=batch)}
    assert demand == {"A001": (7, 3), "A002": (3, 2), "A003": (5, 2)}  # the cancelled 7 × A001 left out
    split = {(s.station.code, s.sku.code): (s.quantity, s.households) for s in StationLine.objects.filter(batch=batch)}
    assert split == {
        ("ST01", "A001"): (3, 2), ("ST01", "A002"): (1, 1), ("ST01", "A003"): (2, 1),
        ("ST02", "A001"): (4, 1), ("ST02", "A002"): (2, 1), ("ST02", "A003"): (3, 1),
    }
    # The split adds up to the demand, SKU by SKU.
    for code, (units, _orders) in demand.items():
        assert StationLine.objects.filter(batch=batch, sku__code=code).aggregate(n=Sum("quantity"))["n"] == units

    plan = {(p.warehouse.code, p.sku.code): p for p in PurchaseLine.objects.filter(batch=batch)}
    assert set(plan) == {("HZ", "A001"), ("HZ", "A002"), ("HZ", "A003"), ("GZ", "A001"), ("GZ", "A002"), ("GZ", "A003")}
    gz = plan[("GZ", "A003")]  # 3 wanted, nothing reserved (held), 1 free: 2 short, packs of 1
    assert (gz.demand, gz.reserved, gz.free, gz.shortfall, gz.packs, gz.quantity) == (3, 0, 1, 2, 2, 2)
    hz = plan[("HZ", "A001")]  # reserved in full: nothing to buy
    assert (hz.demand, hz.reserved, hz.shortfall, hz.quantity) == (3, 3, 0, 0)


def test_the_plan_rounds_the_shortfall_up_to_the_suppliers_packs(submit, leader_a, campaign, warehouse_hz):
    StockLevel.objects.filter(warehouse=warehouse_hz, sku__code="A001").update(on_hand=4)
    with time_machine.travel(local(11), tick=False):
        for phone in ("13900000201", "13900000202", "13900000203"):
            submit(leader_a, campaign, {"A001": 3}, phone=phone)  # 3 + 3 + 3 against 4 on hand
        batch = campaign_close(campaign=campaign)

    line = PurchaseLine.objects.get(batch=batch, sku__code="A001")
    # One order reserved 3; the others wait; 1 unit is still free: 9 - 3 - 1 = 5 short, packs of 6.
    assert (line.demand, line.reserved, line.free, line.shortfall, line.pack_size, line.packs, line.quantity) == (
        9, 3, 1, 5, 6, 1, 6
    )


def test_the_cutoff_passes_the_orders_on_to_the_floor(day_of_orders):
    with time_machine.travel(local(20, 0, 10), tick=False):
        result = campaigns_close_due()

    assert result.release.approved == 3 and result.release.finished
    statuses = sorted(Order.objects.values_list("status", flat=True))
    assert statuses == sorted([OrderStatus.READY] * 3 + [OrderStatus.ON_HOLD, OrderStatus.CANCELLED])
    assert CutoffBatch.objects.get().released_at is not None


def test_a_held_order_released_after_the_cutoff_is_passed_on_by_the_next_run(day_of_orders, ops_user):
    from inventory.models import Sku, Warehouse
    from inventory.services import stock_receive
    from orders.services import order_release_hold

    with time_machine.travel(local(20, 0), tick=False):
        campaigns_close_due()
    held = Order.objects.get(status=OrderStatus.ON_HOLD)
    stock_receive(sku=Sku.objects.get(code="A003"), warehouse=Warehouse.objects.get(code="GZ"), quantity=10)
    order_release_hold(order=held, actor=ops_user)
    assert Order.objects.get(pk=held.pk).status == OrderStatus.PENDING_REVIEW

    close_campaigns()

    assert Order.objects.get(pk=held.pk).status == OrderStatus.READY


def test_release_skips_an_order_ops_approved_meanwhile(day_of_orders, ops_user):
    with time_machine.travel(local(20, 0), tick=False):
        campaign_close(campaign=day_of_orders)
    first = Order.objects.filter(status=OrderStatus.PENDING_REVIEW).order_by("pk").first()
    order_approve(order=first, actor=ops_user)

    result = cutoff_release_orders()

    assert result.approved == 2 and result.refused == {}
    assert not Order.objects.filter(status=OrderStatus.PENDING_REVIEW).exists()


def test_a_release_out_of_time_leaves_the_rest_for_the_next_run(day_of_orders):
    with time_machine.travel(local(20, 0), tick=False):
        campaign_close(campaign=day_of_orders)

    partial = cutoff_release_orders(budget_s=-1)

    assert (partial.approved, partial.finished) == (0, False)
    assert CutoffBatch.objects.get().released_at is None
    assert cutoff_release_orders().approved == 3
    assert CutoffBatch.objects.get().released_at is not None
