"""One hand-tuned statement per job, shared by the single and the batch intake: the dedup lookup,
the customer upsert and the reservation UPDATE, each also past the database's parameter limit
(SQLite's 999, where they run in slices)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import MovementReason, Sku, StockLevel, StockMovement
from inventory.services import InsufficientStock, StockLine, stock_receive, stock_reserve_many
from orders.models import Customer
from orders.selectors import taken_orders
from orders.services import order_intake
from orders.services.customers import customer_phone, customers_upsert
from tests.fixtures.ledger import assert_ledger_matches, stock_snapshot

MANY = 1200  # more than one slice under SQLite's 999 parameters


def test_the_dedup_lookup_answers_for_a_channel_and_many_platform_orders(place_order, taobao_channel, jd_channel):
    first, second = place_order(), place_order()
    ids = [f"X{i}" for i in range(MANY)] + [s.external_id for o in (first, second) for s in o.sources.all()]

    taken = taken_orders(channel=taobao_channel.code, external_ids=ids)

    assert (taken.channel_id, taken.active) == (taobao_channel.pk, True)
    assert set(taken.orders.values()) == {(first.pk, first.number), (second.pk, second.number)}
    assert taken_orders(channel=jd_channel.code, external_ids=ids).orders == {}  # per channel
    assert taken_orders(channel="nowhere", external_ids=ids) is None


def test_the_customer_upsert_returns_every_buyer_new_or_known(db):
    known = Customer.objects.create(name="老客", phone="13900000000")
    buyers = {f"139{i:08d}": f"买家{i}" for i in range(MANY)}

    ids = customers_upsert(buyers)

    assert len(ids) == MANY and ids["13900000000"] == known.pk
    assert Customer.objects.count() == MANY
    assert Customer.objects.get(pk=known.pk).name == "老客"  # the first name seen is kept


@pytest.mark.parametrize("phone", ["138****1234", "17098765432-5678", "", "  "])
def test_masked_or_missing_phones_make_no_customer(stocked, make_draft, phone):
    assert customer_phone("王小明", phone) is None and customer_phone("王小明", "1" * 33) is None
    order = order_intake(draft=make_draft([("A001", 1)], phone=phone)).order
    assert order.customer_id is None and not Customer.objects.exists()


def test_the_single_intake_upserts_its_buyer_in_one_statement(stocked, make_draft):
    with CaptureQueriesContext(connection) as queries:
        order_intake(draft=make_draft([("A001", 1)], phone="13700000001"))
    upserts = [q["sql"] for q in queries.captured_queries if "ON CONFLICT (phone)" in q["sql"]]
    assert len(upserts) == 1 and Customer.objects.get().phone == "13700000001"


@pytest.fixture
def wide_catalog(db, warehouse_hz):
    """250 SKUs with 5 units each in Hangzhou: a reservation over more rows than one slice."""
    levels = []
    for i in range(250):
        sku = Sku.objects.create(code=f"W{i:03d}", name=f"商品{i}")
        levels.append(stock_receive(sku=sku, warehouse=warehouse_hz, quantity=5))
    return levels


def test_a_batch_reservation_past_one_slice_is_all_or_nothing(wide_catalog):
    stock = stock_snapshot()
    short_last = [("SO-1", [StockLine(level.pk, 1) for level in wide_catalog[:-1]]),
                  ("SO-2", [StockLine(wide_catalog[-1].pk, 6)])]

    with pytest.raises(InsufficientStock):
        stock_reserve_many(reservations=short_last)
    assert stock_snapshot() == stock

    stock_reserve_many(reservations=[("SO-3", [StockLine(level.pk, 5) for level in wide_catalog])])
    assert set(StockLevel.objects.values_list("reserved", flat=True)) == {5}
    assert StockMovement.objects.filter(reason=MovementReason.RESERVE, reference="SO-3").count() == 250
    assert_ledger_matches()
