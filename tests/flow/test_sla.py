"""The SLA sweep with a frozen clock: exactly the late ones flagged, flags kept until a person
resolves them, one escalation email per order, and each escalation colour at its threshold."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail

from orders.events import EventAction
from orders.flow_models import OrderFlag
from orders.models import Order
from orders.services import (
    OrderActionRefused,
    order_approve,
    order_clear_exception,
    order_intake,
    order_pack,
    order_ship,
    order_start_picking,
)
from orders.services.platform import order_close_for_platform
from orders.services.sla import sla_sweep
from orders.states import ExceptionReason, OrderStatus, PlatformStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)


def _place(make_draft, at: datetime, **kwargs) -> Order:
    with time_machine.travel(at, tick=False):
        return order_intake(draft=make_draft(**kwargs)).order


def _flags(order: Order) -> list[str]:
    return list(OrderFlag.objects.filter(order=order).order_by("id").values_list("reason", flat=True))


def test_pick_sla_flags_exactly_the_late_ones(stocked, make_draft, jd_channel, shop_policy):
    late = _place(make_draft, T0)
    just_in = _place(make_draft, T0 + timedelta(minutes=1))
    unpaid = _place(make_draft, T0, paid=False)
    picked = order_start_picking(order=order_approve(order=_place(make_draft, T0)))
    shop_policy(jd_channel, pick_sla_minutes=30)
    jd_late = _place(make_draft, T0 + timedelta(minutes=80), channel=jd_channel)
    jd_in_time = _place(make_draft, T0 + timedelta(minutes=91), channel=jd_channel)
    with time_machine.travel(T0 + timedelta(minutes=120, seconds=30), tick=False):
        report = sla_sweep()
    assert report.flagged[ExceptionReason.PICK_LATE] == 2
    assert _flags(late) == [ExceptionReason.PICK_LATE] and _flags(jd_late) == [ExceptionReason.PICK_LATE]
    for order in (just_in, unpaid, picked, jd_in_time):
        assert _flags(order) == []
    late.refresh_from_db()
    assert late.exception_reason == ExceptionReason.PICK_LATE and "120 分钟" in late.exception_note
    assert late.events.latest("id").action == EventAction.FLAG_EXCEPTION
    jd_late.refresh_from_db()
    assert "30 分钟" in jd_late.exception_note


def test_promised_ship_time(stocked, make_draft):
    import dataclasses

    def promised(hours):
        draft = dataclasses.replace(make_draft(), promised_ship_at=T0 + timedelta(hours=hours))
        with time_machine.travel(T0, tick=False):
            return order_intake(draft=draft).order

    past, soon, later = promised(-1), promised(0.5), promised(5)
    shipped = promised(-2)
    order_ship(order=order_pack(order=order_start_picking(order=order_approve(order=shipped))), carrier="SF",
               tracking_number="SF1")
    with time_machine.travel(T0, tick=False):
        sla_sweep()
    assert _flags(past) == _flags(soon) == [ExceptionReason.SHIP_DEADLINE]
    assert _flags(later) == [] and _flags(shipped) == []


def test_frequent_returns_are_flagged_on_open_orders(stocked, make_draft, flow_settings):
    flow_settings.returns_threshold = 2
    flow_settings.save()
    with time_machine.travel(T0, tick=False):
        for _ in range(2):
            refunded = order_intake(draft=make_draft(phone="13600006666")).order
            order_close_for_platform(order=refunded, status=PlatformStatus.REFUNDING)
        open_order = order_intake(draft=make_draft(phone="13600006666")).order
        other = order_intake(draft=make_draft(phone="13600007777")).order
        sla_sweep()
    assert _flags(open_order) == [ExceptionReason.FREQUENT_RETURNS]
    assert OrderFlag.objects.get(order=open_order).data == {"refunds": 2}
    assert _flags(other) == [] and _flags(refunded) == []


def test_a_flag_stays_until_a_person_resolves_it_and_is_not_raised_again(stocked, make_draft, ops_user):
    late = _place(make_draft, T0)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        sla_sweep()
        sla_sweep()  # every minute: still one flag
    assert OrderFlag.objects.filter(order=late).count() == 1
    with pytest.raises(OrderActionRefused, match="请填写处理说明"):
        order_clear_exception(order=late, note=" ", actor=ops_user)
    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        order_clear_exception(order=late, note="已联系仓库加急", actor=ops_user)
        sla_sweep()
    flag = OrderFlag.objects.get(order=late)
    assert (flag.resolved_by, flag.resolution) == (ops_user, "已联系仓库加急")
    assert flag.resolved_at == T0 + timedelta(hours=4)
    assert Order.objects.get(pk=late.pk).exception_reason == ""


@pytest.fixture
def supervisor_with_email(django_user_model):
    user = django_user_model.objects.create_user(username="boss", email="boss@example.com")
    user.groups.add(Group.objects.get(name="supervisor"))
    django_user_model.objects.create_user(username="ops_no_mail", email="ops@example.com").groups.add(
        Group.objects.get(name="ops")
    )
    return user


def test_supervisors_are_emailed_once_per_order(
    stocked, make_draft, flow_settings, supervisor_with_email, django_capture_on_commit_callbacks
):
    flow_settings.escalate_after_minutes = 60
    flow_settings.save()
    first, second = _place(make_draft, T0), _place(make_draft, T0)
    with time_machine.travel(T0 + timedelta(minutes=121), tick=False):
        sla_sweep()  # flagged now: not yet past the second limit
    assert mail.outbox == []
    for minutes in (181, 182, 300):
        with time_machine.travel(T0 + timedelta(minutes=minutes), tick=False), \
                django_capture_on_commit_callbacks(execute=True):
            sla_sweep()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["boss@example.com"]
    assert first.number in message.body and second.number in message.body and "2 个订单" in message.subject
    assert OrderFlag.objects.filter(escalated_at__isnull=False).count() == 2
    assert Order.objects.get(pk=first.pk).events.filter(action=EventAction.ESCALATE).count() == 1
    # A new flag on an order already escalated brings no second email.
    with time_machine.travel(T0 + timedelta(hours=10), tick=False), django_capture_on_commit_callbacks(execute=True):
        from orders.services import order_flag_exception

        order_flag_exception(order=first, reason=ExceptionReason.OTHER, note="买家投诉")
    with time_machine.travel(T0 + timedelta(hours=20), tick=False), django_capture_on_commit_callbacks(execute=True):
        sla_sweep()
    assert len(mail.outbox) == 1


def test_the_sweep_runs_as_a_scheduled_task(stocked, make_draft):
    from oms.schedules import SCHEDULES
    from orders.tasks import sla_sweep as task

    assert ("oms.sla_sweep", "orders.tasks.sla_sweep", 1) in [(d.name, d.func, d.minutes) for d in SCHEDULES]
    _place(make_draft, T0)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        assert "pick_late=1" in task()


def test_flag_on_an_order_of_every_status(order_in_state):
    from orders.services import order_flag_exception

    for status in (OrderStatus.PENDING_REVIEW, OrderStatus.SHIPPED):
        order = order_flag_exception(order=order_in_state(status), reason=ExceptionReason.OTHER, note="x")
        assert OrderFlag.objects.filter(order=order, resolved_at__isnull=True).count() == 1
