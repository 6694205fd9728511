"""The order state machine, driven through ``orders.services`` only."""

import re

import pytest
from django.db import transaction
from django_fsm import ConcurrentTransition

from inventory.models import MovementReason, StockLevel, StockMovement
from orders.models import Order, OrderEvent
from orders.services import (
    OrderActionRefused,
    order_approve,
    order_cancel,
    order_complete,
    order_deliver,
    order_hold,
    order_mark_paid,
    order_pack,
    order_release_hold,
    order_ship,
    order_start_picking,
    order_stop_picking,
)
from orders.states import HoldReason, OrderStatus
from tests.fixtures.ledger import assert_ledger_matches, stock_snapshot

S = OrderStatus

#: (status the order is in, action, status it must end in). Written out by hand on purpose, so a
#: change to the model's transitions shows up here as a failure rather than being copied.
ALLOWED = [
    (S.PENDING_PAYMENT, "pay", S.PENDING_REVIEW),
    (S.PENDING_REVIEW, "approve", S.READY),
    (S.PENDING_PAYMENT, "hold", S.ON_HOLD),
    (S.PENDING_REVIEW, "hold", S.ON_HOLD),
    (S.READY, "hold", S.ON_HOLD),
    (S.PICKING, "hold", S.ON_HOLD),
    (S.ON_HOLD, "release_hold", S.PENDING_REVIEW),
    (S.READY, "start_picking", S.PICKING),
    (S.PICKING, "stop_picking", S.READY),
    (S.PICKING, "pack", S.PACKED),
    (S.PACKED, "ship", S.SHIPPED),
    (S.SHIPPED, "deliver", S.DELIVERED),
    (S.SHIPPED, "complete", S.COMPLETED),
    (S.DELIVERED, "complete", S.COMPLETED),
    (S.PENDING_PAYMENT, "cancel", S.CANCELLED),
    (S.PENDING_REVIEW, "cancel", S.CANCELLED),
    (S.ON_HOLD, "cancel", S.CANCELLED),
    (S.READY, "cancel", S.CANCELLED),
    (S.PICKING, "cancel", S.CANCELLED),
]
ACTIONS = ["pay", "approve", "hold", "release_hold", "start_picking", "stop_picking", "pack", "ship", "deliver", "complete", "cancel"]
REFUSED = [
    (status, action)
    for status in S.values
    for action in ACTIONS
    if not any(status == allowed_from and action == name for allowed_from, name, _ in ALLOWED)
]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def act(action: str, order: Order, *, actor=None, note: str = "") -> Order:
    """Call the service for ``action`` with everything it needs."""
    if action == "hold":
        return order_hold(order=order, actor=actor, reason=HoldReason.BUYER_REQUEST, note=note)
    if action == "ship":
        return order_ship(order=order, actor=actor, carrier="ZTO", tracking_number="ZT7700123", note=note)
    service = {
        "pay": order_mark_paid,
        "approve": order_approve,
        "release_hold": order_release_hold,
        "start_picking": order_start_picking,
        "stop_picking": order_stop_picking,
        "pack": order_pack,
        "deliver": order_deliver,
        "complete": order_complete,
        "cancel": order_cancel,
    }[action]
    return service(order=order, actor=actor, note=note)


def _stock(order: Order) -> dict[str, tuple[int, int]]:
    """{sku code: (on_hand, reserved)} for the stock rows the order's lines point at."""
    levels = StockLevel.objects.filter(pk__in=order.lines.values("stock_level")).select_related("sku")
    return {level.sku.code: (level.on_hand, level.reserved) for level in levels}


def _expected_stock(action: str, before: dict[str, tuple[int, int]], order: Order) -> dict[str, tuple[int, int]]:
    quantities = {line.sku_code: line.quantity for line in order.lines.all()}
    if action == "ship":
        return {code: (on_hand - quantities[code], reserved - quantities[code]) for code, (on_hand, reserved) in before.items()}
    if action == "cancel":
        return {code: (on_hand, reserved - quantities[code]) for code, (on_hand, reserved) in before.items()}
    return before


@pytest.mark.parametrize(("status", "action", "target"), ALLOWED, ids=[f"{s}-{a}" for s, a, _ in ALLOWED])
def test_allowed_transition_writes_one_event_and_its_stock_effect(order_in_state, ops_user, status, action, target):
    order = order_in_state(status)
    stock_before = _stock(order)
    if status in (S.SHIPPED, S.DELIVERED):
        assert stock_before == {"A001": (98, 0), "A002": (99, 0)}  # already left the warehouse
    else:
        assert stock_before == {"A001": (100, 2), "A002": (100, 1)}  # reserved at intake, in one warehouse
    events_before = list(order.events.values_list("pk", flat=True))

    returned = act(action, order, actor=ops_user, note=f"{action} 操作备注")

    stored = Order.objects.get(pk=order.pk)
    assert returned.status == stored.status == target
    new_events = list(order.events.exclude(pk__in=events_before))
    assert len(new_events) == 1
    event = new_events[0]
    assert (event.action, event.from_status, event.to_status, event.actor, event.note) == (
        action, status, target, ops_user, f"{action} 操作备注",
    )
    assert _stock(stored) == _expected_stock(action, stock_before, stored)
    assert_ledger_matches()


def test_release_hold_of_an_unpaid_order_returns_it_to_pending_payment(order_in_state, ops_user):
    order = order_in_state(S.ON_HOLD, paid=False)
    stock_before = stock_snapshot()
    released = order_release_hold(order=order, actor=ops_user, note="买家确认")
    assert released.status == S.PENDING_PAYMENT
    assert (released.hold_reason, released.hold_note) == ("", "")
    event = order.events.latest("id")
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "release_hold", S.ON_HOLD, S.PENDING_PAYMENT, ops_user,
    )
    assert stock_snapshot() == stock_before  # its reservation was kept while on hold


def test_release_hold_of_a_paid_order_keeps_its_reservation_and_clears_the_reason(order_in_state):
    order = order_in_state(S.ON_HOLD)
    assert (order.hold_reason, order.hold_note) == (HoldReason.MANUAL, "买家来电要求暂缓发货")
    stock_before = stock_snapshot()
    released = order_release_hold(order=order)
    assert released.status == S.PENDING_REVIEW
    assert (released.hold_reason, released.hold_note) == ("", "")
    assert stock_snapshot() == stock_before


@pytest.mark.parametrize(("status", "action"), REFUSED, ids=[f"{s}-{a}" for s, a in REFUSED])
def test_refused_transition_raises_in_chinese_and_changes_nothing(order_in_state, ops_user, status, action):
    order = order_in_state(status)
    stock_before = stock_snapshot()
    events_before = order.events.count()

    with pytest.raises(OrderActionRefused) as refused:
        act(action, order, actor=ops_user, note="不该生效")

    assert refused.value.code == "transition_not_allowed"
    message = refused.value.message
    assert CHINESE.search(message) and "不能" in message, message
    assert order.number in message and str(order.get_status_display()) in message
    stored = Order.objects.get(pk=order.pk)
    assert stored.status == status
    assert (stored.carrier, stored.tracking_number, stored.hold_reason, stored.updated_at) == (
        order.carrier, order.tracking_number, order.hold_reason, order.updated_at,
    )
    assert order.events.count() == events_before
    assert stock_snapshot() == stock_before


def test_refused_examples_from_the_issue(order_in_state):
    """Spelled out: approve an unpaid order, ship a ready one, cancel a shipped one."""
    unpaid, ready, shipped = order_in_state(S.PENDING_PAYMENT), order_in_state(S.READY), order_in_state(S.SHIPPED)
    with pytest.raises(OrderActionRefused, match="待付款.*不能审核"):
        order_approve(order=unpaid)
    with pytest.raises(OrderActionRefused, match="待拣货.*不能发货"):
        order_ship(order=ready, carrier="SF", tracking_number="SF1")
    with pytest.raises(OrderActionRefused, match="已发货.*不能取消"):
        order_cancel(order=shipped)
    assert [Order.objects.get(pk=o.pk).status for o in (unpaid, ready, shipped)] == [S.PENDING_PAYMENT, S.READY, S.SHIPPED]


def test_status_cannot_be_assigned_directly(order_in_state):
    order = order_in_state(S.PENDING_REVIEW)
    with pytest.raises(AttributeError):
        order.status = S.SHIPPED
    assert order.status == S.PENDING_REVIEW
    assert Order.objects.get(pk=order.pk).status == S.PENDING_REVIEW


def test_pay_records_when_it_was_paid(order_in_state):
    order = order_in_state(S.PENDING_PAYMENT)
    assert order.paid_at is None
    paid = order_mark_paid(order=order.pk)  # the services take an id as well as an order
    assert paid.paid_at is not None
    assert Order.objects.get(pk=order.pk).paid_at == paid.paid_at


def test_ship_stores_carrier_and_tracking_and_consumes_the_reservation(order_in_state):
    order = order_in_state(S.PACKED)
    shipped = order_ship(order=order, carrier=" SF ", tracking_number=" SF1234567890 ")
    stored = Order.objects.get(pk=order.pk)
    assert (stored.carrier, stored.tracking_number) == ("SF", "SF1234567890")
    assert shipped.events.latest("id").data == {"carrier": "SF", "tracking_number": "SF1234567890"}
    assert list(stored.lines.values_list("reserved_quantity", flat=True)) == [0, 0]
    movements = StockMovement.objects.filter(reference=order.number).order_by("id")
    assert [m.reason for m in movements] == [MovementReason.RESERVE] * 2 + [MovementReason.SHIP] * 2
    assert_ledger_matches()


@pytest.mark.parametrize(("carrier", "tracking"), [("", "SF1"), ("SF", ""), ("  ", "SF1"), ("SF", "   ")])
def test_ship_without_carrier_and_tracking_is_refused(order_in_state, carrier, tracking):
    order = order_in_state(S.PACKED)
    stock_before = stock_snapshot()
    with pytest.raises(OrderActionRefused) as refused:
        order_ship(order=order, carrier=carrier, tracking_number=tracking)
    assert refused.value.code == "tracking_required" and CHINESE.search(refused.value.message)
    assert Order.objects.get(pk=order.pk).status == S.PACKED
    assert not order.events.filter(action="ship").exists()
    assert stock_snapshot() == stock_before


def test_hold_records_reason_and_note(order_in_state, ops_user):
    order = order_in_state(S.READY)
    held = order_hold(order=order, actor=ops_user, reason=HoldReason.ADDRESS_CHANGE, note="买家要改地址")
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.hold_reason, stored.hold_note) == (S.ON_HOLD, HoldReason.ADDRESS_CHANGE, "买家要改地址")
    assert held.events.latest("id").data == {"reason": HoldReason.ADDRESS_CHANGE}


@pytest.mark.parametrize(
    ("reason", "note", "code"),
    [(HoldReason.MANUAL, "", "note_required"), (HoldReason.MANUAL, "  ", "note_required"), ("whim", "因为", "invalid_reason")],
)
def test_hold_with_a_bad_reason_is_refused(order_in_state, reason, note, code):
    order = order_in_state(S.PENDING_REVIEW)
    with pytest.raises(OrderActionRefused) as refused:
        order_hold(order=order, reason=reason, note=note)
    assert refused.value.code == code and CHINESE.search(refused.value.message)
    assert Order.objects.get(pk=order.pk).status == S.PENDING_REVIEW
    assert order.events.count() == 1


@pytest.mark.parametrize("status", [S.PENDING_PAYMENT, S.PENDING_REVIEW, S.ON_HOLD, S.READY, S.PICKING])
def test_cancel_gives_back_exactly_what_was_reserved(order_in_state, status):
    order = order_in_state(status)
    cancelled = order_cancel(order=order, note="买家取消")
    assert cancelled.events.latest("id").data == {"released": {"A001": 2, "A002": 1}}
    assert list(Order.objects.get(pk=order.pk).lines.values_list("reserved_quantity", flat=True)) == [0, 0]
    assert StockLevel.objects.filter(reserved__gt=0).count() == 0
    reasons = list(StockMovement.objects.filter(reference=order.number).order_by("id").values_list("reason", flat=True))
    assert reasons == [MovementReason.RESERVE] * 2 + [MovementReason.RELEASE] * 2
    assert_ledger_matches()


def test_transition_and_its_event_commit_together(order_in_state, monkeypatch):
    """If the event cannot be written, the transition and its stock effect are rolled back too."""
    order = order_in_state(S.READY)
    stock_before = stock_snapshot()

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("event table unavailable")

    monkeypatch.setattr(OrderEvent, "save", broken_save)
    with pytest.raises(RuntimeError):
        order_cancel(order=order)
    monkeypatch.undo()

    stored = Order.objects.get(pk=order.pk)
    assert stored.status == S.READY
    assert list(stored.lines.values_list("reserved_quantity", flat=True)) == [2, 1]
    assert stock_snapshot() == stock_before
    assert_ledger_matches()


def test_stale_copies_cannot_both_transition(order_in_state):
    """ConcurrentTransitionMixin: the second save from a stale copy is refused, not a lost update."""
    order = order_in_state(S.PENDING_REVIEW)
    first, second = Order.objects.get(pk=order.pk), Order.objects.get(pk=order.pk)
    with transaction.atomic():
        first.approve()
        first.save()
    second.cancel()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        second.save()
    assert Order.objects.get(pk=order.pk).status == S.READY


def test_service_refuses_when_the_order_changed_under_it(order_in_state, monkeypatch):
    """A writer that slipped past the row lock makes the service refuse, and roll back, instead of
    overwriting: simulated by changing the status between the service's check and its save."""
    import orders.services.lifecycle as lifecycle

    order = order_in_state(S.PENDING_REVIEW)
    stock_before = stock_snapshot()
    real_release = lifecycle.stock_release

    def release_then_interfere(**kwargs):
        real_release(**kwargs)
        Order.objects.filter(pk=order.pk).update(status=S.READY)

    monkeypatch.setattr(lifecycle, "stock_release", release_then_interfere)
    with pytest.raises(OrderActionRefused) as refused:
        order_cancel(order=order)
    assert refused.value.code == "concurrent_change" and CHINESE.search(refused.value.message)
    assert Order.objects.get(pk=order.pk).status == S.PENDING_REVIEW
    assert order.events.count() == 1
    assert stock_snapshot() == stock_before


def test_a_held_unpaid_order_can_be_paid_and_stays_held_until_released(order_in_state):
    held = order_in_state(S.ON_HOLD, paid=False)
    paid = order_mark_paid(order=held, note="平台通知已付款")
    assert (paid.status, paid.paid_at is not None) == (S.ON_HOLD, True)
    assert paid.events.latest("id").action == "pay"
    with pytest.raises(OrderActionRefused):
        order_mark_paid(order=held)  # paying twice is refused
    assert order_release_hold(order=held).status == S.PENDING_REVIEW


def test_an_over_long_note_is_refused_before_anything_changes(order_in_state):
    order = order_in_state(S.PENDING_REVIEW)
    with pytest.raises(OrderActionRefused) as refused:
        order_approve(order=order, note="备" * 501)
    assert refused.value.code == "note_too_long" and CHINESE.search(refused.value.message)
    assert Order.objects.get(pk=order.pk).status == S.PENDING_REVIEW
    assert order_approve(order=order, note="备" * 500).status == S.READY
