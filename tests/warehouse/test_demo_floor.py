"""The demo: the ``picker`` login has real tasks, and the pretend warehouse leaves them alone."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from oms.demo.floor import ROBOT_USERNAME
from orders.models import Order, OrderEvent
from tests.fixtures.ledger import assert_ledger_matches
from warehouse.models import Box, ScanRecord, ShipmentStatus, Wave, WaveStatus
from warehouse.selectors import tasks_for

pytestmark = pytest.mark.django_db


# The demo's orders are spread over the days before "now", so how many wait to be picked depends
# on the hour; a small demo (150 orders) is seeded at a fixed morning hour (the clock keeps running).
@time_machine.travel(datetime(2026, 12, 7, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True)
def test_picker_gets_tasks_and_the_robot_ships_through_the_floor(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--orders", "150", "--seed", "11", stdout=StringIO())
    call_command("demo_logins", stdout=StringIO())
    picker = get_user_model().objects.get(username="picker")
    tasks = list(tasks_for(picker))
    assert tasks and all(wave.warehouse.code == "HZ" and wave.assignee is None for wave in tasks)
    assert Box.objects.filter(code="3号", length_mm=430).exists()

    call_command("demo_warehouse", "--interval", "0", "--rounds", "5", stdout=StringIO())

    robot = get_user_model().objects.get(username=ROBOT_USERNAME)
    shipped = OrderEvent.objects.filter(action="ship", actor=robot)
    assert shipped.exists()
    # Every parcel left with the waybill the carrier services issued at the scale (sandbox numbers).
    for order in Order.objects.filter(pk__in=shipped.values("order_id")).select_related("shipment__carrier", "parcel"):
        assert order.shipment.status == ShipmentStatus.ISSUED
        assert (order.carrier, order.tracking_number) == (order.shipment.carrier.name, order.shipment.waybill_number)
        assert order.parcel.waybill == order.tracking_number
    assert ScanRecord.objects.filter(actor=robot, step="pick", ok=True).exists()
    # The waves left for people were not touched by the robot.
    for wave in tasks:
        wave.refresh_from_db()
        assert wave.status == WaveStatus.RELEASED and wave.assignee is None
        assert not ScanRecord.objects.filter(wave=wave).exists()
    # People keep released waves of their own (how many depends on how many orders are waiting).
    assert Wave.objects.filter(status=WaveStatus.RELEASED, assignee=None, warehouse__code="HZ").exists()
    assert_ledger_matches()
