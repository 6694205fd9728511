"""The live demo's set-up commands: ``demo_channels`` (shops pointed at the simulator) and
``demo_warehouse`` (new orders moved along to shipped, so write-back has something to push)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from channels.models import Channel, OutboundPush, PushStatus
from channels.services.polling import poll_channel
from channels.services.writeback import outbound_push_due, shipment_cursor, shipments_collect
from oms.demo.catalog import CHANNELS
from orders.models import Order
from orders.states import OrderStatus
from warehouse.models import Shipment


@pytest.fixture
def demo_shops(db):
    return [Channel.objects.create(code=code, name=name, platform=platform) for code, name, platform, _w in CHANNELS]


def test_demo_channels_points_the_seeded_shops_at_the_simulator(demo_shops, settings, capsys):
    settings.DEBUG = True
    Channel.objects.filter(code="taobao").update(poll_cursor="57", last_poll_error="old")
    Channel.objects.create(code="mine", name="别人的店", platform="taobao")

    call_command("demo_channels", "--simulator", "http://127.0.0.1:8765/")
    call_command("demo_channels", "--simulator", "http://127.0.0.1:8765")  # idempotent

    shops = {c.code: c for c in Channel.objects.all()}
    assert {code for code, c in shops.items() if c.poll_enabled} == {"taobao", "jd"}
    assert shops["douyin"].api_base_url == "http://127.0.0.1:8765/douyin"
    assert (shops["taobao"].poll_cursor, shops["taobao"].last_poll_error) == ("", "")
    assert shops["jd"].credentials["app_key"] == "demo-key"
    assert shops["mine"].api_base_url == "" and not shops["mine"].poll_enabled  # not a demo shop: untouched
    assert "定时拉单" in capsys.readouterr().out


def test_demo_channels_refuses_without_debug_and_unknown_shops(demo_shops, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_channels")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="不是演示渠道：nope"):
        call_command("demo_channels", "--poll", "taobao,nope")
    assert not Channel.objects.filter(poll_enabled=True).exists()


def test_demo_warehouse_ships_new_orders_and_their_tracking_goes_back(stocked, carriers, simulated_channel,
                                                                     platform_simulator, settings):
    settings.DEBUG = True
    shipment_cursor()
    channel = simulated_channel("jd", code="jd")
    for _ in range(2):
        platform_simulator.add_order("jd", [("A001", 1, "9.90")])

    with pytest.MonkeyPatch.context() as patch:
        # Orders arriving after the warehouse started: poll on its first round.
        from oms.management.commands import demo_warehouse

        real_round = demo_warehouse.Command.round
        polled = []

        def round_after_poll(self, **kwargs):
            if not polled:
                polled.append(poll_channel(channel_id=channel.pk))
            return real_round(self, **kwargs)

        patch.setattr(demo_warehouse.Command, "round", round_after_poll)
        call_command("demo_warehouse", "--interval", "0", "--rounds", "4")

    orders = Order.objects.filter(channel=channel)
    assert orders.count() == 2 and {o.status for o in orders} == {OrderStatus.SHIPPED}
    # The waybills are the carrier services' (sandbox adapter), issued at the scale, not made up.
    issued = {s.order_id: (s.carrier.name, s.waybill_number) for s in Shipment.objects.select_related("carrier")}
    assert {o.pk: (o.carrier, o.tracking_number) for o in orders} == issued
    assert shipments_collect() == 2
    assert outbound_push_due().done == 2
    assert set(OutboundPush.objects.values_list("status", flat=True)) == {PushStatus.DONE}
    accepted = [s for s in platform_simulator.shipments if s["accepted"]]
    assert sorted(s["tracking_number"] for s in accepted) == sorted(number for _c, number in issued.values())


def test_demo_warehouse_refuses_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_warehouse", "--rounds", "1")
