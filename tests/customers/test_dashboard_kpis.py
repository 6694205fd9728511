"""The supervisor's dashboard: every KPI against a fixture computed by hand, the roll-ups the
worker keeps, the charts on the admin home page, the Excel export, who sees it."""

import dataclasses
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from oms.roles import PICKER
from orders.kpis import daily_by_channel, exception_reasons, kpis, weekday_hours
from orders.returns_models import ReturnReason
from orders.services import (
    order_approve,
    order_cancel,
    order_deliver,
    order_hold,
    order_intake,
    order_pack,
    order_ship,
    order_start_picking,
)
from orders.services.returns import RequestedLine, return_request_create
from orders.services.rollups import analytics_refresh, bought_together, dashboard_refresh, dashboard_tick
from orders.states import HoldReason
from orders.stats_models import DailyStat, FloorDayStat

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 3, 11)  # a Wednesday
NOW = datetime(2026, 3, 11, 15, 0, tzinfo=SHANGHAI)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def week(stocked, make_draft, jd_channel, make_member):
    """Five orders over two days, computed by hand (times Asia/Shanghai):

    A  tb  placed/paid 03-10 09:00, shipped 10:00 by picker 1 (1 h, on time: no promise, < 24 h)
    B  tb  placed/paid 03-10 10:30, shipped 13:30 by picker 2 (3 h, on time); lines A001 + A002
    C  jd  placed/paid 03-10 11:00, cancelled 12:00
    D  tb  placed/paid 03-11 08:00 by A's buyer (a repeat), promised 10:00, shipped 12:00 by
           picker 1 (4 h, late); lines A001 + A002
    E  jd  placed/paid 03-11 09:00, approved, waiting
    A is delivered and its buyer asks for a return for a wrong item on 03-11 (an error return);
    B's buyer returns one not wanted (not an error).
    """
    p1, p2 = make_member(PICKER, "picker_one"), make_member(PICKER, "picker_two")

    def take(when, channel=None, phone="13812341234", lines=(("A001", 1),), promised=None):
        draft = make_draft(list(lines), phone=phone, **({"channel": channel} if channel else {}))
        draft = dataclasses.replace(draft, placed_at=when, paid_at=when, promised_ship_at=promised)
        with time_machine.travel(when, tick=False):
            return order_approve(order=order_intake(draft=draft).order)

    def ship(order, when, picker):
        with time_machine.travel(when - timedelta(minutes=20), tick=False):
            order = order_pack(order=order_start_picking(order=order, actor=picker), actor=picker)
        with time_machine.travel(when, tick=False):
            return order_ship(order=order, actor=picker, carrier="SF", tracking_number=f"SF{order.pk:010d}")

    a = ship(take(at(10, 9)), at(10, 10), p1)
    b = ship(take(at(10, 10, 30), phone="13900000002", lines=(("A001", 1), ("A002", 1))), at(10, 13, 30), p2)
    c = take(at(10, 11), channel=jd_channel, phone="13900000003")
    with time_machine.travel(at(10, 12), tick=False):
        order_cancel(order=c)
    d = ship(take(at(11, 8), lines=(("A001", 1), ("A002", 1)), promised=at(11, 10)), at(11, 12), p1)
    e = take(at(11, 9), channel=jd_channel, phone="13900000004")
    with time_machine.travel(at(11, 13), tick=False):
        for order, reason in ((a, ReturnReason.WRONG_ITEM), (b, ReturnReason.NOT_WANTED)):
            order = order_deliver(order=order)
            line = order.lines.first()
            return_request_create(order=order, kind="return", reason=reason, lines=[RequestedLine(line.pk, 1)])
        order_hold(order=e, reason=HoldReason.BUYER_REQUEST, note="买家要求暂缓")
    with time_machine.travel(NOW, tick=False):
        dashboard_refresh(first=TODAY - timedelta(days=30), last=TODAY)
        analytics_refresh()
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "p1": p1, "p2": p2}


def _by_key(days=7):
    with time_machine.travel(NOW, tick=False):
        return {kpi.key: kpi for kpi in kpis(days=days)}


def test_each_kpi_matches_the_hand_computed_figures(week):
    found = _by_key()
    assert found["pay_to_ship"].value == Decimal("2.67")  # (1 + 3 + 4) h ÷ 3 shipped
    assert found["pay_to_ship"].met is False  # target < 2 h
    assert found["error_rate"].value == Decimal("33.33")  # 1 wrong-item return ÷ 3 shipped
    assert (found["error_rate"].numerator, found["error_rate"].denominator) == (1, 3)
    assert found["per_person"].value == Decimal("1.0")  # 3 shipped ÷ (2 people on 03-10 + 1 on 03-11)
    assert found["on_time"].value == Decimal("66.67")  # A and B on time, D after its promise
    assert found["cancel_rate"].value == Decimal("20.00")  # C of 5 placed
    assert found["repeat_share"].value == Decimal("25.00")  # A/D's buyer of 4 buyers
    assert found["repeat_share"].met is None and found["error_rate"].met is False


def test_the_roll_ups_hold_the_days_as_counted(week, taobao_channel, jd_channel):
    rows = {(r.day, r.channel_id): r for r in DailyStat.objects.all()}
    tb10, tb11 = rows[(date(2026, 3, 10), taobao_channel.pk)], rows[(TODAY, taobao_channel.pk)]
    assert (tb10.placed, tb10.shipped, tb10.shipped_on_time, tb10.ship_seconds) == (2, 2, 2, 4 * 3600)
    assert (tb11.placed, tb11.repeat_placed, tb11.shipped, tb11.shipped_on_time, tb11.error_returns) == (1, 1, 1, 0, 1)
    assert rows[(date(2026, 3, 10), jd_channel.pk)].cancelled == 1
    assert tb10.placed_hours[9] == 1 and tb10.placed_hours[10] == 1 and sum(tb10.placed_hours) == 2
    assert {(r.day, r.people) for r in FloorDayStat.objects.all()} == {(date(2026, 3, 10), 2), (TODAY, 1)}
    with time_machine.travel(NOW, tick=False):
        labels, series = daily_by_channel(days=30)
        grid = weekday_hours()
    assert labels[-2:] == ["03-10", "03-11"]
    assert dict(series)["淘宝旗舰店"][-2:] == [2, 1] and dict(series)["京东自营店"][-2:] == [1, 1]
    assert grid[1][9] == 1 and grid[1][11] == 1 and grid[2][8] == 1 and sum(map(sum, grid)) == 5  # Tue, Wed


def test_refreshing_again_writes_the_same_rows(week):
    before = sorted(DailyStat.objects.values_list("day", "channel_id", "placed", "shipped", "ship_seconds"))
    with time_machine.travel(NOW, tick=False):
        assert dashboard_tick().startswith("days=31")  # first tick: the whole window
        assert dashboard_tick().startswith("days=2")  # then recent days only
    assert sorted(DailyStat.objects.values_list("day", "channel_id", "placed", "shipped", "ship_seconds")) == before


def test_exception_reasons_and_bundles(week):
    with time_machine.travel(NOW, tick=False):
        reasons = dict(exception_reasons())
    assert reasons == {"挂起：买家要求暂缓": 1}
    pairs = bought_together(since=at(1, 0))
    assert [(p["a"], p["b"], p["orders"]) for p in pairs] == [("A001", "A002", 2)]


def test_the_index_shows_the_dashboard_to_supervisors_only(week, supervisor_client, ops_client):
    with time_machine.travel(NOW, tick=False):
        page = supervisor_client.get(reverse("admin:index")).content.decode()
        assert 'id="oms-dashboard"' in page and page.count("<svg") >= 3
        assert 'data-kpi="error_rate"' in page and "33.33" in page
        assert 'id="oms-ranking"' in page and 'id="oms-levels"' in page  # issue 13's escalation levels above
        assert "A001" in page and "A002" in page  # bundle ideas
        assert 'id="oms-dashboard"' not in ops_client.get(reverse("admin:index")).content.decode()


def test_kpis_export_to_excel(week, supervisor_client, ops_client):
    with time_machine.travel(NOW, tick=False):
        response = supervisor_client.get(reverse("kpi-export"), {"days": "7"})
        daily = supervisor_client.get(reverse("kpi-export"), {"days": "7", "kpi": "error_rate"})
        assert ops_client.get(reverse("kpi-export")).status_code == 403
        assert supervisor_client.get(reverse("kpi-export"), {"days": "9"}).status_code == 400
        assert supervisor_client.get(reverse("kpi-export"), {"kpi": "nope"}).status_code == 400
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][0] == "指标" and len(rows) == 7
    error = next(r for r in rows if r[0] == "错发漏发率")
    assert error[1:7] == (33.33, "%", "< 0.5%", "否", 1, 3)
    per_day = list(load_workbook(io.BytesIO(daily.content)).active.values)
    assert [r[7] for r in per_day[1:]][-2:] == ["2026-03-10", "2026-03-11"]
    assert per_day[-1][1] == 100.0 and per_day[-2][1] == 0.0  # 03-11: 1 error ÷ 1 shipped; 03-10: none
