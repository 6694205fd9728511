"""The group-buy demo: leaders' orders arriving in today's campaign, the cutoff pressed by hand,
the robot floor sending the station waves out, pretend leaders handing goods over."""

import random

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from channels.groupbuy.models import Campaign, CampaignStatus, GroupLeader
from channels.services.cutoff import campaign_close, cutoff_release_orders
from inventory.models import Sku, Warehouse
from inventory.services import stock_receive
from oms.demo.floor import FloorRobot
from oms.demo.groupbuy import OFFER, GroupbuyDemo, current_campaign
from orders.models import Order
from orders.states import OrderStatus
from tests.fixtures.groupbuy import local
from warehouse.models import StationWave

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_catalogue(db, media):
    warehouses = [
        Warehouse.objects.create(code=code, name=name, provinces=[province])
        for code, name, province in (("HZ", "杭州仓", "浙江"), ("GZ", "广州仓", "广东"), ("CD", "成都仓", "四川"))
    ]
    for number, (prefix, *_rest) in enumerate(OFFER, start=1):
        sku = Sku.objects.create(code=f"SX{number:03d}", name=f"{prefix} 演示装", unit_weight_g=500,
                                 barcode=f"69452810{number:05d}")
        for warehouse in warehouses:
            stock_receive(sku=sku, warehouse=warehouse, quantity=500, reference="opening")
    return warehouses


def test_leaders_orders_arrive_and_the_cutoff_can_be_pressed_by_hand(demo_catalogue, settings, capsys):
    settings.DEBUG = True
    with time_machine.travel(local(9), tick=False):
        call_command("demo_logins")
        person = GroupLeader.objects.get(user__username="leader")
        assert person.station.code == "HZ-CY01"
        demo = GroupbuyDemo(rng=random.Random(7), per_round=3)
        for _ in range(6):
            demo.round()

    campaign = Campaign.objects.get()
    assert (campaign.code, campaign.cutoff_at, campaign.status) == ("GB20261122", local(20), CampaignStatus.OPEN)
    pork = campaign.items.get(sku__name__startswith="黑猪五花肉")
    assert (pork.total_limit, pork.household_limit) == (37, 1)
    orders = Order.objects.filter(campaign_link__campaign=campaign)
    assert orders.count() >= 6 and all(o.station_id for o in orders)
    assert "/leader/login/" in capsys.readouterr().out

    with time_machine.travel(local(15), tick=False):
        campaign_close(campaign=campaign)  # ops press 截单 in admin
        cutoff_release_orders()
        demo.round()
    assert Campaign.objects.get(code="GB20261123").accepts_orders(local(15))
    assert Order.objects.filter(campaign_link__campaign__code="GB20261123").exists()

    robot = FloorRobot(rng=random.Random(3), write=lambda line: None, per_round=20)
    with time_machine.travel(local(16), tick=False):
        for _ in range(8):
            robot.round()
    runs = StationWave.objects.all()
    assert runs.exists() and runs.filter(dispatched_at__isnull=False).exists()
    shipped = Order.objects.filter(campaign_link__campaign=campaign, status=OrderStatus.SHIPPED)
    assert shipped.exists() and all(o.carrier == "站点配送" for o in shipped)

    with time_machine.travel(local(17), tick=False):
        for _ in range(3):
            demo.round()
    pretend = Order.objects.filter(campaign_link__campaign=campaign).exclude(campaign_link__leader=person)
    assert pretend.filter(status__in=[OrderStatus.DELIVERED, OrderStatus.COMPLETED]).exists()
    # The person's own station is left for them to try on the leader pages.
    mine = Order.objects.filter(campaign_link__leader=person)
    assert not mine.filter(status__in=[OrderStatus.DELIVERED, OrderStatus.COMPLETED]).exists()


def test_the_demo_needs_debug_and_the_catalogue(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_groupbuy", "--rounds", "1")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("demo_groupbuy", "--rounds", "1")
    assert current_campaign() is None
