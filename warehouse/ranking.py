"""Picker ranking for the supervisor's dashboard: per person over the last days, orders and items
picked, accuracy and minutes per order. Built on the per-day figures (``warehouse.accuracy``).

* orders: different orders in the waves the person picked in (an order whose wave two people
  picked counts for both);
* accuracy: 1 − (wrong scans + short picks) ÷ scans;
* minutes per order: the person's working time (the gaps between line finishes, breaks left
  out, as ``accuracy`` counts them) ÷ orders.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from warehouse.accuracy import day_bounds, picker_figures
from warehouse.models import FloorStep, ScanRecord, WaveOrder

DAYS = 7
LIMIT = 10


@dataclass
class Ranked:
    user: object
    orders: int = 0
    lines: int = 0
    units: int = 0
    scans: int = 0
    wrong: int = 0
    short: int = 0
    seconds: float = 0.0

    @property
    def accuracy(self) -> float | None:
        if not self.scans:
            return None
        return round(100 * (1 - (self.wrong + self.short) / self.scans), 2)

    @property
    def minutes_per_order(self) -> float | None:
        return round(self.seconds / 60 / self.orders, 1) if self.orders and self.seconds else None


def picker_ranking(*, days: int = DAYS, today: date | None = None, warehouse_ids=None) -> list[Ranked]:
    today = today or timezone.localdate()
    people: dict[int, Ranked] = {}
    for offset in range(days):
        for figure in picker_figures(day=today - timedelta(days=offset), warehouse_ids=warehouse_ids):
            if figure.user is None:
                continue
            person = people.setdefault(figure.user.pk, Ranked(user=figure.user))
            person.lines += figure.lines_picked
            person.units += figure.units_picked
            person.scans += figure.scans
            person.wrong += figure.wrong_scans
            person.short += figure.short_picks
            person.seconds += sum(figure.gaps)
    start, _end = day_bounds(today - timedelta(days=days - 1))
    _start, end = day_bounds(today)
    waves = ScanRecord.objects.filter(
        at__gte=start, at__lt=end, actor_id__in=list(people), wave__isnull=False,
        step__in=(FloorStep.PICK, FloorStep.SHORT),
    )
    if warehouse_ids is not None:
        waves = waves.filter(wave__warehouse_id__in=list(warehouse_ids))
    picked: dict[int, set[int]] = {}
    for actor_id, wave_id in waves.order_by().values_list("actor_id", "wave_id").distinct():
        picked.setdefault(actor_id, set()).add(wave_id)
    orders_of: dict[int, set[int]] = {}
    all_waves = set().union(*picked.values()) if picked else set()
    for wave_id, order_id in WaveOrder.objects.filter(wave_id__in=all_waves).values_list("wave_id", "order_id"):
        orders_of.setdefault(wave_id, set()).add(order_id)
    for actor_id, wave_ids in picked.items():
        people[actor_id].orders = len(set().union(*(orders_of.get(w, set()) for w in wave_ids)))
    return sorted(people.values(), key=lambda p: (-p.orders, -p.units, str(p.user)))[:LIMIT]
