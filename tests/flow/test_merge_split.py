"""Merge (合单) and split (拆单): sources and write-back targets kept, no stock moved, refused late."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from channels.models import Channel, OutboundPush
from channels.services.writeback import shipment_cursor, shipments_collect
from orders.events import EventAction
from orders.models import Order, OrderSource
from orders.services import (
    OrderActionRefused,
    order_approve,
    order_intake,
    order_pack,
    order_ship,
    order_start_picking,
)
from orders.services.merge import order_merge
from orders.services.split import order_split
from orders.states import HoldReason, OrderStatus
from tests.fixtures.ledger import assert_ledger_matches, stock_snapshot


@pytest.fixture
def pushing(taobao_channel, jd_channel):
    """Both shops have an API address, so shipments are written back to them."""
    Channel.objects.filter(pk__in=[taobao_channel.pk, jd_channel.pk]).update(api_base_url="http://127.0.0.1:8765")
    shipment_cursor()


def _ship(order: Order, tracking: str) -> Order:
    order = order_pack(order=order_start_picking(order=order))
    return order_ship(order=order, carrier="ZTO", tracking_number=tracking)


def _pushes() -> set:
    shipments_collect(now=timezone.now() + timedelta(minutes=5))
    return set(OutboundPush.objects.values_list("channel__code", "external_id", "tracking_number"))


def test_merge_keeps_every_source_and_writes_back_to_each(stocked, make_draft, jd_channel, pushing, ops_user):
    first = order_approve(order=order_intake(draft=make_draft([("A001", 1)], external_id="TB-1")).order)
    second = order_approve(order=order_intake(draft=make_draft([("A002", 2)], external_id="JD-9", channel=jd_channel)).order)
    before = stock_snapshot()
    merged = order_merge(orders=[second.pk, first.pk], actor=ops_user)
    assert merged.pk == first.pk  # the oldest stays
    assert stock_snapshot() == before  # the lines keep their reservations
    second.refresh_from_db()
    assert second.status == OrderStatus.MERGED
    assert sorted(merged.lines.values_list("sku_code", "reserved_quantity")) == [("A001", 1), ("A002", 2)]
    assert sorted(OrderSource.objects.filter(order=merged).values_list("channel__code", "external_id")) == [
        ("jd-main", "JD-9"), ("tb-main", "TB-1"),
    ]
    assert merged.goods_amount == first.goods_amount + second.goods_amount
    assert merged.paid_amount == first.paid_amount + second.paid_amount
    assert merged.events.latest("id").action == EventAction.MERGE
    assert second.events.latest("id").action == EventAction.MERGE_INTO
    assert second.events.latest("id").data["into"] == merged.number
    _ship(Order.objects.get(pk=merged.pk), "ZT100")
    assert _pushes() == {("tb-main", "TB-1", "ZT100"), ("jd-main", "JD-9", "ZT100")}
    assert_ledger_matches()


@pytest.mark.parametrize(
    ("second_draft", "message"),
    [
        ({"phone": "13900009999"}, "收件人不同"),
        ({"street": "中山路 1 号"}, "收件人不同"),
        ({"phone": "13812345678-1234"}, "收件人不同"),
        ({"province": "广东省", "city": "深圳市", "district": "南山区"}, "收件人不同"),
    ],
)
def test_merge_refused_for_another_recipient(stocked, make_draft, second_draft, message):
    first = order_approve(order=order_intake(draft=make_draft()).order)
    second = order_approve(order=order_intake(draft=make_draft(**second_draft)).order)
    with pytest.raises(OrderActionRefused, match=message):
        order_merge(orders=[first, second])
    assert Order.objects.get(pk=second.pk).status == OrderStatus.READY


def test_merge_refused_across_warehouses_statuses_and_after_picking(stocked, make_draft, warehouse_gz):
    from orders.flow_models import ProvinceRoute

    first = order_approve(order=order_intake(draft=make_draft()).order)
    waiting = order_intake(draft=make_draft()).order
    with pytest.raises(OrderActionRefused, match="状态不同"):
        order_merge(orders=[first, waiting])
    ProvinceRoute.objects.create(warehouse=warehouse_gz, provinces=["浙江"], priority=1)
    elsewhere = order_approve(order=order_intake(draft=make_draft()).order)
    with pytest.raises(OrderActionRefused, match="同一个发货仓"):
        order_merge(orders=[first, elsewhere])
    picking = order_start_picking(order=order_approve(order=waiting))
    with pytest.raises(OrderActionRefused, match="只有待审核或待拣货"):
        order_merge(orders=[first, picking])
    with pytest.raises(OrderActionRefused, match="至少选择两个"):
        order_merge(orders=[first])


def test_auto_merge_when_switched_on(stocked, make_draft, auto_approve):
    auto_approve.auto_merge = True
    auto_approve.save()
    first = order_intake(draft=make_draft([("A001", 1)])).order
    draft = make_draft([("A002", 1)])
    result = order_intake(draft=draft)
    assert first.status == OrderStatus.READY
    # The intake answers with the order the platform order is in now: the older one.
    assert result.created and result.order.pk == first.pk
    second = Order.objects.get(number__gt=first.number, status=OrderStatus.MERGED)
    assert second.events.latest("id").data["into"] == first.number
    assert Order.objects.get(pk=first.pk).lines.count() == 2
    assert OrderSource.objects.get(external_id=draft.external_id).order_id == first.pk
    other = order_intake(draft=make_draft([("A003", 1)], phone="13911112222")).order
    assert other.status == OrderStatus.READY  # another recipient: not merged


@pytest.fixture
def splittable(taobao_channel, shop_policy):
    return shop_policy(taobao_channel, allow_split=True)


def test_split_moves_lines_keeps_sources_and_writes_back_each_waybill(
    stocked, make_draft, splittable, pushing, ops_user
):
    order = order_approve(order=order_intake(draft=make_draft([("A001", 1), ("A002", 3)], external_id="TB-77",
                                                              price=Decimal("10.00"))).order)
    line = order.lines.get(sku_code="A002")
    before = stock_snapshot()
    new = order_split(order=order, line_ids=[line.pk], actor=ops_user, note="先发有货的")
    assert stock_snapshot() == before
    order.refresh_from_db()
    assert new.number != order.number and new.status == order.status == OrderStatus.READY
    assert list(new.lines.values_list("sku_code", "reserved_quantity")) == [("A002", 3)]
    assert (order.goods_amount, new.goods_amount) == (Decimal("10.00"), Decimal("30.00"))
    assert order.paid_amount + new.paid_amount == Decimal("40.00")
    assert list(OrderSource.objects.filter(order=new).values_list("external_id", "split_copy")) == [("TB-77", True)]
    assert order.events.latest("id").data["to"] == new.number
    assert new.events.latest("id").data["from"] == order.number
    _ship(Order.objects.get(pk=order.pk), "ZT1")
    _ship(Order.objects.get(pk=new.pk), "ZT2")
    assert _pushes() == {("tb-main", "TB-77", "ZT1"), ("tb-main", "TB-77", "ZT2")}
    assert_ledger_matches()


def test_split_of_a_held_order_ships_what_is_in_stock(skus, warehouse_hz, make_draft, splittable):
    from inventory.services import stock_receive

    stock_receive(sku=skus[0], warehouse=warehouse_hz, quantity=5, reference="opening")
    held = order_intake(draft=make_draft([("A001", 1), ("A002", 1)])).order
    assert held.hold_reason == HoldReason.OUT_OF_STOCK or held.status == OrderStatus.ON_HOLD
    # The shop allows split: the intake itself split it across warehouses? A002 is nowhere: held whole.
    assert Order.objects.get(pk=held.pk).status == OrderStatus.ON_HOLD
    in_stock = held.lines.get(sku_code="A001")
    new = order_split(order=held, line_ids=[in_stock.pk])
    assert Order.objects.get(pk=new.pk).status == OrderStatus.PENDING_REVIEW  # released: reserved in 杭州仓
    assert Order.objects.get(pk=held.pk).status == OrderStatus.ON_HOLD  # still waiting for A002
    assert_ledger_matches()


def test_split_refused(stocked, make_draft, taobao_channel, splittable, shop_policy):
    order = order_approve(order=order_intake(draft=make_draft([("A001", 1), ("A002", 1)])).order)
    lines = list(order.lines.values_list("pk", flat=True))
    with pytest.raises(OrderActionRefused, match="不能拆出全部"):
        order_split(order=order, line_ids=lines)
    with pytest.raises(OrderActionRefused, match="请选择"):
        order_split(order=order, line_ids=[999999])
    shop_policy(taobao_channel, allow_split=False)
    with pytest.raises(OrderActionRefused, match="不允许拆单"):
        order_split(order=order, line_ids=lines[:1])
    shop_policy(taobao_channel, allow_split=True)
    packed = order_pack(order=order_start_picking(order=order))
    with pytest.raises(OrderActionRefused, match="拣货开始后不能拆单"):
        order_split(order=packed, line_ids=lines[:1])
    assert Order.objects.get(pk=order.pk).lines.count() == 2
