"""``order_intake_batch`` writes exactly the rows ``order_intake`` writes for the same drafts."""

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from inventory.models import StockLevel, StockMovement
from orders.drafts import DraftInvalid, Recipient
from orders.models import Customer, Order, OrderEvent, OrderLine, OrderSource
from orders.services import order_intake
from orders.services.batch import order_intake_batch
from tests.fixtures.catalog import build_draft

AT = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _snapshot() -> dict:
    """Every row the intake writes, without ids and database timestamps (orders by number)."""
    number = dict(Order.objects.values_list("pk", "number"))
    phone = dict(Customer.objects.values_list("pk", "phone"))
    skip = {"id", "created_at", "updated_at", "customer"}
    orders = sorted(
        tuple((f.name, getattr(o, f.attname)) for f in Order._meta.concrete_fields if f.name not in skip)
        + (("customer", phone.get(o.customer_id)),)
        for o in Order.objects.all()
    )
    return {
        "orders": orders,
        "lines": sorted(
            (number[r[0]], *r[1:])
            for r in OrderLine.objects.values_list(
                "order_id",
                "id",
                "sku_id",
                "sku_code",
                "title",
                "quantity",
                "unit_price",
                "warehouse_id",
                "stock_level_id",
                "reserved_quantity",
                "gift",
            )
        ),
        "sources": sorted(
            (number[o], c, e)
            for o, c, e in OrderSource.objects.values_list("order_id", "channel_id", "external_id")
        ),
        "events": sorted(
            (number[o], a, f, t, u, n, repr(sorted(d.items())))
            for o, a, f, t, u, n, d in OrderEvent.objects.values_list(
                "order_id", "action", "from_status", "to_status", "actor_id", "note", "data"
            )
        ),
        "movements": sorted(
            StockMovement.objects.exclude(reference="opening").values_list(
                "stock_level_id", "delta_on_hand", "delta_reserved", "reason", "note", "reference", "actor_id"
            )
        ),
        "stock": sorted(StockLevel.objects.values_list("id", "on_hand", "reserved")),
        "customers": sorted(Customer.objects.values_list("name", "phone")),
    }


def _lines_ids_dropped(snapshot: dict) -> dict:
    # Line ids differ between runs; their order within an order is what matters.
    snapshot["lines"] = [(row[0], *row[2:]) for row in snapshot["lines"]]
    return snapshot


@pytest.fixture
def varied_drafts(taobao_channel, stocked, hot_sku, ops_user):
    """Paid and unpaid, several lines, an unknown SKU, a half address, a masked phone, gift lines
    not shipped, one buyer twice, a hot SKU that runs out half way, a repeat inside the batch and
    one taken in before."""

    def draft(i, lines, **kwargs):
        d = build_draft(taobao_channel, lines, external_id=f"B{i:04d}", **kwargs)
        return replace(d, placed_at=AT, paid_at=AT if d.paid else None, data={"n": i})

    drafts = [
        draft(1, [("A001", 2), ("A002", 1)]),
        draft(2, [("A003", 1)], paid=False, province="广东省", city="深圳市"),
        draft(3, [("NOPE-1", 1), ("A001", 1)]),
        draft(4, [("A004", 1)], street=""),
        draft(5, [("A005", 3)], phone="138****6789"),
        draft(6, [("A001", 1)], phone="13812341234"),
        draft(7, [("A002", 1), ("GIFT-CUP", 1)], phone="17098765432-5678"),  # a gift not shipped, a virtual number
        draft(8, [("GIFT-ONLY", 2)]),  # nothing to ship at all
    ]
    drafts[6] = replace(drafts[6], lines=(drafts[6].lines[0], replace(drafts[6].lines[1], gift="not_shipped")))
    drafts[7] = replace(drafts[7], lines=(replace(drafts[7].lines[0], gift="not_shipped"),))
    drafts += [draft(10 + i, [("HOT-1", 30)], province="四川省", city="成都市") for i in range(5)]
    drafts.append(drafts[0])
    drafts.append(
        replace(
            drafts[1],
            recipient=Recipient(
                name="另一个", phone="13900000000", province="浙江省", city="杭州市", street="x"
            ),
        )
    )
    earlier = draft(99, [("A002", 1)])
    order_intake(draft=earlier, actor=ops_user)
    drafts.append(earlier)
    return drafts


def test_batch_writes_the_same_rows_as_one_by_one(varied_drafts, ops_user):
    with transaction.atomic():
        singles = [order_intake(draft=d, actor=ops_user) for d in varied_drafts]
        one_by_one = _lines_ids_dropped(_snapshot())
        transaction.set_rollback(True)
    with transaction.atomic():
        results = order_intake_batch(drafts=varied_drafts, actor=ops_user)
        batched = _lines_ids_dropped(_snapshot())
        transaction.set_rollback(True)
    for key in one_by_one:
        assert batched[key] == one_by_one[key], key
    assert [r.created for r in results] == [s.created for s in singles]
    assert [r.number for r in results] == [s.order.number for s in singles]
    statuses = {row[0][1]: dict(row)["status"] for row in one_by_one["orders"]}
    assert "on_hold" in statuses.values() and "pending_review" in statuses.values()


def test_batch_repeat_creates_nothing(varied_drafts, ops_user):
    order_intake_batch(drafts=varied_drafts, actor=ops_user)
    before = Order.objects.count()
    again = order_intake_batch(drafts=varied_drafts, actor=ops_user)
    assert Order.objects.count() == before
    assert not any(r.created for r in again)


def test_batch_refuses_a_bad_draft_and_writes_nothing(taobao_channel, stocked):
    good = build_draft(taobao_channel, [("A001", 1)])
    bad = replace(build_draft(taobao_channel, [("A001", 1)]), external_id="")
    with pytest.raises(DraftInvalid) as caught:
        order_intake_batch(drafts=[good, bad])
    assert "[1].external_id" in caught.value.errors
    assert not Order.objects.exists()


def test_batch_falls_back_when_the_stock_moved_under_it(taobao_channel, hot_sku, monkeypatch):
    """A concurrent change empties the row the plan counted on: the batch rolls back whole and the
    drafts go one by one through ``order_intake``; nothing is over-reserved, every order is in."""
    from orders.services import batch

    drafts = [build_draft(taobao_channel, [("HOT-1", 60)]), build_draft(taobao_channel, [("HOT-1", 40)])]
    real, calls = batch.stock_reserve_many, []

    def racing(**kwargs):
        calls.append(kwargs)
        StockLevel.objects.filter(sku=hot_sku).update(reserved=50)  # rolled back with the batch
        return real(**kwargs)

    monkeypatch.setattr(batch, "stock_reserve_many", racing)
    results = order_intake_batch(drafts=drafts)
    assert len(calls) == 1
    assert all(r.created for r in results)
    level = StockLevel.objects.get(sku=hot_sku)
    assert level.reserved == 100
    assert (
        sum(StockMovement.objects.filter(stock_level=level).values_list("delta_reserved", flat=True)) == 100
    )
    assert list(Order.objects.values_list("status", flat=True)) == ["pending_review", "pending_review"]
