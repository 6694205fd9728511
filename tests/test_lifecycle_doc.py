"""docs/LIFECYCLE.md is generated from the state machine and must match it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orders.management.commands.lifecycle_graph import DEFAULT_PATH, render, transitions
from orders.models import Order
from orders.states import OrderStatus


def test_committed_doc_is_current():
    assert DEFAULT_PATH.read_text(encoding="utf-8") == render(), (
        "docs/LIFECYCLE.md is out of date: run `DEBUG=1 python manage.py lifecycle_graph` and commit it."
    )


def test_check_option(tmp_path):
    stale = tmp_path / "LIFECYCLE.md"
    stale.write_text("old", encoding="utf-8")
    with pytest.raises(CommandError, match="out of date"):
        call_command("lifecycle_graph", "--check", "--output", str(stale))
    call_command("lifecycle_graph", "--output", str(stale), stdout=StringIO())
    call_command("lifecycle_graph", "--check", "--output", str(stale), stdout=StringIO())


def test_every_transition_is_drawn_and_has_a_service():
    text = render()
    fsm = Order._meta.get_field("status").get_all_transitions(Order)
    assert {t.name for t in fsm} == {row["name"] for row in transitions()}
    for row in transitions():
        assert row["service"], f"no service performs Order.{row['name']}"
        assert f"    {row['source']} --> {row['target']}: " in text
    for status in OrderStatus:
        assert f'state "{status.label} {status.value}" as {status.value}' in text
    assert "completed --> [*]" in text and "cancelled --> [*]" in text
