"""Escalation level of each warehouse for the admin home page: green, yellow, orange or red, with
the figure behind each colour. Thresholds are in the flow settings (``FlowSettings``):

* yellow: the floor's backlog (待拣货, 拣货中, 已打包 in the warehouse) exceeds a share (20%) of
  its daily capacity (``Warehouse.daily_capacity``; no capacity set, no yellow);
* orange: the on-time ship rate was under 90% on each of the last three days (whole local days
  before today, each with shipments). On time: shipped by the platform's promised time, or,
  without one, within the settings' hours of payment;
* red: exceptions raised on the warehouse's orders in the last 7 days exceed those of the 7 days
  before by 50% (and number at least the settings' minimum; none before counts as growth).

The level is the highest colour reached. Read-only: four grouped queries whatever the volume.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.models import Warehouse
from orders.dashboard import day_start
from orders.events import EventAction
from orders.flow_models import FlowSettings, OrderFlag
from orders.models import Order, OrderEvent
from orders.states import FLOOR_BACKLOG

GREEN, YELLOW, ORANGE, RED = "green", "yellow", "orange", "red"
LABELS = {GREEN: _("正常"), YELLOW: _("黄色预警"), ORANGE: _("橙色预警"), RED: _("红色预警")}


@dataclass
class DayRate:
    day: object
    shipped: int
    on_time: int

    @property
    def percent(self) -> int:
        return round(self.on_time * 100 / self.shipped) if self.shipped else 100


@dataclass
class WarehouseLevel:
    warehouse_id: int
    name: str
    backlog: int
    capacity: int
    yellow: bool
    days: list[DayRate] = field(default_factory=list)
    orange: bool = False
    exceptions: int = 0
    exceptions_before: int = 0
    red: bool = False

    @property
    def level(self) -> str:
        return RED if self.red else ORANGE if self.orange else YELLOW if self.yellow else GREEN

    @property
    def label(self) -> str:
        return str(LABELS[self.level])

    @property
    def backlog_percent(self) -> int | None:
        return round(self.backlog * 100 / self.capacity) if self.capacity else None

    @property
    def growth_percent(self) -> int | None:
        if not self.exceptions_before:
            return None
        return round((self.exceptions - self.exceptions_before) * 100 / self.exceptions_before)


def warehouse_levels(*, now: datetime | None = None, settings: FlowSettings | None = None) -> list[WarehouseLevel]:
    now = now or timezone.now()
    settings = settings or FlowSettings.current()
    warehouses = list(Warehouse.objects.filter(active=True).order_by("code").values_list("pk", "name", "daily_capacity"))
    backlog = dict(
        Order.objects.filter(status__in=FLOOR_BACKLOG, warehouse__isnull=False)
        .order_by()
        .values("warehouse_id")
        .annotate(n=Count("id"))
        .values_list("warehouse_id", "n")
    )
    days = _on_time(now, settings)
    exceptions = _exceptions(now)
    levels = []
    for pk, name, capacity in warehouses:
        count = backlog.get(pk, 0)
        level = WarehouseLevel(
            warehouse_id=pk, name=name, backlog=count, capacity=capacity,
            yellow=bool(capacity) and count * 100 > capacity * settings.yellow_backlog_percent,
        )
        level.days = days.get(pk, [])
        level.orange = len(level.days) >= settings.orange_days and all(
            day.shipped and day.percent < settings.orange_on_time_percent for day in level.days
        )
        level.exceptions, level.exceptions_before = exceptions.get(pk, (0, 0))
        level.red = level.exceptions >= max(settings.red_min_count, 1) and (
            level.exceptions * 100 > level.exceptions_before * (100 + settings.red_growth_percent)
        )
        levels.append(level)
    return levels


def shipped_on_time(within: timedelta) -> Q:
    """On a ``ship`` event: shipped by the platform's promised time, or, without one, within
    ``within`` of payment (the escalation's orange level and the dashboard's on-time rate)."""
    return Q(order__promised_ship_at__isnull=False, at__lte=F("order__promised_ship_at")) | Q(
        order__promised_ship_at__isnull=True, at__lte=F("order__paid_at") + within
    )


def _on_time(now: datetime, settings: FlowSettings) -> dict[int, list[DayRate]]:
    """Per warehouse, the last ``orange_days`` whole local days with shipments, newest first."""
    today = day_start(now)
    start = today - timedelta(days=settings.orange_days)
    on_time = shipped_on_time(timedelta(hours=settings.ship_within_hours))
    rows = (
        OrderEvent.objects.filter(action=EventAction.SHIP, at__gte=start, at__lt=today, order__warehouse__isnull=False)
        .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("order__warehouse_id", "day")
        .annotate(shipped=Count("order_id", distinct=True), on_time=Count("order_id", distinct=True, filter=on_time))
    )
    found: dict[int, list[DayRate]] = {}
    for row in rows:
        found.setdefault(row["order__warehouse_id"], []).append(DayRate(row["day"], row["shipped"], row["on_time"]))
    return {pk: sorted(rates, key=lambda r: r.day, reverse=True) for pk, rates in found.items()}


def _exceptions(now: datetime) -> dict[int, tuple[int, int]]:
    """Per warehouse, flags raised in the last 7 days and in the 7 days before."""
    week = now - timedelta(days=7)
    rows = (
        OrderFlag.objects.filter(raised_at__gte=now - timedelta(days=14), order__warehouse__isnull=False)
        .order_by()
        .values("order__warehouse_id")
        .annotate(recent=Count("id", filter=Q(raised_at__gte=week)), before=Count("id", filter=Q(raised_at__lt=week)))
    )
    return {row["order__warehouse_id"]: (row["recent"], row["before"]) for row in rows}
