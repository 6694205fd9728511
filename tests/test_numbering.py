"""Order numbers: prefix + local (Asia/Shanghai) date + 6-digit daily sequence."""

import re
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from orders.numbering import next_order_number
from orders.services import order_intake

NUMBER = re.compile(r"^SO(\d{8})(\d{6})$")


@pytest.fixture
def clock(monkeypatch):
    """``clock.set(datetime)`` makes ``timezone.now()`` answer that instant."""

    class Clock:
        def set(self, instant: datetime) -> None:
            monkeypatch.setattr(timezone, "now", lambda: instant)

    return Clock()


def _parts(number: str) -> tuple[str, int]:
    match = NUMBER.match(number)
    assert match, f"{number!r} is not SO + yyyymmdd + 6 digits"
    return match.group(1), int(match.group(2))


def test_intake_late_in_the_utc_day_is_numbered_by_the_shanghai_date(clock, stocked, make_draft):
    clock.set(datetime(2026, 11, 22, 17, 0, tzinfo=UTC))  # 2026-11-23 01:00 in Shanghai
    first = order_intake(draft=make_draft()).order
    second = order_intake(draft=make_draft()).order
    assert first.number == "SO20261123000001"
    assert second.number == "SO20261123000002"


def test_the_local_day_ends_at_shanghai_midnight(db):
    last_of_22nd = next_order_number(now=datetime(2026, 11, 22, 15, 59, 59, tzinfo=UTC))
    first_of_23rd = next_order_number(now=datetime(2026, 11, 22, 16, 0, tzinfo=UTC))
    assert _parts(last_of_22nd) == ("20261122", 1)
    assert _parts(first_of_23rd) == ("20261123", 1)


def test_numbers_increase_within_a_day_and_restart_the_next(db):
    day_one = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
    day_two = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    first_day = [next_order_number(now=day_one) for _ in range(3)]
    second_day = [next_order_number(now=day_two) for _ in range(2)]
    late_first_day = next_order_number(now=day_one)
    assert [_parts(n) for n in first_day] == [("20261122", 1), ("20261122", 2), ("20261122", 3)]
    assert [_parts(n) for n in second_day] == [("20261123", 1), ("20261123", 2)]
    assert _parts(late_first_day) == ("20261122", 4)
    assert first_day == sorted(first_day)


def test_number_without_an_explicit_time_uses_today_in_shanghai(clock, db):
    clock.set(datetime(2026, 6, 30, 16, 30, tzinfo=UTC))  # 2026-07-01 00:30 in Shanghai
    assert _parts(next_order_number()) == ("20260701", 1)


def test_the_sequence_runs_past_small_numbers_with_six_digits(db):
    noon = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
    numbers = [next_order_number(now=noon) for _ in range(12)]
    assert numbers[9] == "SO20261122000010"
    assert len(set(numbers)) == 12
    assert all(len(n) == len("SO20261122000010") for n in numbers)


def test_prefix_comes_from_settings(settings, db):
    settings.ORDER_NUMBER_PREFIX = "TB"
    number = next_order_number(now=datetime(2026, 11, 22, 4, 0, tzinfo=UTC))
    assert number == "TB20261122000001"


def test_a_repeat_delivery_does_not_draw_a_number(clock, stocked, make_draft):
    clock.set(datetime(2026, 11, 22, 4, 0, tzinfo=UTC))
    draft = make_draft()
    first = order_intake(draft=draft).order
    repeat = order_intake(draft=draft).order
    following = order_intake(draft=make_draft()).order
    assert repeat.number == first.number == "SO20261122000001"
    assert following.number == "SO20261122000002"


def test_repeat_deliveries_and_refused_channels_draw_no_number(clock, stocked, make_draft):
    from channels.models import Channel, Platform
    from orders.drafts import DraftInvalid

    clock.set(datetime(2026, 11, 22, 4, 0, tzinfo=UTC))
    draft = make_draft()
    first = order_intake(draft=draft).order
    for _ in range(3):
        assert order_intake(draft=draft).created is False
    Channel.objects.create(code="closed-shop", name="已关店", platform=Platform.JD, active=False)
    for code in ("closed-shop", "no-such-shop"):
        with pytest.raises(DraftInvalid):
            order_intake(draft=make_draft(channel=code))
    second = order_intake(draft=make_draft()).order
    assert _parts(first.number)[1] + 1 == _parts(second.number)[1]
