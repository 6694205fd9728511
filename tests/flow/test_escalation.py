"""Each warehouse's escalation colour at its threshold, and the admin home page showing it."""

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import Group

from inventory.models import Warehouse
from orders.escalation import GREEN, ORANGE, RED, YELLOW, warehouse_levels
from orders.services import (
    order_approve,
    order_flag_exception,
    order_intake,
    order_pack,
    order_ship,
    order_start_picking,
)
from orders.states import ExceptionReason

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=SHANGHAI)


def _level(warehouse, **kwargs):
    with time_machine.travel(NOW, tick=False):
        return next(level for level in warehouse_levels(**kwargs) if level.warehouse_id == warehouse.pk)


def test_yellow_when_the_backlog_exceeds_a_share_of_capacity(stocked, make_draft, warehouse_hz, flow_settings):
    Warehouse.objects.filter(pk=warehouse_hz.pk).update(daily_capacity=10)
    for _ in range(2):
        order_approve(order=order_intake(draft=make_draft()).order)
    level = _level(warehouse_hz)
    assert (level.backlog, level.backlog_percent, level.level) == (2, 20, GREEN)  # 20% is not above 20%
    order_approve(order=order_intake(draft=make_draft()).order)
    level = _level(warehouse_hz)
    assert (level.backlog, level.level, level.label) == (3, YELLOW, "黄色预警")
    flow_settings.yellow_backlog_percent = 30
    flow_settings.save()
    assert _level(warehouse_hz).level == GREEN


def _ship_late(make_draft, day: int, *, late: bool):
    """An order shipped ``day`` days before NOW, after (or before) its promised time."""
    shipped_at = NOW - timedelta(days=day)
    draft = dataclasses.replace(make_draft(), promised_ship_at=shipped_at + timedelta(hours=-1 if late else 1))
    with time_machine.travel(shipped_at - timedelta(hours=3), tick=False):
        order = order_approve(order=order_intake(draft=draft).order)
    with time_machine.travel(shipped_at, tick=False):
        order_ship(order=order_pack(order=order_start_picking(order=order)), carrier="SF", tracking_number=f"SF{day}{late}")


def test_orange_when_on_time_rate_is_under_the_bar_three_days_running(stocked, make_draft, warehouse_hz):
    for day in (1, 2):
        _ship_late(make_draft, day, late=True)
    _ship_late(make_draft, 3, late=False)
    level = _level(warehouse_hz)
    assert [d.percent for d in level.days] == [0, 0, 100] and level.level == GREEN
    _ship_late(make_draft, 3, late=True)
    _ship_late(make_draft, 3, late=True)
    level = _level(warehouse_hz)
    assert [d.percent for d in level.days] == [0, 0, 33] and level.level == ORANGE
    _ship_late(make_draft, 0, late=True)  # today does not count yet
    assert len(_level(warehouse_hz).days) == 3


def test_red_when_exceptions_grew_by_half(stocked, make_draft, warehouse_hz, flow_settings):
    flow_settings.red_min_count = 2
    flow_settings.save()
    orders = [order_intake(draft=make_draft()).order for _ in range(6)]

    def flag(order, days_ago):
        with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
            order_flag_exception(order=order, reason=ExceptionReason.OTHER, note="x")

    flag(orders[0], 10)
    flag(orders[1], 9)
    flag(orders[2], 2)
    flag(orders[3], 1)
    flag(orders[4], 1)
    level = _level(warehouse_hz)
    assert (level.exceptions, level.exceptions_before, level.growth_percent, level.level) == (3, 2, 50, GREEN)
    flag(orders[5], 0)
    level = _level(warehouse_hz)
    assert (level.exceptions, level.growth_percent, level.level) == (4, 100, RED)
    flow_settings.red_min_count = 5
    flow_settings.save()
    assert _level(warehouse_hz).level == GREEN


def test_admin_home_shows_the_level_and_its_figures(stocked, make_draft, warehouse_hz, client, django_user_model):
    Warehouse.objects.filter(pk=warehouse_hz.pk).update(daily_capacity=1)
    order_approve(order=order_intake(draft=make_draft()).order)
    user = django_user_model.objects.create_user(username="sup", password="pw-12345678", is_staff=True)
    user.groups.add(Group.objects.get(name="supervisor"))
    client.force_login(user)
    page = client.get("/admin/").content.decode()
    assert 'id="oms-levels"' in page
    assert f'data-warehouse="{warehouse_hz.pk}" data-level="yellow"' in page
    assert "1 / 1（100%）" in page
    assert 'id="oms-today-exceptions"' in page


def test_no_levels_for_people_who_do_not_see_orders(client, django_user_model, warehouse_hz):
    user = django_user_model.objects.create_user(username="plain", password="pw-12345678", is_staff=True)
    client.force_login(user)
    assert 'id="oms-levels"' not in client.get("/admin/").content.decode()
