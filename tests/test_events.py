"""Order events, typed: every action is an ``EventAction``, built by one function, read by constant."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from orders.events import EventAction, order_event, order_event_record
from orders.models import OrderEvent, event_actions
from orders.services import (
    order_change_address,
    order_clear_exception,
    order_flag_exception,
    order_hold,
    order_intake,
    order_release_hold,
)
from orders.states import ExceptionReason, OrderStatus

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "inventory", "orders", "channels", "warehouse", "oms")


def _app_sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path, path.read_text(encoding="utf-8")


def test_every_event_the_services_write_is_a_typed_action(place_order, stocked, make_draft, ops_user):
    order = place_order()
    order_change_address(order=order, address={"street": "文一路 1 号"}, actor=ops_user)
    order_flag_exception(order=order, reason=ExceptionReason.OTHER, note="买家来电")
    order_clear_exception(order=order, note="已回电")
    order_hold(order=order, note="暂缓", actor=ops_user)
    order_release_hold(order=order, actor=ops_user)
    order_intake(draft=make_draft([("NOPE-1", 1)]))

    written = set(OrderEvent.objects.values_list("action", flat=True))
    assert written == {
        EventAction.CREATED, EventAction.CHANGE_ADDRESS, EventAction.FLAG_EXCEPTION,
        EventAction.CLEAR_EXCEPTION, EventAction.HOLD, EventAction.RELEASE_HOLD,
    }
    assert written <= set(EventAction.values)


def test_the_event_log_shows_each_action_by_its_chinese_label_and_english_too(place_order):
    event = place_order().events.get()
    assert event.action == EventAction.CREATED and event.get_action_display() == "接单"
    with translation.override("en"):
        assert event.get_action_display() != "接单"
        assert EventAction.SHIP.label != "发货"


def test_an_action_that_is_not_an_event_action_is_refused_before_anything_is_written(place_order):
    order = place_order()
    with pytest.raises(ValueError):
        order_event_record(order=order, action="shipped_by_magic")
    assert list(order.events.values_list("action", flat=True)) == [EventAction.CREATED]


def test_a_new_action_needs_no_migration():
    """The column reads its choices from ``EventAction`` when asked: the migration stores the
    function, not the list, so a floor step adding an action adds one line and no migration."""
    _name, _path, _args, kwargs = OrderEvent._meta.get_field("action").deconstruct()
    assert kwargs["choices"] is event_actions
    assert list(event_actions()) == list(EventAction.choices)


def test_order_event_fills_the_statuses_from_the_order(place_order):
    order = place_order()
    note_only = order_event(order=order, action=EventAction.HOLD_REASON, note="x")
    created = order_event(order=order, action=EventAction.CREATED, from_status="")
    assert (note_only.from_status, note_only.to_status) == (OrderStatus.PENDING_REVIEW, OrderStatus.PENDING_REVIEW)
    assert (created.from_status, created.to_status) == ("", OrderStatus.PENDING_REVIEW)
    assert note_only.pk is None  # built, not written


def test_events_are_built_in_one_place_only():
    """No app code builds or creates an ``OrderEvent`` except ``orders/events.py``."""
    builders = re.compile(r"(?<!class )OrderEvent\(|OrderEvent\.objects\.(create|bulk_create|get_or_create|update_or_create)\b")
    found = [
        str(path.relative_to(ROOT))
        for path, text in _app_sources()
        if builders.search(text) and path != ROOT / "orders" / "events.py"
    ]
    assert found == []


def test_no_app_code_names_an_event_action_by_a_string_literal():
    """Readers and writers use ``EventAction`` (``action="ship"`` would drift silently). The
    platform simulator is left out: its "pay" and "ship" are what a buyer and a platform do."""
    literal = re.compile(r"""action(?:__in|__exact)?\s*(?:=|==)\s*["'](\w+)["']""")
    simulator = ROOT / "channels" / "simulator"
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path, text in _app_sources()
        for match in literal.finditer(text)
        if match.group(1) in EventAction.values and simulator not in path.parents
    ]
    assert found == []
