"""Auto-review (智能审单): each rule kind both ways, the trace, and when orders are reviewed."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from orders.events import EventAction
from orders.flow_models import ListKind, ReviewKind, ReviewOutcome
from orders.models import Order
from orders.privacy import PhonePrivacy
from orders.services import order_hold, order_intake, order_mark_paid, order_release_hold
from orders.services.batch import order_intake_batch
from orders.services.platform import order_close_for_platform
from orders.services.review import order_review
from orders.states import HoldReason, OrderStatus, PlatformStatus

K, OUT = ReviewKind, ReviewOutcome


def _reviewed(order: Order) -> dict:
    return Order.objects.get(pk=order.pk).events.filter(action=EventAction.REVIEW).latest("id").data


# ---- each kind, matching and not matching ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields", "draft", "matches"),
    [
        (K.AMOUNT_ABOVE, {"amount": "30"}, {"price": Decimal("40.00")}, True),
        (K.AMOUNT_ABOVE, {"amount": "30"}, {"price": Decimal("20.00")}, False),
        (K.AMOUNT_BELOW, {"amount": "30"}, {"price": Decimal("20.00")}, True),
        (K.AMOUNT_BELOW, {"amount": "30"}, {"price": Decimal("40.00")}, False),
        (K.ADDRESS, {}, {"province": "浙江省", "city": "杭州市"}, False),
        (K.ADDRESS, {}, {"province": "浙江省", "city": "深圳市"}, True),
        (K.ADDRESS, {}, {"province": "火星", "city": "杭州市"}, True),
    ],
)
def test_rule_kinds_on_the_draft(stocked, make_draft, review_rule, auto_approve, kind, fields, draft, matches):
    review_rule(kind, OUT.HOLD, **fields)
    order = order_intake(draft=make_draft([("A001", 1)], **draft)).order
    assert order.status == (OrderStatus.ON_HOLD if matches else OrderStatus.READY)
    trace = _reviewed(order)
    assert trace["rules"][0]["matched"] is matches
    assert trace["decided_by"] == (trace["rules"][0]["rule"] if matches else None)


def test_municipality_without_a_city_line_resolves(stocked, make_draft, review_rule, auto_approve):
    review_rule(K.ADDRESS, OUT.HOLD)
    for city, district in (("", "浦东新区"), ("上海市", "浦东新区"), ("浦东新区", "张江镇")):
        order = order_intake(draft=make_draft(province="上海", city=city, district=district)).order
        assert order.status == OrderStatus.READY, (city, district)
        assert _reviewed(order)["rules"][0]["saw"]["placed"] == "上海市 上海市 浦东新区"
    wrong = order_intake(draft=make_draft(province="上海", city="", district="西湖区")).order
    assert (wrong.status, wrong.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.REVIEW)
    assert _reviewed(wrong)["rules"][0]["saw"]["problem"] == "district"
    # Outside the 直辖市 a city line is still required (the intake's own check, before any rule).
    assert order_intake(draft=make_draft(province="浙江", city="")).order.hold_reason == HoldReason.BAD_ADDRESS


def test_trusted_customer_both_ways(stocked, make_draft, review_rule, listed, auto_approve):
    review_rule(K.TRUSTED, OUT.APPROVE)
    review_rule(K.AMOUNT_ABOVE, OUT.HOLD, amount="1")  # everyone else is held
    listed(ListKind.TRUSTED, phone="13900001111")
    trusted = order_intake(draft=make_draft(phone="13900001111")).order
    other = order_intake(draft=make_draft(phone="13900002222")).order
    assert trusted.status == OrderStatus.READY
    assert other.status == OrderStatus.ON_HOLD
    assert [r["matched"] for r in _reviewed(trusted)["rules"]] == [True]  # the first match decides
    assert [r["matched"] for r in _reviewed(other)["rules"]] == [False, True]


def test_blacklist_by_phone_and_by_address(stocked, make_draft, review_rule, listed, auto_approve):
    review_rule(K.BLOCKED, OUT.HOLD, hold_reason=HoldReason.RISK, note="黑名单，联系主管")
    listed(ListKind.BLOCKED, phone="13700007777")
    listed(ListKind.BLOCKED, address="杭州市西湖区 文三路 90 号")
    by_phone = order_intake(draft=make_draft(phone="13700007777", street="中山路 1 号")).order
    by_address = order_intake(draft=make_draft(phone="13700008888", street="文三路90号 3幢")).order
    clean = order_intake(draft=make_draft(phone="13700009999", street="中山路 1 号")).order
    assert (by_phone.status, by_phone.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.RISK)
    assert "黑名单，联系主管" in by_phone.hold_note
    assert _reviewed(by_phone)["rules"][0]["saw"]["by"] == "phone"
    assert _reviewed(by_address)["rules"][0]["saw"]["by"] == "address"
    assert clean.status == OrderStatus.READY
    # The trace keeps the phone masked.
    assert "13700007777" not in str(_reviewed(by_phone))


def test_buyer_message_leaves_the_order_for_a_person(stocked, make_draft, review_rule, auto_approve):
    review_rule(K.BUYER_NOTE, OUT.FLAG)
    with_note = order_intake(draft=replace(make_draft(), buyer_note="请周六送，电话 13812345678")).order
    without = order_intake(draft=make_draft()).order
    assert with_note.status == OrderStatus.PENDING_REVIEW
    assert _reviewed(with_note)["outcome"] == OUT.FLAG
    assert without.status == OrderStatus.READY
    assert "13812345678" not in str(_reviewed(with_note))  # the note's phone is masked in the trace


def test_frequent_returns(stocked, make_draft, review_rule, auto_approve):
    review_rule(K.RETURNS, OUT.HOLD, count=2, days=30)
    for _ in range(2):
        refunded = order_intake(draft=make_draft(phone="13600006666")).order
        order_close_for_platform(order=refunded, status=PlatformStatus.REFUNDING)
    assert refunded.events.filter(action=EventAction.REFUND).count() == 1
    returner = order_intake(draft=make_draft(phone="13600006666")).order
    once = order_intake(draft=make_draft(phone="13600005555")).order
    assert returner.status == OrderStatus.ON_HOLD
    assert _reviewed(returner)["rules"][0]["saw"] == {"refunds": 2, "days": 30, "threshold": 2}
    assert once.status == OrderStatus.READY


def test_privacy_number_where_the_shop_requires_the_platform_waybill(
    stocked, make_draft, review_rule, shop_policy, taobao_channel, auto_approve
):
    review_rule(K.PRIVACY_WAYBILL, OUT.HOLD)
    virtual = make_draft(phone="17098765432-5678")
    assert order_intake(draft=virtual).order.status == OrderStatus.READY  # the shop does not require it
    shop_policy(taobao_channel, platform_waybill_required=True)
    held = order_intake(draft=make_draft(phone="17098765432-1234")).order
    plain = order_intake(draft=make_draft(phone="13500005555")).order
    assert held.phone_privacy == PhonePrivacy.VIRTUAL and held.status == OrderStatus.ON_HOLD
    assert plain.status == OrderStatus.READY


def test_rule_limited_to_another_shop_is_skipped(stocked, make_draft, review_rule, jd_channel, auto_approve):
    review_rule(K.AMOUNT_ABOVE, OUT.HOLD, amount="1", channel=jd_channel)
    order = order_intake(draft=make_draft()).order
    assert order.status == OrderStatus.READY
    assert _reviewed(order)["rules"][0]["skipped"] == "channel"


# ---- the trace and the events ------------------------------------------------------------------


def test_trace_names_each_rule_in_order_the_decider_and_what_it_saw(stocked, make_draft, review_rule, auto_approve):
    first = review_rule(K.AMOUNT_BELOW, OUT.APPROVE, amount="5", name="小额直接过")
    second = review_rule(K.AMOUNT_ABOVE, OUT.HOLD, amount="10", name="大额挂起")
    review_rule(K.BUYER_NOTE, OUT.FLAG, name="有留言")
    order = order_intake(draft=make_draft([("A001", 1)], price=Decimal("19.90"))).order
    trace = _reviewed(order)
    assert [(r["rule"], r["name"], r["matched"]) for r in trace["rules"]] == [
        (first.pk, "小额直接过", False), (second.pk, "大额挂起", True),
    ]
    assert trace["decided_by"] == second.pk
    assert trace["rules"][1]["saw"] == {"paid_amount": "19.90", "threshold": "10.00"}
    events = list(Order.objects.get(pk=order.pk).events.order_by("id").values_list("action", "from_status", "to_status"))
    assert events == [
        ("created", "", "pending_review"), ("review", "pending_review", "pending_review"),
        ("hold", "pending_review", "on_hold"),
    ]
    assert order.hold_reason == HoldReason.REVIEW and "大额挂起" in order.hold_note


def test_no_rules_and_manual_default_leave_orders_waiting_without_a_trace(stocked, make_draft):
    order = order_intake(draft=make_draft()).order
    assert order.status == OrderStatus.PENDING_REVIEW
    assert not order.events.filter(action=EventAction.REVIEW).exists()


def test_review_switched_off(stocked, make_draft, review_rule, flow_settings):
    review_rule(K.AMOUNT_ABOVE, OUT.APPROVE, amount="0")
    flow_settings.review_enabled = False
    flow_settings.save()
    assert order_intake(draft=make_draft()).order.status == OrderStatus.PENDING_REVIEW


# ---- when orders are reviewed ------------------------------------------------------------------


def test_payment_reviews_at_once(stocked, make_draft, review_rule, auto_approve):
    review_rule(K.AMOUNT_ABOVE, OUT.HOLD, amount="1000")
    order = order_intake(draft=make_draft(paid=False)).order
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order_mark_paid(order=order).status == OrderStatus.READY
    assert _reviewed(order)["outcome"] == OUT.APPROVE


def test_changing_rules_never_re_reviews_approved_orders(stocked, make_draft, review_rule, auto_approve):
    approved = order_intake(draft=make_draft()).order
    assert approved.status == OrderStatus.READY
    review_rule(K.AMOUNT_ABOVE, OUT.HOLD, amount="1")
    approved.refresh_from_db()
    assert approved.status == OrderStatus.READY
    assert approved.events.filter(action=EventAction.REVIEW).count() == 1


def test_release_re_runs_review(stocked, make_draft, review_rule, listed, auto_approve, ops_user):
    rule = review_rule(K.BLOCKED, OUT.HOLD)
    entry = listed(ListKind.BLOCKED, phone="13400004444")
    held = order_intake(draft=make_draft(phone="13400004444")).order
    assert held.hold_reason == HoldReason.REVIEW
    entry.delete()  # ops took the phone off the list: the release's review approves it
    released = order_release_hold(order=held, actor=ops_user)
    assert released.status == OrderStatus.READY
    assert held.events.filter(action=EventAction.REVIEW).count() == 2
    # Still listed: a person's release leaves it in 待审核 for that person, never held again.
    listed(ListKind.BLOCKED, phone="13400003333")
    again = order_intake(draft=make_draft(phone="13400003333")).order
    kept = order_release_hold(order=again, actor=ops_user)
    assert kept.status == OrderStatus.PENDING_REVIEW
    assert _reviewed(kept)["person_release"] is True
    assert rule.pk == _reviewed(kept)["decided_by"]


def test_automatic_release_is_held_again_by_the_rule(stocked, make_draft, review_rule, listed, auto_approve):
    review_rule(K.BLOCKED, OUT.HOLD)
    listed(ListKind.BLOCKED, phone="13300003333")
    order = order_intake(draft=make_draft(phone="13300003333", paid=False)).order
    order = order_hold(order=order, reason=HoldReason.BUYER_REQUEST, note="暂缓")
    order_mark_paid(order=order)
    released = order_release_hold(order=order, keep_held=True)
    assert (released.status, released.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.REVIEW)


def test_review_again_by_a_person_only_in_review(stocked, make_draft, review_rule, ops_user, flow_settings):
    review_rule(K.BUYER_NOTE, OUT.FLAG)
    order = order_intake(draft=make_draft()).order  # no note: default is "manual": stays waiting
    assert order.status == OrderStatus.PENDING_REVIEW
    flow_settings.review_default = "approve"
    flow_settings.save()
    assert order_review(order=order, actor=ops_user).status == OrderStatus.READY
    from orders.services import OrderActionRefused

    with pytest.raises(OrderActionRefused, match="只有待审核"):
        order_review(order=order, actor=ops_user)


def test_batch_intake_reviews_like_the_single_one(stocked, make_draft, review_rule, listed, auto_approve):
    review_rule(K.BLOCKED, OUT.HOLD)
    review_rule(K.AMOUNT_ABOVE, OUT.FLAG, amount="30")
    listed(ListKind.BLOCKED, phone="13200002222")
    drafts = [
        make_draft(phone="13200002222"),
        make_draft([("A001", 2)], phone="13200003333"),
        make_draft([("A002", 1)], phone="13200004444"),
        make_draft(phone="17011112222-33"),
    ]
    results = order_intake_batch(drafts=drafts)
    statuses = [Order.objects.get(pk=r.order_id).status for r in results]
    assert statuses == [OrderStatus.ON_HOLD, OrderStatus.PENDING_REVIEW, OrderStatus.READY, OrderStatus.READY]
    singles = [order_intake(draft=make_draft(**kw)).order.status for kw in (
        {"phone": "13200002222"}, {"lines": [("A001", 2)], "phone": "13200005555"}, {"lines": [("A002", 1)]},
    )]
    assert singles == statuses[:3]
    for result in results[:3]:
        assert Order.objects.get(pk=result.order_id).events.filter(action=EventAction.REVIEW).count() == 1


def test_refund_counts_only_within_the_window(stocked, make_draft, review_rule, auto_approve):
    import time_machine

    review_rule(K.RETURNS, OUT.HOLD, count=1, days=7)
    with time_machine.travel(timedelta(days=-10), tick=False):
        old = order_intake(draft=make_draft(phone="13100001111")).order
        order_close_for_platform(order=old, status=PlatformStatus.REFUNDING)
    assert order_intake(draft=make_draft(phone="13100001111")).order.status == OrderStatus.READY
    recent = order_intake(draft=make_draft(phone="13100001111")).order
    order_close_for_platform(order=Order.objects.get(pk=recent.pk), status=PlatformStatus.REFUNDING)
    assert order_intake(draft=make_draft(phone="13100001111")).order.status == OrderStatus.ON_HOLD
