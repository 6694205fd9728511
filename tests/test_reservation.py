"""One reserve-or-hold path: intake, batch intake and every release of a hold reserve the same way,
and an order held for stock says what is short, where."""

import re
from pathlib import Path

import pytest

from channels.models import SkuMapping
from inventory.models import Sku, StockLevel, Warehouse
from inventory.services import stock_receive
from orders.events import EventAction
from orders.models import Order
from orders.services import (
    OrderActionRefused,
    order_approve,
    order_change_address,
    order_hold,
    order_intake,
    order_release_hold,
    order_relink_skus,
)
from orders.services.batch import order_intake_batch
from orders.states import HoldReason, OrderStatus
from tests.fixtures.ledger import assert_ledger_matches, stock_snapshot

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def scarce(db, warehouse_hz, warehouse_gz):
    """HJ001-04: 1 unit free in Hangzhou, none in Guangzhou. HJ002: 5 in Hangzhou, 1 in Guangzhou."""
    hj1 = Sku.objects.create(code="HJ001-04", name="收纳盒 4 件套")
    hj2 = Sku.objects.create(code="HJ002", name="衣架")
    stock_receive(sku=hj1, warehouse=warehouse_hz, quantity=1)
    stock_receive(sku=hj2, warehouse=warehouse_hz, quantity=5)
    stock_receive(sku=hj2, warehouse=warehouse_gz, quantity=1)
    return hj1, hj2


def held(order) -> tuple:
    order = Order.objects.get(pk=order.pk)
    return order.status, order.hold_reason, order.hold_note


def test_the_hold_note_names_the_sku_short_and_what_the_closest_warehouse_has(scarce, make_draft):
    order = order_intake(draft=make_draft([("HJ001-04", 3)], province="浙江省")).order

    assert held(order) == (OrderStatus.ON_HOLD, HoldReason.OUT_OF_STOCK, "HJ001-04 缺 2 件（杭州仓可用 1）")
    assert order.events.get().note == "HJ001-04 缺 2 件（杭州仓可用 1）"


def test_the_closest_warehouse_is_the_one_fewest_units_short_then_the_one_serving_the_buyer(scarce, make_draft):
    # Hangzhou is 2 short (HJ001-04), Guangzhou 3 short (1 + 2): Hangzhou, naming only its shortage.
    near = order_intake(draft=make_draft([("HJ001-04", 3), ("HJ002", 3)], province="广东省")).order
    assert held(near)[2] == "HJ001-04 缺 2 件（杭州仓可用 1）"
    # None anywhere, both 2 short: the one serving the buyer's province is named.
    Sku.objects.create(code="HJ003", name="挂钩")
    south = order_intake(draft=make_draft([("HJ003", 2)], province="广东省")).order
    east = order_intake(draft=make_draft([("HJ003", 2)], province="浙江省")).order
    assert (held(south)[2], held(east)[2]) == ("HJ003 缺 2 件（广州仓可用 0）", "HJ003 缺 2 件（杭州仓可用 0）")


def test_every_sku_short_in_that_warehouse_is_named_in_code_order(scarce, make_draft):
    order = order_intake(draft=make_draft([("HJ002", 7), ("HJ001-04", 2)], province="浙江省")).order
    assert held(order)[2] == "HJ001-04 缺 1 件（杭州仓可用 1）；HJ002 缺 2 件（杭州仓可用 5）"


def test_with_no_active_warehouse_the_note_says_so(scarce, make_draft):
    Warehouse.objects.update(active=False)
    order = order_intake(draft=make_draft([("HJ002", 1)])).order
    assert held(order) == (OrderStatus.ON_HOLD, HoldReason.NO_WAREHOUSE, "没有启用的仓库")


def test_the_batch_intake_words_the_shortage_as_the_single_intake(scarce, taobao_channel, make_draft):
    drafts = [make_draft([("HJ002", 3)], province="浙江省"), make_draft([("HJ002", 3)], province="浙江省")]
    first, second = order_intake_batch(drafts=drafts)
    assert Order.objects.get(pk=first.order_id).status == OrderStatus.PENDING_REVIEW
    # The first order took 3 of Hangzhou's 5: the second is 1 short there.
    assert held(Order.objects.get(pk=second.order_id))[2] == "HJ002 缺 1 件（杭州仓可用 2）"


def test_a_person_releasing_an_order_still_short_is_told_what_is_short(scarce, make_draft, ops_user):
    order = order_intake(draft=make_draft([("HJ001-04", 3)])).order
    stock = stock_snapshot()

    with pytest.raises(OrderActionRefused) as refused:
        order_release_hold(order=order, actor=ops_user)

    assert refused.value.code == HoldReason.OUT_OF_STOCK
    assert "HJ001-04 缺 2 件（杭州仓可用 1）" in refused.value.message
    assert held(order) == (OrderStatus.ON_HOLD, HoldReason.OUT_OF_STOCK, "HJ001-04 缺 2 件（杭州仓可用 1）")
    assert stock_snapshot() == stock
    assert list(order.events.values_list("action", flat=True)) == [EventAction.CREATED]


def test_after_a_restock_the_release_reserves_through_the_transition(scarce, make_draft, ops_user, warehouse_hz):
    order = order_intake(draft=make_draft([("HJ001-04", 3)])).order
    stock_receive(sku=scarce[0], warehouse=warehouse_hz, quantity=2)

    released = order_release_hold(order=order, actor=ops_user, note="已补货")

    assert (released.status, released.warehouse) == (OrderStatus.PENDING_REVIEW, warehouse_hz)
    event = released.events.latest("id")
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        EventAction.RELEASE_HOLD, OrderStatus.ON_HOLD, OrderStatus.PENDING_REVIEW, ops_user)
    assert StockLevel.objects.get(sku=scarce[0], warehouse=warehouse_hz).reserved == 3
    assert_ledger_matches()


def test_a_mapping_that_frees_the_order_releases_it_through_the_lifecycle(stocked, make_draft, ops_user, taobao_channel):
    order = order_intake(draft=make_draft([("TB-CUP", 2)])).order

    released = order_relink_skus(order=order, codes={"TB-CUP": "A001"}, actor=ops_user)

    assert released.status == OrderStatus.PENDING_REVIEW
    actions = list(released.events.order_by("id").values_list("action", "from_status", "to_status"))
    assert actions[-2:] == [
        (EventAction.RELINK_SKUS, OrderStatus.ON_HOLD, OrderStatus.ON_HOLD),
        (EventAction.RELEASE_HOLD, OrderStatus.ON_HOLD, OrderStatus.PENDING_REVIEW),
    ]
    assert released.lines.get().reserved_quantity == 2


def test_a_mapping_to_a_sku_short_of_stock_keeps_the_order_held_with_the_shortage(scarce, make_draft, ops_user):
    order = order_intake(draft=make_draft([("TB-BOX", 3)])).order

    still = order_relink_skus(order=order, codes={"TB-BOX": "HJ001-04"}, actor=ops_user)

    assert held(still) == (OrderStatus.ON_HOLD, HoldReason.OUT_OF_STOCK, "HJ001-04 缺 2 件（杭州仓可用 1）")
    event = still.events.latest("id")
    assert (event.action, event.note, event.data) == (
        EventAction.HOLD_REASON, "HJ001-04 缺 2 件（杭州仓可用 1）", {"reason": HoldReason.OUT_OF_STOCK})
    assert not SkuMapping.objects.exists()  # the order service maps lines, not the shop's mapping
    assert_ledger_matches()


def test_an_address_fix_on_a_reserved_order_held_by_hand_releases_it_without_reserving_twice(place_order, ops_user):
    order = order_approve(order=place_order([("A001", 2)]))
    order_hold(order=order, reason=HoldReason.BAD_ADDRESS, note="门牌号不对", actor=ops_user)
    stock = stock_snapshot()

    fixed = order_change_address(order=order, address={"street": "文三路 90 号 3 幢"}, actor=ops_user)

    assert (fixed.status, fixed.hold_reason) == (OrderStatus.PENDING_REVIEW, "")
    assert stock_snapshot() == stock  # still the one reservation it had
    assert fixed.lines.get().reserved_quantity == 2
    assert fixed.events.latest("id").action == EventAction.RELEASE_HOLD
    assert_ledger_matches()


def test_the_order_core_reserves_stock_in_one_place():
    """``stock_reserve`` is called by the reserve-or-hold path only (the batch plans, then
    reserves its plan at once with ``stock_reserve_many``)."""
    callers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "orders").rglob("*.py")
        if re.search(r"\bstock_reserve\(", path.read_text(encoding="utf-8"))
    )
    assert callers == ["orders/services/reservation.py"]
