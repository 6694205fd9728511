"""The supervisor's dashboard, read from the roll-ups (``orders.stats_models``; kept current by the
worker, ``orders.services.rollups``) plus two small live reads (this week's exception reasons).

KPIs over a period of whole local days ending today, each with the target sellers use:

* 付款到发货平均时长: Σ(ship time − payment time) ÷ orders shipped; target under 2 hours;
* 错发漏发率: after-sales requests for a wrong, missing or damaged item (not refused) ÷ orders
  shipped; target under 0.5%;
* 人均日发货单量: orders shipped ÷ person-days on the floor (people who picked, packed or shipped
  that day); 300 a day is what sellers moving to scan-based flows start from;
* 准时发货率: orders shipped by the platform's promised time (or within the flow settings' hours of
  payment) ÷ orders shipped; the escalation's orange line (90%) as the target;
* 取消率: orders placed in the period and cancelled since ÷ orders placed (no target);
* 复购客户占比: buyers of the period who have ordered more than once ÷ buyers of the period (no target).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.events import EventAction
from orders.flow_models import OrderFlag
from orders.models import OrderEvent, channel_model
from orders.services.rollups import ANALYTICS, local_today
from orders.states import ExceptionReason, HoldReason
from orders.stats_models import AnalyticsSnapshot, DailyStat, FloorDayStat

PERIODS = (7, 30)
WEEKDAYS = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: Decimal | None
    unit: str
    #: (">" or "<", threshold) or None
    target: tuple[str, Decimal] | None
    numerator: int | Decimal
    denominator: int

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        sign, threshold = self.target
        return self.value < threshold if sign == "<" else self.value >= threshold

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "—"
        sign, threshold = self.target
        return f"{'<' if sign == '<' else '≥'} {threshold}{self.unit}"


def _ratio(numerator, denominator, scale: int = 100, places: str = "0.01") -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(Decimal(places))


def period_days(days: int, today: date | None = None) -> tuple[date, date]:
    today = today or local_today()
    return today - timedelta(days=days - 1), today


def kpis(*, days: int = 7, today: date | None = None) -> list[Kpi]:
    first, last = period_days(days, today)
    sums = DailyStat.objects.filter(day__gte=first, day__lte=last).aggregate(
        placed=Sum("placed"), cancelled=Sum("cancelled"), shipped=Sum("shipped"),
        on_time=Sum("shipped_on_time"), seconds=Sum("ship_seconds"), errors=Sum("error_returns"),
    )
    sums = {key: value or 0 for key, value in sums.items()}
    people = FloorDayStat.objects.filter(day__gte=first, day__lte=last).aggregate(n=Sum("people"))["n"] or 0
    snapshot = AnalyticsSnapshot.objects.filter(name=ANALYTICS).first()
    repeat, buyers = (snapshot.data.get("repeat_share", {}).get(str(days), [0, 0]) if snapshot else [0, 0])
    shipped = sums["shipped"]
    return [
        Kpi("pay_to_ship", str(_("付款到发货平均时长")), _ratio(sums["seconds"], shipped * 3600, 1), str(_("小时")),
            ("<", Decimal("2")), (Decimal(sums["seconds"]) / 3600).quantize(Decimal("0.01")), shipped),
        Kpi("error_rate", str(_("错发漏发率")), _ratio(sums["errors"], shipped), "%", ("<", Decimal("0.5")),
            sums["errors"], shipped),
        Kpi("per_person", str(_("人均日发货单量")), _ratio(shipped, people, 1, "0.1"), str(_("单")),
            (">", Decimal("300")), shipped, people),
        Kpi("on_time", str(_("准时发货率")), _ratio(sums["on_time"], shipped), "%", (">", Decimal("90")),
            sums["on_time"], shipped),
        Kpi("cancel_rate", str(_("取消率")), _ratio(sums["cancelled"], sums["placed"]), "%", None,
            sums["cancelled"], sums["placed"]),
        Kpi("repeat_share", str(_("复购客户占比")), _ratio(repeat, buyers), "%", None, repeat, buyers),
    ]


def daily_by_channel(*, days: int = 30, today: date | None = None):
    """(days as "m-d", [(shop name, [orders placed per day])]) for the last ``days`` days."""
    first, last = period_days(days, today)
    dates = [first + timedelta(days=i) for i in range(days)]
    index = {day: i for i, day in enumerate(dates)}
    series: dict[int, list[int]] = {}
    for day, channel_id, placed in DailyStat.objects.filter(day__gte=first, day__lte=last).values_list(
        "day", "channel_id", "placed"
    ):
        series.setdefault(channel_id, [0] * days)[index[day]] += placed
    names = dict(channel_model().objects.filter(pk__in=list(series)).values_list("pk", "name"))
    ordered = sorted(series.items(), key=lambda item: -sum(item[1]))
    return [f"{d:%m-%d}" for d in dates], [(names.get(pk, str(pk)), values) for pk, values in ordered]


def weekday_hours(*, days: int = 28, today: date | None = None) -> list[list[int]]:
    """Orders placed per weekday (Monday first) and local hour over the last ``days`` days."""
    first, last = period_days(days, today)
    grid = [[0] * 24 for _ in range(7)]
    for day, hours in DailyStat.objects.filter(day__gte=first, day__lte=last).values_list("day", "placed_hours"):
        for hour, count in enumerate(hours or []):
            grid[day.weekday()][hour] += count
    return grid


def exception_reasons(*, now=None, limit: int = 10) -> list[tuple[str, int]]:
    """This week's (since Monday, local) exceptions raised and holds put on, by reason, most first."""
    now = timezone.localtime(now or timezone.now())
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    counts: dict[str, int] = {}
    flags = OrderFlag.objects.filter(raised_at__gte=monday).order_by().values("reason").annotate(n=Count("id"))
    for row in flags:
        label = str(ExceptionReason(row["reason"]).label) if row["reason"] in ExceptionReason.values else row["reason"]
        counts[label] = counts.get(label, 0) + row["n"]
    holds = [
        (row["data__reason"], row["n"])
        for row in OrderEvent.objects.filter(action=EventAction.HOLD, at__gte=monday)
        .order_by().values("data__reason").annotate(n=Count("id"))
    ] + [
        # Held as soon as taken in (unknown SKU, out of stock, incomplete address…).
        (row["data__hold_reason"], row["n"])
        for row in OrderEvent.objects.filter(action=EventAction.CREATED, at__gte=monday)
        .exclude(data__hold_reason="").exclude(data__hold_reason__isnull=True)
        .order_by().values("data__hold_reason").annotate(n=Count("id"))
    ]
    for reason, n in holds:
        reason = reason or ""
        label = str(HoldReason(reason).label) if reason in HoldReason.values else str(_("其他挂起"))
        label = str(_("挂起：%(reason)s") % {"reason": label})
        counts[label] = counts.get(label, 0) + n
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def analytics() -> tuple[dict, object]:
    snapshot = AnalyticsSnapshot.objects.filter(name=ANALYTICS).first()
    return (snapshot.data, snapshot.computed_at) if snapshot else ({}, None)


@dataclass
class Dashboard:
    days: int
    kpis: list[Kpi]
    daily_chart: str
    heat_chart: str
    reasons_chart: str
    reasons: list[tuple[str, int]]
    analytics: dict
    analytics_at: object
    updated_at: object


def dashboard(*, days: int = 7) -> Dashboard:
    """Everything the supervisor's part of the admin home page shows (charts drawn as SVG)."""
    from core.charts import heat_map, horizontal_bars, stacked_bars

    labels, series = daily_by_channel(days=30)
    reasons = exception_reasons()
    data, computed = analytics()
    updated = DailyStat.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    return Dashboard(
        days=days,
        kpis=kpis(days=days),
        daily_chart=stacked_bars(label=str(_("近 30 天每日订单（按渠道）")), categories=labels, series=series, every=5),
        heat_chart=heat_map(
            label=str(_("近 4 周下单时段（星期 × 小时）")), rows=[str(w) for w in WEEKDAYS],
            columns=[str(h) for h in range(24)], values=weekday_hours(), every=3,
        ),
        reasons_chart=horizontal_bars(label=str(_("本周异常原因前十")), items=reasons, unit=str(_("单"))),
        reasons=reasons,
        analytics=data,
        analytics_at=computed,
        updated_at=updated,
    )
