"""Group-buy on the floor: after the cutoff, station waves from the orders' stations, the delivery
run, the station manifest, then arrival and pickups at the station through the order services."""

from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from channels.groupbuy.models import Campaign, CampaignItem
from channels.services.cutoff import campaigns_close_due
from channels.services.leader_orders import LeaderRefused
from channels.services.pickup import leader_pickup, leader_receive_goods
from oms.roles import OPS
from orders.events import EventAction
from orders.models import Order
from orders.states import OrderStatus
from orders.stations import STATION_CARRIER, PickupStage, pickup_stage
from tests.fixtures.floor import pack_all, pick_all
from tests.fixtures.groupbuy import CUTOFF, DAY, local, make_station
from tests.shipping.pdf_helpers import barcodes, rasterise, text_of
from warehouse.models import StationWave, WaveKind
from warehouse.services import (
    FloorRefused,
    parcel_weigh,
    station_wave_dispatch,
    station_waves_build,
    wave_build,
    wave_release,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor_campaign(groupbuy_channel, floor_skus):
    campaign = Campaign.objects.create(
        code="GB20261122F", name="11月22日 家居团", channel=groupbuy_channel, starts_at=DAY, cutoff_at=CUTOFF
    )
    for position, sku in enumerate(floor_skus[:3]):
        CampaignItem.objects.create(campaign=campaign, sku=sku, price=Decimal("10.00"), position=position)
    return campaign


@pytest.fixture
def after_cutoff(floor_campaign, submit, make_leader, warehouse_hz, floor_order):
    """Two stations of 杭州仓 with their leaders' orders, closed at 20:00 (orders 待拣货), and one
    ordinary parcel order waiting beside them."""
    first = make_leader("leader_one", make_station("HZ-A", warehouse_hz, name="翠苑一区自提点", region="西湖片区"))
    second = make_leader("leader_two", make_station("HZ-B", warehouse_hz, name="文一路自提点", region="拱墅片区"))
    with time_machine.travel(local(10), tick=False):
        orders = {
            "wang": submit(first, floor_campaign, {"F001": 2}, name="王阿姨", phone="13911110001").link.order,
            "li": submit(first, floor_campaign, {"F001": 1, "F003": 1}, name="李叔", phone="13911110002").link.order,
            "zhao": submit(second, floor_campaign, {"F002": 1}, name="赵姐", phone="13911110003").link.order,
        }
    with time_machine.travel(local(20, 0, 5), tick=False):
        campaigns_close_due()
    parcel = floor_order([("F002", 1)])
    return {"leaders": (first, second), "orders": orders, "parcel": parcel}


def test_station_orders_get_waves_of_their_own_station(after_cutoff, supervisor, warehouse_hz):
    orders = after_cutoff["orders"]
    assert all(Order.objects.get(pk=o.pk).status == OrderStatus.READY for o in orders.values())

    waves = station_waves_build(warehouse=warehouse_hz, actor=supervisor)

    assert [(w.kind, w.carrier, w.order_count) for w in waves] == [
        (WaveKind.BATCH, STATION_CARRIER, 1), (WaveKind.BATCH, STATION_CARRIER, 2)  # 拱墅 before 西湖
    ]
    by_station = {sw.station.code: sw for sw in StationWave.objects.select_related("station", "wave")}
    assert set(by_station) == {"HZ-A", "HZ-B"}
    assert sorted(by_station["HZ-A"].wave.wave_orders.values_list("order__recipient_name", flat=True)) == ["李叔", "王阿姨"]
    # The ordinary order is not in them, and the ordinary build leaves station orders alone.
    parcel_waves = wave_build(warehouse=warehouse_hz, actor=supervisor)
    assert [w.order_count for w in parcel_waves] == [1]
    assert parcel_waves[0].wave_orders.get().order_id == after_cutoff["parcel"].pk
    assert station_waves_build(warehouse=warehouse_hz, actor=supervisor) == []  # nothing left to take


def test_a_big_station_is_split_by_the_unit_limit(after_cutoff, supervisor, warehouse_hz):
    waves = station_waves_build(warehouse=warehouse_hz, actor=supervisor, max_units=2)

    assert sorted(w.unit_count for w in waves) == [1, 2, 2]
    assert StationWave.objects.filter(station__code="HZ-A").count() == 2


def test_a_picker_of_another_warehouse_cannot_build_them(after_cutoff, picker_gz, warehouse_hz):
    with pytest.raises(FloorRefused) as refused:
        station_waves_build(warehouse=warehouse_hz, actor=picker_gz)
    assert refused.value.code == "not_your_warehouse"
    assert not StationWave.objects.exists()


def _work(station_wave, supervisor, picker, boxes, *, pack=None):
    """Release, pick, pack and weigh the wave's orders (``pack``: only these numbers)."""
    wave = wave_release(wave=station_wave.wave, actor=supervisor, assignee=picker)
    pick_all(wave, picker)
    for link in wave.wave_orders.select_related("order").order_by("slot"):
        order = link.order
        if pack is not None and order.number not in pack:
            continue
        parcel = pack_all(order, picker, boxes["8号"])
        parcel_weigh(order=order, weight_g=parcel.expected_weight_g, actor=picker)


def test_from_the_floor_to_the_households(after_cutoff, supervisor, picker_hz, boxes, warehouse_hz):
    orders = after_cutoff["orders"]
    leader_one, _leader_two = after_cutoff["leaders"]
    station_waves_build(warehouse=warehouse_hz, actor=supervisor)
    run_a = StationWave.objects.get(station__code="HZ-A")
    _work(run_a, supervisor, picker_hz, boxes, pack={orders["wang"].number})
    assert pickup_stage(Order.objects.get(pk=orders["wang"].pk).status) == PickupStage.PACKED

    dispatch = station_wave_dispatch(station_wave=run_a, actor=picker_hz)

    assert dispatch.shipped == [orders["wang"].number]
    assert "还没有打包" in dispatch.left[orders["li"].number]
    wang = Order.objects.get(pk=orders["wang"].pk)
    assert (wang.status, wang.carrier, wang.tracking_number) == (OrderStatus.SHIPPED, STATION_CARRIER, run_a.wave.number)
    assert pickup_stage(wang.status) == PickupStage.ON_THE_WAY
    run_a.refresh_from_db()
    assert run_a.dispatched_by == picker_hz

    with pytest.raises(LeaderRefused, match="还不能取货"):
        leader_pickup(leader=leader_one, code=orders["li"].number)  # still in the warehouse
    assert leader_receive_goods(leader=leader_one) == [wang.number]
    assert Order.objects.get(pk=wang.pk).status == OrderStatus.DELIVERED

    done = leader_pickup(leader=leader_one, code=f"https://oms.example.com/leader/pickup/{wang.number}/")
    again = leader_pickup(leader=leader_one, order_id=wang.pk)

    assert done.done_now and not again.done_now
    wang = Order.objects.get(pk=wang.pk)
    assert wang.status == OrderStatus.COMPLETED and pickup_stage(wang.status) == PickupStage.PICKED_UP
    actions = list(wang.events.values_list("action", flat=True))
    assert actions[-3:] == [EventAction.SHIP, EventAction.DELIVER, EventAction.COMPLETE]
    assert wang.events.get(action=EventAction.COMPLETE).actor == leader_one.user


def test_a_station_parcel_gets_no_carrier_label_at_the_scale(after_cutoff, supervisor, picker_hz, boxes, warehouse_hz):
    """The scale issues carrier waybills for ordinary parcels; a station's parcels leave on the
    station's run instead, so none is issued and asking for one by hand is refused."""
    from warehouse.models import Parcel, Shipment
    from warehouse.services.errors import FloorRefused
    from warehouse.services.labels import parcel_label

    orders = after_cutoff["orders"]
    station_waves_build(warehouse=warehouse_hz, actor=supervisor)
    _work(StationWave.objects.get(station__code="HZ-A"), supervisor, picker_hz, boxes, pack={orders["wang"].number})

    parcel = Parcel.objects.get(order=orders["wang"])
    assert parcel.may_ship and parcel.waybill == "" and parcel.label_error == ""
    assert not Shipment.objects.filter(order=orders["wang"]).exists()
    with pytest.raises(FloorRefused) as refused:
        parcel_label(order=orders["wang"], actor=picker_hz)
    assert refused.value.code == "station_order"


def test_a_pickup_of_goods_on_their_way_confirms_the_arrival_too(after_cutoff, supervisor, picker_hz, boxes,
                                                                 warehouse_hz):
    orders = after_cutoff["orders"]
    leader_one, leader_two = after_cutoff["leaders"]
    station_waves_build(warehouse=warehouse_hz, actor=supervisor)
    run_a = StationWave.objects.get(station__code="HZ-A")
    _work(run_a, supervisor, picker_hz, boxes)
    station_wave_dispatch(station_wave=run_a, actor=picker_hz)

    with pytest.raises(LeaderRefused) as other:
        leader_pickup(leader=leader_two, code=orders["li"].number)  # not theirs
    tapped = leader_pickup(leader=leader_one, order_id=orders["li"].pk)

    assert other.value.code == "not_found"
    assert tapped.done_now and tapped.order.status == OrderStatus.COMPLETED
    with pytest.raises(LeaderRefused, match="没有识别出订单号"):
        leader_pickup(leader=leader_one, code="hello")


def test_the_station_manifest(after_cutoff, supervisor, picker_hz, boxes, warehouse_hz, make_member):
    station_waves_build(warehouse=warehouse_hz, actor=supervisor)
    run_a = StationWave.objects.get(station__code="HZ-A")
    client = Client()
    client.force_login(make_member(OPS, "ops_manifest"))

    response = client.get(f"/floor/print/manifest/{run_a.pk}.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "站点配送清单" in text and "翠苑一区自提点" in text and run_a.wave.number in text
    assert "王阿姨" in text and "139****0001" in text and "13911110001" not in text
    assert "竹纤维毛巾×2" in text.replace(" ", "")
    (page,) = rasterise(response.content, dpi=200)
    found = barcodes(page)
    orders = after_cutoff["orders"]
    assert sorted(found["QRCode"]) == sorted(
        f"http://testserver/leader/pickup/{orders[name].number}/" for name in ("wang", "li")
    )
    assert found["Code128"] == [run_a.wave.number]
    assert Client().get(f"/floor/print/manifest/{run_a.pk}.pdf").status_code == 302
    assert client.get("/floor/print/manifest/999999.pdf").status_code == 404


def test_the_pickup_link_on_the_manifest_is_the_leader_pages(after_cutoff):
    from django.urls import reverse

    number = after_cutoff["orders"]["wang"].number
    assert reverse("leader:pickup_link", args=[number]) == f"/leader/pickup/{number}/"
