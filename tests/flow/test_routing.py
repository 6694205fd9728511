"""Warehouse routing (自动分单): by province, category, stock and cost; split or hold; re-route."""

from decimal import Decimal

import pytest

from inventory.models import Sku, StockLevel, StockMovement
from inventory.services import stock_adjust, stock_receive
from orders.events import EventAction
from orders.flow_models import CategoryMode, CategoryRoute, ProvinceRoute
from orders.models import Order, OrderSource
from orders.services import (
    OrderActionRefused,
    order_change_address,
    order_intake,
    order_release_hold,
    order_start_picking,
)
from orders.services.reroute import order_reroute
from orders.services.routing import FACTOR_COST, FACTOR_ONLY, FACTOR_ORDER, FACTOR_PRIORITY
from orders.shortages import short_skus
from orders.states import HoldReason, OrderStatus
from tests.fixtures.ledger import assert_ledger_matches, stock_snapshot
from warehouse.models.carriers import Carrier, CarrierRate, CarrierService, RateZone


def _route(order: Order) -> dict:
    return Order.objects.get(pk=order.pk).events.filter(data__has_key="route").latest("id").data["route"]


def test_province_route_priority_beats_the_warehouse_own_provinces(stocked, make_draft, warehouse_hz, warehouse_gz):
    assert order_intake(draft=make_draft()).order.warehouse == warehouse_hz  # 浙江 is 杭州仓's own province
    ProvinceRoute.objects.create(warehouse=warehouse_gz, provinces=["浙江"], priority=1)
    order = order_intake(draft=make_draft()).order
    assert order.warehouse == warehouse_gz
    trace = _route(order)
    assert trace["factor"] == FACTOR_PRIORITY and trace["chosen"] == warehouse_gz.pk
    assert {c["warehouse"]: c["priority"] for c in trace["candidates"]} == {warehouse_hz.pk: 10, warehouse_gz.pk: 1}


def test_a_nationwide_route_and_a_disabled_one(stocked, make_draft, warehouse_hz, warehouse_gz):
    ProvinceRoute.objects.create(warehouse=warehouse_gz, provinces=[], priority=5)
    ProvinceRoute.objects.create(warehouse=warehouse_hz, provinces=["浙江"], priority=1, enabled=False)
    assert order_intake(draft=make_draft(province="湖北省", city="武汉市", district="洪山区")).order.warehouse == warehouse_gz
    assert order_intake(draft=make_draft()).order.warehouse == warehouse_gz  # 5 beats HZ's own 10


def test_fresh_goods_only_from_a_cold_chain_warehouse(stocked, make_draft, warehouse_hz, warehouse_gz):
    Sku.objects.filter(code="A001").update(category="生鲜")
    CategoryRoute.objects.create(category="生鲜", mode=CategoryMode.COLD_CHAIN)
    held = order_intake(draft=make_draft([("A001", 1)])).order
    # 100 units in each warehouse, none of them cold-chain: no warehouse, not a shortage.
    assert (held.status, held.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.NO_WAREHOUSE)
    warehouse_gz.cold_chain = True
    warehouse_gz.save()  # as the admin does (a save forgets the rules the intake keeps: core.config_cache)
    order = order_intake(draft=make_draft([("A001", 1), ("A002", 1)])).order
    assert order.warehouse == warehouse_gz
    excluded = {c["warehouse"]: c.get("excluded", "") for c in _route(order)["candidates"]}
    assert "冷链" in excluded[warehouse_hz.pk] and not excluded[warehouse_gz.pk]
    # Other categories still go where the province says.
    assert order_intake(draft=make_draft([("A002", 1)])).order.warehouse == warehouse_hz


def test_no_warehouse_may_ship_the_category_holds_it_as_no_warehouse_until_a_rule_changes(
    stocked, make_draft, warehouse_hz, warehouse_gz, ops_user
):
    Sku.objects.filter(code="A001").update(category="生鲜")
    CategoryRoute.objects.create(category="生鲜", mode=CategoryMode.COLD_CHAIN)
    held = order_intake(draft=make_draft([("A001", 1), ("A002", 1)])).order
    assert (held.status, held.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.NO_WAREHOUSE)
    assert held.hold_note == "类目「生鲜」只能从冷链仓发货，没有一个启用的仓库可以发"
    assert not held.lines.filter(reserved_quantity__gt=0).exists()
    # Restocking cannot help: it is not on the 缺货 page, and a person's release is refused, changing nothing.
    assert [row.code for row in short_skus()] == []
    before = stock_snapshot()
    with pytest.raises(OrderActionRefused, match="仍然没有可发货的仓库：类目「生鲜」只能从冷链仓发货"):
        order_release_hold(order=held.pk, actor=ops_user)
    assert stock_snapshot() == before
    assert Order.objects.get(pk=held.pk).hold_reason == HoldReason.NO_WAREHOUSE
    # Once a cold-chain warehouse exists, the release reserves it there.
    warehouse_gz.cold_chain = True
    warehouse_gz.save()
    released = order_release_hold(order=held.pk, actor=ops_user)
    assert released.status != OrderStatus.ON_HOLD and released.warehouse == warehouse_gz
    assert_ledger_matches()


def test_categories_no_one_warehouse_may_ship_together_are_split_when_the_shop_allows(
    stocked, make_draft, warehouse_hz, warehouse_gz, taobao_channel, shop_policy
):
    Sku.objects.filter(code="A001").update(category="生鲜")
    Sku.objects.filter(code="A002").update(category="大件")
    CategoryRoute.objects.create(category="生鲜", mode=CategoryMode.COLD_CHAIN)
    CategoryRoute.objects.create(category="大件", mode=CategoryMode.NEVER).warehouses.add(warehouse_gz)
    warehouse_gz.cold_chain = True
    warehouse_gz.save()
    held = order_intake(draft=make_draft([("A001", 1), ("A002", 1)])).order
    assert (held.status, held.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.NO_WAREHOUSE)
    assert held.hold_note == "没有一个仓库可以同时发类目「大件」「生鲜」"
    shop_policy(taobao_channel, allow_split=True)
    draft = make_draft([("A001", 1), ("A002", 1)])
    order_intake(draft=draft)
    parts = Order.objects.filter(sources__external_id=draft.external_id).distinct().order_by("pk")
    assert sorted((p.warehouse.code, p.lines.get().sku_code) for p in parts) == [("GZ", "A001"), ("HZ", "A002")]
    assert all(p.status != OrderStatus.ON_HOLD for p in parts)
    assert_ledger_matches()


def test_a_shortage_note_names_only_warehouses_that_may_ship_the_category(
    skus, make_draft, warehouse_hz, warehouse_gz
):
    Sku.objects.filter(code="A001").update(category="生鲜")
    CategoryRoute.objects.create(category="生鲜", mode=CategoryMode.COLD_CHAIN)
    warehouse_gz.cold_chain = True
    warehouse_gz.save()
    stock_receive(sku=skus[0], warehouse=warehouse_hz, quantity=50, reference="opening")  # plenty, may not ship it
    stock_receive(sku=skus[0], warehouse=warehouse_gz, quantity=1, reference="opening")
    held = order_intake(draft=make_draft([("A001", 3)])).order
    assert (held.status, held.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.OUT_OF_STOCK)
    assert held.hold_note == "A001 缺 2 件（广州仓可用 1）"
    [row] = short_skus()
    assert (row.code, row.orders, row.short) == ("A001", 1, 2)


def test_category_only_and_never(stocked, make_draft, warehouse_hz, warehouse_gz):
    Sku.objects.filter(code="A002").update(category="大件")
    never = CategoryRoute.objects.create(category="大件", mode=CategoryMode.NEVER)
    never.warehouses.add(warehouse_hz)
    assert order_intake(draft=make_draft([("A002", 1)])).order.warehouse == warehouse_gz
    never.enabled = False
    never.save()
    only = CategoryRoute.objects.create(category="大件", mode=CategoryMode.ONLY)
    only.warehouses.add(warehouse_hz)
    assert order_intake(draft=make_draft([("A002", 1)], province="广东省", city="深圳市", district="南山区")).order.warehouse == warehouse_hz


def test_the_chosen_warehouse_must_hold_every_line(stocked, make_draft, warehouse_hz, warehouse_gz):
    level = StockLevel.objects.get(sku__code="A001", warehouse=warehouse_hz)
    stock_adjust(stock_level=level, delta=-99, note="盘点")
    order = order_intake(draft=make_draft([("A001", 2), ("A002", 1)])).order
    assert order.warehouse == warehouse_gz
    trace = _route(order)
    assert trace["factor"] == FACTOR_ONLY
    assert {c["warehouse"]: c["holds_all"] for c in trace["candidates"]} == {warehouse_hz.pk: False, warehouse_gz.pk: True}


@pytest.fixture
def rates(warehouse_hz, warehouse_gz):
    """A carrier pricing 湖北 from both warehouses: Guangzhou cheaper."""
    carrier = Carrier.objects.create(code="ZTO", name="中通快递", short_name="中通")
    service = CarrierService.objects.create(carrier=carrier, name="中通标快")
    for warehouse, price in ((warehouse_hz, "12.00"), (warehouse_gz, "9.00")):
        zone = RateZone.objects.create(warehouse=warehouse, name="华中", provinces=["湖北", "湖南"])
        CarrierRate.objects.create(service=service, zone=zone, first_price=Decimal(price), step_price=Decimal("2.00"))
    return service


def test_shipping_cost_breaks_a_tie_of_priority(stocked, make_draft, warehouse_hz, warehouse_gz, rates):
    hubei = {"province": "湖北省", "city": "武汉市", "district": "洪山区"}
    order = order_intake(draft=make_draft([("A005", 3)], **hubei)).order  # 1.5 kg: 首重 + 1 续重
    assert order.warehouse == warehouse_gz
    trace = _route(order)
    assert trace["factor"] == FACTOR_COST and trace["weight_g"] == 1500
    assert {c["warehouse"]: c["cost"] for c in trace["candidates"]} == {warehouse_hz.pk: "14.00", warehouse_gz.pk: "11.00"}
    for rate in CarrierRate.objects.filter(zone__warehouse=warehouse_gz):
        rate.first_price = Decimal("12.00")
        rate.save()  # as the admin does (a save forgets the rates the intake keeps: core.config_cache)
    again = order_intake(draft=make_draft([("A005", 3)], **hubei)).order
    assert again.warehouse == warehouse_hz and _route(again)["factor"] == FACTOR_ORDER


def test_a_batch_breaks_every_tie_from_one_read_of_the_rate_table(
    stocked, make_draft, warehouse_hz, warehouse_gz, rates
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.services.batch import order_intake_batch

    hubei = {"province": "湖北省", "city": "武汉市", "district": "洪山区"}
    drafts = [make_draft([("A005", n)], **hubei) for n in (1, 3, 9)] + [make_draft([("A001", 1)])]
    with CaptureQueriesContext(connection) as queries:
        results = order_intake_batch(drafts=drafts)
    assert sum(RateZone._meta.db_table in q["sql"] for q in queries.captured_queries) == 1
    orders = [Order.objects.get(pk=result.order_id) for result in results]
    assert [order.warehouse_id for order in orders] == [warehouse_gz.pk] * 3 + [warehouse_hz.pk]
    # The same prices as the single intake's: 首重 + each started 续重 (0.5, 1.5 and 4.5 kg).
    costs = [{c["warehouse"]: c["cost"] for c in _route(order)["candidates"]} for order in orders[:3]]
    assert costs == [
        {warehouse_hz.pk: "12.00", warehouse_gz.pk: "9.00"},
        {warehouse_hz.pk: "14.00", warehouse_gz.pk: "11.00"},
        {warehouse_hz.pk: "20.00", warehouse_gz.pk: "17.00"},
    ]
    assert _route(orders[3])["factor"] == FACTOR_PRIORITY  # 浙江: no tie, no price asked


def test_no_single_warehouse_holds_split_when_the_shop_allows(
    skus, warehouse_hz, warehouse_gz, make_draft, taobao_channel, shop_policy
):
    a001, a002 = skus[0], skus[1]
    stock_receive(sku=a001, warehouse=warehouse_hz, quantity=5, reference="opening")
    stock_receive(sku=a002, warehouse=warehouse_gz, quantity=5, reference="opening")
    held = order_intake(draft=make_draft([("A001", 1), ("A002", 1)])).order
    assert (held.status, held.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.OUT_OF_STOCK)
    assert "缺" in held.hold_note  # what is short, where
    shop_policy(taobao_channel, allow_split=True)
    draft = make_draft([("A001", 1), ("A002", 2)])
    order = order_intake(draft=draft).order
    parts = Order.objects.filter(sources__external_id=draft.external_id).distinct().order_by("pk")
    assert [(p.warehouse, p.status) for p in parts] == [
        (warehouse_hz, OrderStatus.PENDING_REVIEW), (warehouse_gz, OrderStatus.PENDING_REVIEW),
    ]
    assert order.pk == parts[0].pk
    assert [list(p.lines.values_list("sku_code", "reserved_quantity")) for p in parts] == [[("A001", 1)], [("A002", 2)]]
    sources = OrderSource.objects.filter(external_id=draft.external_id).order_by("pk")
    assert [(s.order_id, s.split_copy) for s in sources] == [(parts[0].pk, False), (parts[1].pk, True)]
    # The same platform order delivered again is still the one order it was.
    repeat = order_intake(draft=draft)
    assert not repeat.created and repeat.order.pk == parts[0].pk
    assert_ledger_matches()


def test_reroute_moves_the_reservation_and_keeps_the_ledger_balanced(
    stocked, make_draft, warehouse_hz, warehouse_gz, ops_user
):
    order = order_intake(draft=make_draft([("A001", 2)])).order
    assert order.warehouse == warehouse_hz
    before = stock_snapshot()
    assert order_reroute(order=order, actor=ops_user).warehouse == warehouse_hz  # already the best
    assert stock_snapshot() == before
    ProvinceRoute.objects.create(warehouse=warehouse_gz, provinces=["浙江"], priority=1)
    moved = order_reroute(order=order, actor=ops_user, note="广州仓到货")
    assert moved.warehouse == warehouse_gz
    assert list(moved.lines.values_list("warehouse", "stock_level__warehouse", "reserved_quantity")) == [
        (warehouse_gz.pk, warehouse_gz.pk, 2)
    ]
    levels = dict(StockLevel.objects.filter(sku__code="A001").values_list("warehouse", "reserved"))
    assert levels == {warehouse_hz.pk: 0, warehouse_gz.pk: 2}
    assert StockMovement.objects.filter(reference=order.number).count() == 3  # reserve, release, reserve
    event = moved.events.latest("id")
    assert (event.action, event.actor, event.data["from_warehouse"]) == (EventAction.ROUTE, ops_user, warehouse_hz.pk)
    assert_ledger_matches()


def test_address_change_re_routes_in_one_transaction(stocked, make_draft, warehouse_hz, warehouse_gz, ops_user):
    order = order_intake(draft=make_draft([("A001", 1)])).order
    changed = order_change_address(order=order, actor=ops_user, address={"province": "广东省", "city": "深圳市", "district": "南山区"})
    assert changed.warehouse == warehouse_gz
    assert [e.action for e in changed.events.order_by("id")][-2:] == [EventAction.CHANGE_ADDRESS, EventAction.ROUTE]
    assert_ledger_matches()


def test_reroute_refused_once_picking_started(stocked, make_draft, warehouse_gz):
    from orders.services import order_approve

    order = order_start_picking(order=order_approve(order=order_intake(draft=make_draft()).order))
    ProvinceRoute.objects.create(warehouse=warehouse_gz, provinces=["浙江"], priority=1)
    before = stock_snapshot()
    with pytest.raises(OrderActionRefused, match="拣货开始后不能重新分仓"):
        order_reroute(order=order)
    assert stock_snapshot() == before


def test_reroute_of_an_order_holding_nothing_is_refused(skus, make_draft, warehouse_hz):
    order = order_intake(draft=make_draft([("A001", 1)])).order  # no stock anywhere: held
    with pytest.raises(OrderActionRefused, match="没有完整占用库存"):
        order_reroute(order=order)
