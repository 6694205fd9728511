"""The SLA sweep (异常预警), every minute (``orders.tasks.sla_sweep``): flag the orders that are late
or risky, and email the supervisors about exceptions nobody has resolved in time.

Flags (``OrderFlag``, see ``orders.services.flags``), each raised once per order and reason (a
person's resolution is final: the sweep never raises the same reason on that order again):

* ``pick_late``: paid and not picked (待审核, 异常挂起, 待拣货) within the shop's SLA (the flow
  settings' default, 2 h, unless the shop's policy says otherwise);
* ``ship_deadline``: paid, not shipped, and the platform's promised ship time is less than the
  warning period away or past (platforms fine late shipments);
* ``frequent_returns``: an unshipped order of a buyer with at least N refunds or returns in the
  last D days (the flow settings).

Short picks and weight mismatches are flagged by the floor as they happen (through
``order_report_short`` and ``order_flag_exception``); the escalation below treats every flag alike.

Escalation: an open flag older than the settings' limit gets its order into one email to the
supervisors (users holding ``orders.receive_escalation_order``), once per order: the flags are
marked escalated in the same transaction, and the email leaves after the commit.

Every query reads through an index (partial indexes on unshipped orders' paid and promised
times, the flags' (order, reason), the events' (action, at)): a sweep over a million orders reads
the few that can be late (bench/sla_sweep.py).
"""

import functools
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import BooleanField, Count, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from core.sql import bulk_insert
from orders.events import EventAction, order_event
from orders.flow_models import ChannelPolicy, FlowSettings, OrderFlag
from orders.models import Order, OrderEvent
from orders.services.flags import flags_raise_many
from orders.states import BEFORE_PICKING, NOT_SHIPPED, ExceptionReason

log = logging.getLogger(__name__)

#: Orders flagged per statement (a backlog is worked off over several runs, never in one long one).
BATCH = 2000
ESCALATION_PERMISSION = ("orders", "receive_escalation_order")


@dataclass
class SweepReport:
    flagged: dict[str, int] = field(default_factory=dict)
    escalated: list[str] = field(default_factory=list)


def _not_flagged(reason: str) -> RawSQL:
    """The order has never had this flag: a probe of the flags' (order, reason) index per
    candidate. On PostgreSQL the ``OFFSET 0`` keeps the planner from turning it into a join that
    reads every flag of the reason (the backlog's flags outnumber the orders just gone late)."""
    quote = connection.ops.quote_name
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    flags, orders = quote(OrderFlag._meta.db_table), quote(Order._meta.db_table)
    # Only quoted table names and a constant are interpolated; the reason is a parameter.
    sql = f"NOT EXISTS (SELECT 1 FROM {flags} f WHERE f.order_id = {orders}.id AND f.reason = %s{fence})"  # noqa: S608
    return RawSQL(sql, [reason], output_field=BooleanField())  # noqa: S611


def _not_escalated_before() -> RawSQL:
    """No flag of the flag's order was escalated before (an index probe per candidate; see
    ``_not_flagged`` for the ``OFFSET 0``)."""
    quote = connection.ops.quote_name
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    flags = quote(OrderFlag._meta.db_table)
    sql = (
        f"NOT EXISTS (SELECT 1 FROM {flags} e WHERE e.order_id = {flags}.order_id "  # noqa: S608
        f"AND e.escalated_at IS NOT NULL{fence})"
    )
    return RawSQL(sql, [], output_field=BooleanField())  # noqa: S611


def late_to_pick(now: datetime, settings: FlowSettings) -> dict[int, int]:
    """order id -> the SLA (minutes) it broke, for paid orders not picked within their shop's SLA."""
    custom = dict(
        ChannelPolicy.objects.filter(pick_sla_minutes__isnull=False).values_list("channel_id", "pick_sla_minutes")
    )
    waiting = Order.objects.filter(status__in=BEFORE_PICKING, paid_at__isnull=False).filter(
        _not_flagged(ExceptionReason.PICK_LATE)
    )
    found: dict[int, int] = {}
    limits = [(Q(channel_id=channel_id), minutes) for channel_id, minutes in custom.items()]
    limits.append((~Q(channel_id__in=list(custom)), settings.pick_sla_minutes))
    for condition, minutes in limits:
        late = waiting.filter(condition, paid_at__lt=now - timedelta(minutes=minutes))
        found.update((pk, minutes) for pk in late.order_by("paid_at").values_list("pk", flat=True)[:BATCH])
    return found


def near_promise(now: datetime, settings: FlowSettings) -> list[int]:
    """Paid orders not shipped whose promised ship time is within the warning period, or past."""
    due = now + timedelta(minutes=settings.ship_warning_minutes)
    return list(
        Order.objects.filter(status__in=NOT_SHIPPED, paid_at__isnull=False, promised_ship_at__lte=due)
        .filter(_not_flagged(ExceptionReason.SHIP_DEADLINE))
        .order_by("promised_ship_at")
        .values_list("pk", flat=True)[:BATCH]
    )


def frequent_returners(now: datetime, settings: FlowSettings) -> dict[str, int]:
    """phone -> refunds, for buyers (plain phones) with at least the threshold in the window."""
    rows = (
        OrderEvent.objects.filter(
            action=EventAction.REFUND, at__gte=now - timedelta(days=settings.returns_days), order__phone_privacy=""
        )
        .exclude(order__phone="")
        .values("order__phone")
        .annotate(n=Count("order_id", distinct=True))
        .filter(n__gte=settings.returns_threshold)
    )
    return {row["order__phone"]: row["n"] for row in rows}


def open_orders_of(phones: dict[str, int]) -> list[tuple[int, str]]:
    if not phones:
        return []
    return list(
        Order.objects.filter(status__in=NOT_SHIPPED, phone__in=list(phones), phone_privacy="")
        .filter(_not_flagged(ExceptionReason.FREQUENT_RETURNS))
        .values_list("pk", "phone")[:BATCH]
    )


def sla_sweep(*, now: datetime | None = None) -> SweepReport:
    """One run of the sweep (see the module). Safe to run at any time and from several workers:
    flags are raised once per order and reason, escalations once per order."""
    now = now or timezone.now()
    settings = FlowSettings.current()
    report = SweepReport()
    late = late_to_pick(now, settings)
    by_sla: dict[int, list[int]] = {}
    for pk, minutes in late.items():
        by_sla.setdefault(minutes, []).append(pk)
    for minutes, ids in sorted(by_sla.items()):
        note = _("付款超过 %(minutes)d 分钟仍未拣货") % {"minutes": minutes}
        flagged = flags_raise_many(
            order_ids=ids, reason=ExceptionReason.PICK_LATE, note=note, data={pk: {"sla_minutes": minutes} for pk in ids},
            now=now,
        )
        report.flagged[ExceptionReason.PICK_LATE] = report.flagged.get(ExceptionReason.PICK_LATE, 0) + len(flagged)
    promised = near_promise(now, settings)
    report.flagged[ExceptionReason.SHIP_DEADLINE] = len(flags_raise_many(
        order_ids=promised, reason=ExceptionReason.SHIP_DEADLINE,
        note=_("平台承诺发货时间将到或已过，仍未发货（平台会罚款）"), data={}, now=now,
    ))
    returners = frequent_returners(now, settings)
    orders = open_orders_of(returners)
    report.flagged[ExceptionReason.FREQUENT_RETURNS] = len(flags_raise_many(
        order_ids=[pk for pk, _phone in orders], reason=ExceptionReason.FREQUENT_RETURNS,
        note=_("客户近 %(days)d 天退货/退款达 %(count)d 单以上")
        % {"days": settings.returns_days, "count": settings.returns_threshold},
        data={pk: {"refunds": returners[phone]} for pk, phone in orders}, now=now,
    ))
    report.escalated = escalate(now=now, settings=settings)
    return report


def escalate(*, now: datetime, settings: FlowSettings) -> list[str]:
    """Email the supervisors about orders whose oldest open flag is older than the limit, once per
    order. Returns the order numbers escalated."""
    limit = now - timedelta(minutes=settings.escalate_after_minutes)
    due = (
        OrderFlag.objects.filter(resolved_at__isnull=True, escalated_at__isnull=True, raised_at__lte=limit)
        .filter(_not_escalated_before())
        .order_by("raised_at")
        .values_list("order_id", flat=True)[:BATCH]
    )
    candidates = list(dict.fromkeys(due))
    if not candidates:
        return []
    with transaction.atomic():
        orders = list(
            Order.objects.select_for_update(skip_locked=True).filter(pk__in=candidates).order_by("pk")
            .values_list("pk", "number", "status")
        )
        ids = [pk for pk, _number, _status in orders]
        flags = list(
            OrderFlag.objects.filter(order_id__in=ids, resolved_at__isnull=True, escalated_at__isnull=True)
            .filter(_not_escalated_before())
            .order_by("raised_at")
            .values_list("order_id", "reason", "raised_at")
        )
        ids = sorted({order_id for order_id, _reason, _at in flags})
        if not ids:
            return []
        OrderFlag.objects.filter(order_id__in=ids, resolved_at__isnull=True).update(escalated_at=now)
        numbers = {pk: number for pk, number, _status in orders}
        statuses = {pk: status for pk, _number, status in orders}
        bulk_insert([
            order_event(
                order=Order(pk=pk), action=EventAction.ESCALATE, from_status=statuses[pk], to_status=statuses[pk],
                note=_("异常超过 %(minutes)d 分钟未处理，已通知主管") % {"minutes": settings.escalate_after_minutes},
            )
            for pk in ids
        ])
        lines = [
            f"{numbers[order_id]}  {ExceptionReason(reason).label}  {timezone.localtime(at):%Y-%m-%d %H:%M}"
            for order_id, reason, at in flags
            if order_id in numbers
        ]
        transaction.on_commit(functools.partial(_send, len(ids), settings.escalate_after_minutes, lines))
    return [numbers[pk] for pk in ids]


def supervisor_emails() -> list[str]:
    """Active users holding the escalation permission (directly or through a group), with an email."""
    app_label, codename = ESCALATION_PERMISSION
    holds = Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label) | Q(
        groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label
    )
    users = get_user_model().objects.filter(holds, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def _send(count: int, minutes: int, lines: list[str]) -> None:
    recipients = supervisor_emails()
    if not recipients:
        log.warning("sla: %d orders escalated but no supervisor has an email address", count)
        return
    subject = _("[订单中台] %(count)d 个订单的异常超过 %(minutes)d 分钟未处理") % {"count": count, "minutes": minutes}
    body = "\n".join([
        _("以下订单的异常超过 %(minutes)d 分钟仍未处理（每单只通知一次）：") % {"minutes": minutes},
        "",
        *lines,
        "",
        _("请在后台「异常订单」页面处理。"),
    ])
    send_mail(subject, body, django_settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
