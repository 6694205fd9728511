"""A leader's orders: submitted through the intake to the leader's station, limits, double
submits, changes and cancellations until the cutoff, and nothing after it."""

import pytest
import time_machine

from channels.groupbuy.models import CampaignOrder
from channels.models import InboxMessage, InboxSource, InboxStatus
from channels.services.leader_orders import LeaderRefused, leader_order_cancel, leader_order_change
from inventory.models import StockLevel
from orders.events import EventAction
from orders.models import Order
from orders.states import HoldReason, OrderStatus
from tests.fixtures.groupbuy import item_ids, local, photo_bytes
from tests.fixtures.ledger import assert_ledger_matches

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ten_in_the_morning():
    with time_machine.travel(local(10), tick=False):
        yield


def test_a_household_order_goes_to_the_leaders_station_reserved_in_its_warehouse(
    submit, leader_a, campaign, warehouse_hz
):
    result = submit(leader_a, campaign, {"A001": 2, "A003": 1}, name="张阿姨", phone="13912345678", note="放门口")

    assert result.created
    order = Order.objects.get(pk=result.link.order_id)
    assert (order.status, order.station, order.warehouse) == (OrderStatus.PENDING_REVIEW, leader_a.station, warehouse_hz)
    assert (order.recipient_name, order.phone, order.buyer_note) == ("张阿姨", "13912345678", "放门口")
    assert order.street == leader_a.station.street and order.is_paid
    assert order.channel.code == "groupbuy" and str(order.goods_amount) == "44.80"
    assert sorted((ln.sku_code, ln.quantity, ln.reserved_quantity) for ln in order.lines.all()) == [
        ("A001", 2, 2), ("A003", 1, 1)
    ]
    link = result.link
    assert link.leader == leader_a and link.campaign == campaign and link.photo.name.endswith(".jpg")
    message = InboxMessage.objects.get(source=InboxSource.LEADER)
    assert (message.status, message.order_id, message.external_id) == (InboxStatus.PROCESSED, order.pk, link.token)
    assert '"张阿姨"' in message.body  # the form as sent, kept raw
    assert_ledger_matches()


def test_a_station_order_waits_for_its_own_warehouse_rather_than_take_another(
    submit, make_leader, station_gz, campaign, warehouse_gz
):
    """Guangzhou's station: only 广州仓 may serve it, even where 杭州仓 has the goods."""
    StockLevel.objects.filter(warehouse=warehouse_gz, sku__code="A003").update(on_hand=0)
    leader = make_leader("leader_gz", station_gz)

    order = submit(leader, campaign, {"A003": 1}).link.order

    assert order.status == OrderStatus.ON_HOLD and order.hold_reason == HoldReason.OUT_OF_STOCK
    assert order.warehouse is None and "广州仓可用 0" in order.hold_note


def test_the_same_form_sent_twice_makes_one_order(submit, leader_a, campaign):
    first = submit(leader_a, campaign, {"A001": 1}, token="form-token-0001", phone="13911112222")
    again = submit(leader_a, campaign, {"A001": 1}, token="form-token-0001", phone="13911112222")

    assert first.created and not again.created
    assert again.link.order_id == first.link.order_id
    assert Order.objects.count() == CampaignOrder.objects.count() == 1


def test_another_leader_cannot_reuse_a_token(submit, leader_a, leader_b, campaign):
    submit(leader_a, campaign, {"A001": 1}, token="form-token-0002")

    with pytest.raises(LeaderRefused) as refused:
        submit(leader_b, campaign, {"A001": 1}, token="form-token-0002")

    assert refused.value.code == "bad_token"
    assert Order.objects.count() == 1


def test_limits_total_and_per_household(submit, leader_a, leader_b, campaign):
    submit(leader_a, campaign, {"A002": 2}, phone="13900000011")
    with pytest.raises(LeaderRefused, match="每户限购 2 件，这户已订 2 件"):
        submit(leader_b, campaign, {"A002": 1}, phone="13900000011")  # same household, another leader
    with pytest.raises(LeaderRefused, match="每户限购 2 件"):
        submit(leader_a, campaign, {"A002": 3}, phone="13900000012")
    submit(leader_b, campaign, {"A002": 2}, phone="13900000013")
    with pytest.raises(LeaderRefused, match="只剩 1 件") as refused:
        submit(leader_a, campaign, {"A002": 2}, phone="13900000014")
    assert refused.value.code == "sold_out"
    submit(leader_a, campaign, {"A002": 1}, phone="13900000014")
    with pytest.raises(LeaderRefused, match="已售罄"):
        submit(leader_a, campaign, {"A002": 1}, phone="13900000015")

    assert Order.objects.count() == 3
    refused_messages = InboxMessage.objects.filter(source=InboxSource.LEADER, status=InboxStatus.IGNORED)
    # The 3-unit one never got past the form check: nothing stored for it.
    assert refused_messages.count() == 3 and refused_messages.filter(error__contains="已售罄").exists()


def test_a_cancelled_order_gives_its_limited_units_back(submit, leader_a, campaign):
    orders = [submit(leader_a, campaign, {"A002": 2}, phone=f"1390000002{i}").link.order_id for i in range(2)]
    submit(leader_a, campaign, {"A002": 1}, phone="13900000029")
    with pytest.raises(LeaderRefused, match="已售罄"):
        submit(leader_a, campaign, {"A002": 1}, phone="13900000030")

    leader_order_cancel(leader=leader_a, order_id=orders[0])

    submit(leader_a, campaign, {"A002": 2}, phone="13900000030")
    assert Order.objects.get(pk=orders[0]).status == OrderStatus.CANCELLED


@pytest.mark.parametrize(
    ("wanted", "code"),
    [({}, "no_items"), ({"A001": 0}, "no_items"), ({"A001": -1}, "bad_quantity"), ({"A001": 1000}, "bad_quantity")],
)
def test_bad_quantities_are_refused_and_change_nothing(submit, leader_a, campaign, wanted, code):
    with pytest.raises(LeaderRefused) as refused:
        submit(leader_a, campaign, wanted)

    assert refused.value.code == code
    assert not Order.objects.exists() and not InboxMessage.objects.exists()


def test_an_item_of_another_campaign_is_refused(submit, leader_a, campaign):
    from channels.services.leader_orders import Household, leader_order_submit

    with pytest.raises(LeaderRefused, match="不在本期团购中"):
        leader_order_submit(
            leader=leader_a, campaign=campaign, household=Household(name="王", phone="13900000040", quantities={999999: 1}),
            photo=photo_bytes(), token="form-token-0003",
        )
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("photo", "code"),
    [(b"", "bad_photo"), (b"not an image at all", "bad_photo"), (photo_bytes("GIF"), "bad_photo")],
)
def test_a_bad_photo_is_refused_and_changes_nothing(submit, leader_a, campaign, photo, code, media):
    with pytest.raises(LeaderRefused) as refused:
        submit(leader_a, campaign, {"A001": 1}, photo=photo)

    assert refused.value.code == code
    assert not Order.objects.exists() and not InboxMessage.objects.exists()
    assert not any(media.rglob("*.jpg"))


def test_a_bad_phone_is_refused_in_words(submit, leader_a, campaign):
    with pytest.raises(LeaderRefused, match="不能超过"):
        submit(leader_a, campaign, {"A001": 1}, phone="1" * 40)
    assert not Order.objects.exists()


def test_the_leader_changes_quantities_and_the_stock_follows(submit, leader_a, campaign, warehouse_hz):
    order = submit(leader_a, campaign, {"A001": 2, "A002": 1}).link.order
    ids = item_ids(campaign)

    changed = leader_order_change(leader=leader_a, order_id=order.pk, quantities={ids["A001"]: 5, ids["A003"]: 1})

    assert changed.status == OrderStatus.PENDING_REVIEW
    assert sorted((ln.sku_code, ln.quantity, ln.reserved_quantity) for ln in changed.lines.all()) == [
        ("A001", 5, 5), ("A003", 1, 1)
    ]
    assert str(changed.goods_amount) == "74.50" and str(changed.paid_amount) == "74.50"
    levels = dict(StockLevel.objects.filter(warehouse=warehouse_hz).values_list("sku__code", "reserved"))
    assert (levels["A001"], levels["A002"], levels["A003"]) == (5, 0, 1)
    event = changed.events.get(action=EventAction.CHANGE_LINES)
    assert event.data["before"][0]["sku"] == "A001" and event.actor == leader_a.user
    assert_ledger_matches()


def test_a_change_is_held_to_the_limits_without_counting_the_order_twice(submit, leader_a, campaign):
    ids = item_ids(campaign)
    order = submit(leader_a, campaign, {"A002": 2}, phone="13900000050").link.order
    submit(leader_a, campaign, {"A002": 2}, phone="13900000051")

    with pytest.raises(LeaderRefused, match="每户限购 2 件"):
        leader_order_change(leader=leader_a, order_id=order.pk, quantities={ids["A002"]: 3})
    leader_order_change(leader=leader_a, order_id=order.pk, quantities={ids["A002"]: 1})  # lowering is fine
    submit(leader_a, campaign, {"A002": 2}, phone="13900000052")  # 1 + 2 + 2 of 5
    with pytest.raises(LeaderRefused, match="只剩 1 件"):  # its own unit counts as left for it
        leader_order_change(leader=leader_a, order_id=order.pk, quantities={ids["A002"]: 2})


def test_a_leader_cannot_touch_another_leaders_order(submit, leader_a, leader_b, campaign):
    order = submit(leader_a, campaign, {"A001": 1}).link.order
    ids = item_ids(campaign)

    with pytest.raises(LeaderRefused) as change:
        leader_order_change(leader=leader_b, order_id=order.pk, quantities={ids["A001"]: 3})
    with pytest.raises(LeaderRefused) as cancel:
        leader_order_cancel(leader=leader_b, order_id=order.pk)

    assert change.value.code == cancel.value.code == "not_found"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_REVIEW and order.lines.get().quantity == 1


def test_nothing_is_taken_changed_or_cancelled_after_the_cutoff(submit, leader_a, campaign):
    order = submit(leader_a, campaign, {"A001": 1}).link.order
    ids = item_ids(campaign)

    with time_machine.travel(local(20, 0, 0), tick=False):
        with pytest.raises(LeaderRefused, match="已于 11-22 20:00 截单") as late:
            submit(leader_a, campaign, {"A001": 1})
        with pytest.raises(LeaderRefused, match="截单"):
            leader_order_change(leader=leader_a, order_id=order.pk, quantities={ids["A001"]: 2})
        with pytest.raises(LeaderRefused, match="截单"):
            leader_order_cancel(leader=leader_a, order_id=order.pk)

    assert late.value.code == "closed"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_REVIEW and order.lines.get().quantity == 1
    assert Order.objects.count() == 1


def test_one_second_before_the_cutoff_still_counts(submit, leader_a, campaign):
    with time_machine.travel(local(19, 59, 59), tick=False):
        assert submit(leader_a, campaign, {"A001": 1}).created


def test_nothing_is_taken_before_the_campaign_opens(submit, leader_a, campaign):
    campaign.starts_at = local(12)
    campaign.save()

    with pytest.raises(LeaderRefused, match="还没有开团"):
        submit(leader_a, campaign, {"A001": 1})


def test_an_inactive_leader_is_refused(submit, leader_a, campaign):
    leader_a.active = False
    leader_a.save()

    with pytest.raises(LeaderRefused, match="已停用"):
        submit(leader_a, campaign, {"A001": 1})


def test_a_submission_that_failed_stays_in_the_inbox_and_replays(submit, leader_a, campaign, monkeypatch):
    from channels.services import leader_orders
    from channels.services.inbox import inbox_replay

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(leader_orders, "order_intake", broken)
    with pytest.raises(RuntimeError):
        submit(leader_a, campaign, {"A001": 2}, name="周奶奶", phone="13900000777")
    message = InboxMessage.objects.get(source=InboxSource.LEADER)
    assert message.status == InboxStatus.FAILED and "database went away" in message.error
    assert not Order.objects.exists()
    monkeypatch.undo()

    replayed = inbox_replay(message.pk)

    assert replayed.status == InboxStatus.PROCESSED
    order = Order.objects.get()
    assert (order.recipient_name, order.phone, replayed.order_id) == ("周奶奶", "13900000777", order.pk)
    assert CampaignOrder.objects.get().photo.name == json_photo(message)


def json_photo(message) -> str:
    import json

    return json.loads(message.body)["photo"]


def test_a_station_switched_off_is_said_in_words(submit, leader_a, campaign):
    from orders.models import DeliveryStation

    DeliveryStation.objects.filter(pk=leader_a.station_id).update(active=False)
    leader_a.station.refresh_from_db()
    leader_a.station.active = True  # the page loaded the leader before the switch

    with pytest.raises(LeaderRefused, match="自提站点不存在或已停用"):
        submit(leader_a, campaign, {"A001": 1})
    assert not Order.objects.exists()
    assert InboxMessage.objects.get().status == InboxStatus.IGNORED


def test_auto_review_leaves_a_station_order_for_its_cutoff(submit, leader_a, campaign, auto_approve):
    """With auto-review approving everything, a leader's order still waits in 待审核 (the leader may
    change it until the cutoff approves it); an ordinary paid order is approved at once."""
    from orders.services import order_review

    order = submit(leader_a, campaign, {"A001": 1}).link.order
    assert order.status == OrderStatus.PENDING_REVIEW
    assert order_review(order=order).status == OrderStatus.PENDING_REVIEW
    assert not order.events.filter(action=EventAction.REVIEW).exists()
