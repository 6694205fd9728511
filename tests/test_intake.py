"""``order_intake``: exactly once per platform order, a warehouse that can ship it whole, or a hold."""

import dataclasses
from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from channels.models import Channel, Platform
from inventory.models import MovementReason, Sku, StockLevel, StockMovement
from inventory.services import StockLine, stock_receive
from orders.drafts import DraftInvalid, DraftLine
from orders.models import Customer, Order, OrderEvent, OrderLine, OrderNumberSequence, OrderSource
from orders.services import (
    OrderActionRefused,
    order_approve,
    order_cancel,
    order_intake,
    order_intake_prepare,
    order_pack,
    order_release_hold,
    order_ship,
    order_start_picking,
)
from orders.states import HoldReason, OrderStatus
from tests.fixtures.catalog import build_draft
from tests.fixtures.ledger import assert_ledger_matches, stock_snapshot


def _row_counts() -> dict[str, int]:
    models = (Order, OrderLine, OrderSource, OrderEvent, Customer, StockLevel, StockMovement, OrderNumberSequence)
    return {model.__name__: model.objects.count() for model in models}


def _reserved(order: Order) -> list[tuple[str, str | None, int]]:
    """[(sku code, warehouse code, reserved quantity)] per line, in line order."""
    return [
        (line.sku_code, line.warehouse.code if line.warehouse else None, line.reserved_quantity)
        for line in order.lines.select_related("warehouse")
    ]


def _level(sku_code: str, warehouse) -> tuple[int, int]:
    level = StockLevel.objects.get(sku__code=sku_code, warehouse=warehouse)
    return level.on_hand, level.reserved


# --- a good order --------------------------------------------------------------------------------


def test_paid_order_waits_for_review_with_its_stock_reserved(stocked, make_draft, taobao_channel, warehouse_hz):
    draft = make_draft([("A001", 2), ("A002", 1)], external_id="TB-1001")
    result = order_intake(draft=draft)

    order = Order.objects.get(pk=result.order.pk)
    assert result.created
    assert order.status == OrderStatus.PENDING_REVIEW
    assert (order.hold_reason, order.hold_note) == ("", "")
    assert order.paid_at is not None
    assert order.channel == taobao_channel and order.warehouse == warehouse_hz
    assert (order.goods_amount, order.paid_amount) == (Decimal("59.70"), Decimal("59.70"))
    assert order.customer.phone == "13812341234"
    assert list(order.sources.values_list("channel__code", "external_id")) == [("tb-main", "TB-1001")]
    assert _reserved(order) == [("A001", "HZ", 2), ("A002", "HZ", 1)]
    assert (_level("A001", warehouse_hz), _level("A002", warehouse_hz)) == ((100, 2), (100, 1))
    event = order.events.get()
    assert (event.action, event.from_status, event.to_status) == ("created", "", OrderStatus.PENDING_REVIEW)
    assert event.data["external_id"] == "TB-1001"
    assert_ledger_matches()


def test_unpaid_order_waits_for_payment_with_its_stock_reserved(stocked, make_draft, warehouse_hz):
    order = order_intake(draft=make_draft([("A003", 4)], paid=False)).order
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.paid_at is None
    assert _reserved(order) == [("A003", "HZ", 4)]
    assert _level("A003", warehouse_hz) == (100, 4)
    assert_ledger_matches()


# --- exactly once --------------------------------------------------------------------------------


def test_a_repeat_delivery_returns_the_existing_order_unchanged(stocked, make_draft):
    first = order_intake(draft=make_draft([("A001", 2)], external_id="TB-2001"))
    counts = _row_counts()
    stock = stock_snapshot()
    stored = Order.objects.get(pk=first.order.pk)

    repeat = order_intake(draft=make_draft([("A001", 2)], external_id="TB-2001"))
    changed = order_intake(draft=make_draft([("A004", 9)], external_id="TB-2001", paid=False, province="广东省"))

    for again in (repeat, changed):
        assert again.created is False
        assert again.order.pk == first.order.pk and again.order.number == first.order.number
    after = Order.objects.get(pk=first.order.pk)
    assert (after.status, after.updated_at, after.paid_at, after.warehouse_id) == (
        stored.status, stored.updated_at, stored.paid_at, stored.warehouse_id,
    )
    assert _reserved(after) == [("A001", "HZ", 2)]
    assert _row_counts() == counts
    assert stock_snapshot() == stock


def test_the_same_external_id_on_another_channel_is_another_order(stocked, make_draft, jd_channel):
    taobao = order_intake(draft=make_draft(external_id="X-1"))
    jd = order_intake(draft=make_draft(external_id="X-1", channel=jd_channel))
    assert taobao.created and jd.created
    assert taobao.order.pk != jd.order.pk and taobao.order.number != jd.order.number


# --- choosing the warehouse ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("province", "city", "warehouse_code"),
    [("浙江省", "杭州市", "HZ"), ("江苏", "南京市", "HZ"), ("广东省", "深圳市", "GZ"), ("福建省", "厦门市", "GZ")],
)
def test_the_warehouse_serving_the_province_is_preferred(stocked, make_draft, province, city, warehouse_code):
    result = order_intake(draft=make_draft([("A001", 2), ("A002", 1)], province=province, city=city))
    order = result.order
    assert result.created and order.status == OrderStatus.PENDING_REVIEW
    assert order.warehouse.code == warehouse_code
    assert _reserved(order) == [("A001", warehouse_code, 2), ("A002", warehouse_code, 1)]
    assert_ledger_matches()


def test_a_warehouse_with_every_line_wins_over_the_serving_one_that_lacks_a_line(
    skus, make_draft, warehouse_hz, warehouse_gz
):
    a001, a002 = skus[0], skus[1]
    stock_receive(sku=a001, warehouse=warehouse_hz, quantity=10)  # serves Zhejiang, but has no A002
    stock_receive(sku=a001, warehouse=warehouse_gz, quantity=10)
    stock_receive(sku=a002, warehouse=warehouse_gz, quantity=10)
    order = order_intake(draft=make_draft([("A001", 1), ("A002", 1)], province="浙江省")).order
    assert order.status == OrderStatus.PENDING_REVIEW
    assert order.warehouse == warehouse_gz
    assert _level("A001", warehouse_hz) == (10, 0)
    assert (_level("A001", warehouse_gz), _level("A002", warehouse_gz)) == ((10, 1), (10, 1))
    assert_ledger_matches()


def test_a_province_no_warehouse_serves_still_gets_a_warehouse(stocked, make_draft):
    order = order_intake(draft=make_draft([("A005", 3)], province="新疆维吾尔自治区", city="乌鲁木齐市")).order
    assert order.status == OrderStatus.PENDING_REVIEW
    assert order.warehouse.code in {"HZ", "GZ"}
    assert _reserved(order) == [("A005", order.warehouse.code, 3)]


def test_an_inactive_warehouse_is_never_chosen(stocked, make_draft, warehouse_hz):
    warehouse_hz.active = False
    warehouse_hz.save(update_fields=["active"])
    order = order_intake(draft=make_draft([("A001", 1)], province="浙江省")).order
    assert order.warehouse.code == "GZ"


@pytest.mark.django_db(transaction=True)
def test_a_prepared_intake_taken_meanwhile_answers_with_that_order_inside_the_callers_transaction(
    stocked, make_draft
):
    """The inbox prepares outside its transaction, then takes in inside it: when another delivery
    took the platform order in between, the unique source refuses the second order, its savepoint
    (with the pipeline on PostgreSQL) is rolled back, and the caller's transaction goes on."""
    draft = make_draft([("A001", 1)])
    prepared = order_intake_prepare(draft=draft)
    first = order_intake(draft=draft)
    stock = stock_snapshot()

    with transaction.atomic():
        again = order_intake(prepared=prepared)
        assert Order.objects.count() == 1  # the transaction is still usable

    assert (again.created, again.order.pk) == (False, first.order.pk)
    assert stock_snapshot() == stock
    assert_ledger_matches()


def test_no_single_warehouse_with_every_line_holds_out_of_stock(skus, make_draft, warehouse_hz, warehouse_gz):
    stock_receive(sku=skus[0], warehouse=warehouse_hz, quantity=10)
    stock_receive(sku=skus[1], warehouse=warehouse_gz, quantity=10)
    stock = stock_snapshot()
    order = order_intake(draft=make_draft([("A001", 1), ("A002", 1)])).order
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.OUT_OF_STOCK)
    assert order.warehouse is None
    assert _reserved(order) == [("A001", None, 0), ("A002", None, 0)]
    assert stock_snapshot() == stock


# --- all or nothing --------------------------------------------------------------------------------


def test_an_order_whose_second_line_lacks_stock_reserves_nothing_anywhere(stocked, make_draft):
    stock = stock_snapshot()
    order = order_intake(draft=make_draft([("A001", 5), ("A002", 101)])).order
    assert order.status == OrderStatus.ON_HOLD
    assert order.hold_reason == HoldReason.OUT_OF_STOCK
    assert order.hold_note
    assert _reserved(order) == [("A001", None, 0), ("A002", None, 0)]
    assert stock_snapshot() == stock
    assert not StockMovement.objects.filter(reference=order.number).exists()
    event = order.events.get()
    assert (event.to_status, event.data["hold_reason"], event.note) == (
        OrderStatus.ON_HOLD, HoldReason.OUT_OF_STOCK, order.hold_note,
    )
    assert_ledger_matches()


def test_a_warehouse_emptied_between_reading_and_reserving_is_skipped_whole(stocked, make_draft, monkeypatch):
    """Another order takes Hangzhou's A002 after the intake read availability: the partly applied
    reservation in Hangzhou is rolled back and the order goes to Guangzhou instead."""
    import orders.services.reservation as reservation

    real_reserve = reservation.stock_reserve
    hz_a002 = StockLevel.objects.get(sku__code="A002", warehouse__code="HZ")

    def another_order_first(**kwargs):
        if not StockMovement.objects.filter(reference="OTHER").exists():
            real_reserve(lines=[StockLine(hz_a002.pk, 100)], reference="OTHER")
        return real_reserve(**kwargs)

    monkeypatch.setattr(reservation, "stock_reserve", another_order_first)
    order = order_intake(draft=make_draft([("A001", 2), ("A002", 1)], province="浙江省")).order

    assert order.status == OrderStatus.PENDING_REVIEW
    assert _reserved(order) == [("A001", "GZ", 2), ("A002", "GZ", 1)]
    assert StockLevel.objects.get(sku__code="A001", warehouse__code="HZ").reserved == 0
    assert StockLevel.objects.get(pk=hz_a002.pk).reserved == 100
    assert_ledger_matches()


def test_stock_reserved_by_other_orders_is_not_available(hot_sku, make_draft, warehouse_hz):
    first = order_intake(draft=make_draft([("HOT-1", 60)])).order
    second = order_intake(draft=make_draft([("HOT-1", 41)])).order
    third = order_intake(draft=make_draft([("HOT-1", 40)])).order
    assert [o.status for o in (first, second, third)] == [
        OrderStatus.PENDING_REVIEW, OrderStatus.ON_HOLD, OrderStatus.PENDING_REVIEW,
    ]
    assert _level("HOT-1", warehouse_hz) == (100, 100)
    assert_ledger_matches()


def test_the_same_sku_on_two_lines_is_reserved_as_their_sum(stocked, make_draft, warehouse_hz):
    order = order_intake(draft=make_draft([("A001", 2), ("A002", 1), ("A001", 3)])).order
    assert order.status == OrderStatus.PENDING_REVIEW
    assert _reserved(order) == [("A001", "HZ", 2), ("A002", "HZ", 1), ("A001", "HZ", 3)]
    assert _level("A001", warehouse_hz) == (100, 5)
    reserve = StockMovement.objects.get(reference=order.number, stock_level__sku__code="A001")
    assert (reserve.reason, reserve.delta_reserved) == (MovementReason.RESERVE, 5)

    cancelled = order_cancel(order=order)
    assert cancelled.events.latest("id").data == {"released": {"A001": 5, "A002": 1}}
    assert _level("A001", warehouse_hz) == (100, 0)
    assert_ledger_matches()


def test_the_same_sku_on_two_lines_is_refused_when_only_each_line_would_fit(hot_sku, make_draft, warehouse_hz):
    order = order_intake(draft=make_draft([("HOT-1", 60), ("HOT-1", 60)])).order
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.OUT_OF_STOCK)
    assert _level("HOT-1", warehouse_hz) == (100, 0)


# --- holds ---------------------------------------------------------------------------------------


def test_an_unknown_sku_holds_the_order_with_the_code_in_the_note(stocked, make_draft):
    stock = stock_snapshot()
    order = order_intake(draft=make_draft([("A001", 1), ("NOPE-9", 2)])).order
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.UNKNOWN_SKU)
    assert "NOPE-9" in order.hold_note and "A001" not in order.hold_note
    line = order.lines.get(sku_code="NOPE-9")
    assert (line.sku, line.quantity, line.reserved_quantity) == (None, 2, 0)
    assert stock_snapshot() == stock


def test_many_long_unknown_codes_still_fit_the_hold_note(stocked, make_draft):
    codes = [f"UNKNOWN-{i:02d}-" + "X" * 50 for i in range(12)]  # ~750 characters joined
    order = order_intake(draft=make_draft([(code, 1) for code in codes])).order
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.UNKNOWN_SKU)
    assert codes[0] in order.hold_note
    assert len(order.hold_note) <= 500
    assert order.events.get().note == order.hold_note


def test_channel_data_cannot_overwrite_what_the_intake_records(stocked, make_draft):
    draft = dataclasses.replace(
        make_draft([("NOPE-1", 1)]), data={"channel": "spoof", "hold_reason": "", "raw_id": 42}
    )
    order = order_intake(draft=draft).order
    data = order.events.get().data
    assert (data["channel"], data["hold_reason"], data["raw_id"]) == ("tb-main", HoldReason.UNKNOWN_SKU, 42)


def test_an_inactive_sku_counts_as_unknown(stocked, make_draft):
    Sku.objects.filter(code="A002").update(active=False)
    order = order_intake(draft=make_draft([("A002", 1)])).order
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.UNKNOWN_SKU)
    assert "A002" in order.hold_note


@pytest.mark.parametrize(
    ("address", "missing"),
    [({"province": ""}, "省"), ({"city": " "}, "市"), ({"street": ""}, "详细地址"), ({"province": "", "city": ""}, "省")],
)
def test_an_incomplete_address_holds_the_order_with_nothing_reserved(stocked, make_draft, address, missing):
    stock = stock_snapshot()
    order = order_intake(draft=make_draft([("A001", 1)], **address)).order
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.BAD_ADDRESS)
    assert missing in order.hold_note
    assert _reserved(order) == [("A001", None, 0)]
    assert stock_snapshot() == stock


def test_release_hold_after_a_restock_allocates_and_reserves(hot_sku, make_draft, warehouse_hz, warehouse_gz, ops_user):
    order = order_intake(draft=make_draft([("HOT-1", 150)])).order
    assert order.hold_reason == HoldReason.OUT_OF_STOCK
    stock_receive(sku=hot_sku, warehouse=warehouse_gz, quantity=200, reference="PO-9")

    released = order_release_hold(order=order, actor=ops_user, note="到货")

    stored = Order.objects.get(pk=order.pk)
    assert released.status == stored.status == OrderStatus.PENDING_REVIEW
    assert (stored.hold_reason, stored.hold_note, stored.warehouse) == ("", "", warehouse_gz)
    assert _reserved(stored) == [("HOT-1", "GZ", 150)]
    assert _level("HOT-1", warehouse_gz) == (200, 150)
    event = stored.events.latest("id")
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "release_hold", OrderStatus.ON_HOLD, OrderStatus.PENDING_REVIEW, ops_user,
    )
    assert event.data["warehouse_id"] == warehouse_gz.pk
    assert event.data["route"]["chosen"] == warehouse_gz.pk  # why it went there: the routing's trace
    assert_ledger_matches()


def test_release_hold_of_an_unpaid_order_after_a_restock_waits_for_payment(hot_sku, make_draft, warehouse_hz):
    order = order_intake(draft=make_draft([("HOT-1", 120)], paid=False)).order
    stock_receive(sku=hot_sku, warehouse=warehouse_hz, quantity=20)
    released = order_release_hold(order=order)
    assert released.status == OrderStatus.PENDING_PAYMENT
    assert _level("HOT-1", warehouse_hz) == (120, 120)
    assert_ledger_matches()


def test_release_hold_still_out_of_stock_is_refused_and_stays_on_hold(hot_sku, make_draft, warehouse_hz):
    order = order_intake(draft=make_draft([("HOT-1", 150)])).order
    stock_receive(sku=hot_sku, warehouse=warehouse_hz, quantity=10)
    stock = stock_snapshot()

    with pytest.raises(OrderActionRefused) as refused:
        order_release_hold(order=order, note="试试")

    assert refused.value.code == "out_of_stock" and "仓库" in refused.value.message
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.OUT_OF_STOCK)
    assert stored.events.count() == 1
    assert _reserved(stored) == [("HOT-1", None, 0)]
    assert stock_snapshot() == stock


def test_release_hold_after_the_sku_is_created_reserves_it(stocked, make_draft, warehouse_hz):
    order = order_intake(draft=make_draft([("A001", 1), ("NEW-1", 2)])).order
    with pytest.raises(OrderActionRefused, match="NEW-1"):
        order_release_hold(order=order)
    new_sku = Sku.objects.create(code="NEW-1", name="新品")
    stock_receive(sku=new_sku, warehouse=warehouse_hz, quantity=5)

    released = order_release_hold(order=order)

    assert released.status == OrderStatus.PENDING_REVIEW
    assert _reserved(released) == [("A001", "HZ", 1), ("NEW-1", "HZ", 2)]
    assert released.lines.get(sku_code="NEW-1").sku == new_sku
    assert_ledger_matches()


def test_release_hold_with_the_address_still_incomplete_is_refused(stocked, make_draft):
    order = order_intake(draft=make_draft(street="")).order
    stock = stock_snapshot()
    with pytest.raises(OrderActionRefused) as refused:
        order_release_hold(order=order)
    assert refused.value.code == "bad_address"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ON_HOLD
    assert stock_snapshot() == stock


# --- stock through the rest of the order's life ------------------------------------------------


def test_cancel_releases_exactly_what_was_reserved(stocked, make_draft, warehouse_hz):
    stock = stock_snapshot()
    order = order_intake(draft=make_draft([("A001", 2), ("A002", 1)])).order
    order_approve(order=order)
    order_cancel(order=order, note="买家取消")

    assert stock_snapshot()["levels"] == stock["levels"]
    ledger = list(
        StockMovement.objects.filter(reference=order.number)
        .order_by("id")
        .values_list("stock_level__sku__code", "reason", "delta_on_hand", "delta_reserved")
    )
    assert ledger == [
        ("A001", MovementReason.RESERVE, 0, 2),
        ("A002", MovementReason.RESERVE, 0, 1),
        ("A001", MovementReason.RELEASE, 0, -2),
        ("A002", MovementReason.RELEASE, 0, -1),
    ]
    assert_ledger_matches()


def test_ship_consumes_the_reservation_and_on_hand(stocked, make_draft, warehouse_hz):
    order = order_intake(draft=make_draft([("A001", 2), ("A002", 1)])).order
    for step in (order_approve, order_start_picking, order_pack):
        step(order=order)
    order_ship(order=order, carrier="YTO", tracking_number="YT9988776655")

    assert (_level("A001", warehouse_hz), _level("A002", warehouse_hz)) == ((98, 0), (99, 0))
    ship = StockMovement.objects.filter(reference=order.number, reason=MovementReason.SHIP)
    assert sorted(ship.values_list("delta_on_hand", "delta_reserved")) == [(-2, -2), (-1, -1)]
    assert_ledger_matches()


# --- queries -------------------------------------------------------------------------------------


@pytest.fixture
def twenty_skus(db, warehouse_hz, warehouse_gz):
    """Q01..Q20 with 50 units each in both warehouses."""
    skus = [Sku.objects.create(code=f"Q{i:02d}", name=f"商品{i}") for i in range(1, 21)]
    for sku in skus:
        stock_receive(sku=sku, warehouse=warehouse_hz, quantity=50)
        stock_receive(sku=sku, warehouse=warehouse_gz, quantity=50)
    return skus


def _queries_for(draft) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = order_intake(draft=draft)
    assert result.created and result.order.status == OrderStatus.PENDING_REVIEW
    return len(captured)


def test_intake_query_count_does_not_grow_with_its_lines(twenty_skus, make_draft):
    order_intake(draft=make_draft([("Q01", 1)]))  # the buyer exists from now on, as for any repeat buyer
    one_line = _queries_for(make_draft([("Q02", 1)]))
    twenty_lines = _queries_for(make_draft([(sku.code, 2) for sku in twenty_skus]))
    assert one_line == twenty_lines
    # 16, and the 7 reads of the auto-review and the routing (one round trip with the rest on PostgreSQL).
    assert one_line <= 23
    assert_ledger_matches()


def test_held_intake_query_count_does_not_grow_with_its_lines(twenty_skus, make_draft):
    order_intake(draft=make_draft([("Q01", 1)]))
    with CaptureQueriesContext(connection) as one:
        order_intake(draft=make_draft([("ZZ-1", 1)]))
    with CaptureQueriesContext(connection) as twenty:
        order_intake(draft=make_draft([(f"ZZ-{i}", 1) for i in range(20)]))
    assert len(one) == len(twenty)


# --- malformed drafts ----------------------------------------------------------------------------


_LINE = DraftLine(sku_code="A001", quantity=1, unit_price=Decimal("9.90"))

#: What is wrong with the draft -> (how to make a good draft so, the error key it must report).
BAD_DRAFTS = {
    "no lines": (dict(lines=()), "lines"),
    "zero quantity": (dict(lines=(DraftLine("A001", 0),)), "lines[0].quantity"),
    "negative quantity": (dict(lines=(_LINE, DraftLine("A002", -2))), "lines[1].quantity"),
    "bool quantity": (dict(lines=(DraftLine("A001", True),)), "lines[0].quantity"),
    "float quantity": (dict(lines=(DraftLine("A001", 1.0),)), "lines[0].quantity"),
    "negative price": (dict(lines=(DraftLine("A001", 1, Decimal("-0.01")),)), "lines[0].unit_price"),
    "3-decimal price": (dict(lines=(DraftLine("A001", 1, Decimal("9.995")),)), "lines[0].unit_price"),
    "float price": (dict(lines=(DraftLine("A001", 1, 9.9),)), "lines[0].unit_price"),
    "blank sku code": (dict(lines=(DraftLine(" ", 1),)), "lines[0].sku_code"),
    "naive datetime": (dict(placed_at=datetime(2026, 11, 22, 10, 0)), "placed_at"),
    "empty external id": (dict(external_id=""), "external_id"),
    "blank external id": (dict(external_id="   "), "external_id"),
    "unknown channel": (dict(channel="nowhere"), "channel"),
    "negative shipping fee": (dict(shipping_fee=Decimal("-1")), "shipping_fee"),
    "bad priority": (dict(priority=7), "priority"),
}


@pytest.mark.parametrize(("change", "field"), BAD_DRAFTS.values(), ids=list(BAD_DRAFTS))
def test_a_malformed_draft_is_refused_and_writes_nothing(stocked, make_draft, change, field):
    draft = dataclasses.replace(make_draft([("A001", 1)]), **change)
    counts = _row_counts()
    stock = stock_snapshot()
    with pytest.raises(DraftInvalid) as refused:
        order_intake(draft=draft)
    assert field in refused.value.errors, refused.value.errors
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in message) for message in refused.value.errors.values())
    assert _row_counts() == counts
    assert stock_snapshot() == stock


def test_a_draft_for_an_inactive_channel_is_refused(stocked):
    Channel.objects.create(code="pdd-old", name="拼多多旧店", platform=Platform.PINDUODUO, active=False)
    counts = _row_counts()
    with pytest.raises(DraftInvalid) as refused:
        order_intake(draft=build_draft("pdd-old"))
    assert "channel" in refused.value.errors
    assert _row_counts() == counts


def _oversized(draft, what):
    if what == "sku_code":
        return dataclasses.replace(draft, lines=(DraftLine("X" * 65, 1),))
    if what == "street":
        return dataclasses.replace(draft, recipient=dataclasses.replace(draft.recipient, street="路" * 301))
    return dataclasses.replace(draft, lines=(DraftLine("A001", 3_000_000_000),))


@pytest.mark.parametrize("what", ["sku_code", "street", "quantity"])
def test_oversized_draft_fields_are_refused_before_anything_is_written(stocked, make_draft, what):
    with pytest.raises(DraftInvalid) as refused:
        order_intake(draft=_oversized(make_draft([("A001", 1)]), what))
    assert refused.value.errors
    assert not Order.objects.exists()
    assert not StockMovement.objects.filter(reason=MovementReason.RESERVE).exists()


def test_external_ids_and_codes_are_trimmed_so_padded_repeats_are_one_order(stocked, make_draft):
    first = order_intake(draft=make_draft([("A001", 1)]))
    external_id = first.order.sources.get().external_id
    padded = dataclasses.replace(make_draft([(" A001 ", 1)]), external_id=f"  {external_id}\t")
    again = order_intake(draft=padded)
    assert again.created is False and again.order.pk == first.order.pk
    fresh = order_intake(draft=make_draft([(" A001 ", 1)]))
    assert fresh.order.lines.get().sku_code == "A001" and fresh.order.status == OrderStatus.PENDING_REVIEW


def test_a_discount_larger_than_the_order_leaves_nothing_to_pay_not_a_negative_amount(stocked, make_draft):
    draft = dataclasses.replace(make_draft([("A001", 1)]), discount_amount=Decimal("100000.00"))
    assert order_intake(draft=draft).order.paid_amount == Decimal("0.00")
