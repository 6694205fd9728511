"""Per-picker figures for a day, read from the scan records (nothing here writes).

Lines picked: pick lines a person finished (their last pick scan on the line that day), short
picks, wrong scans (a wrong item at pick, sort or pack), and the average seconds per line: the
gaps between one person's consecutive line finishes, leaving out gaps over ``BREAK_SECONDS``
(a break, a walk to another wave), which would say nothing about picking speed.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from warehouse.models import FloorStep, ScanRecord

BREAK_SECONDS = 15 * 60
WRONG_ITEM_REASONS = ("wrong_item", "extra_item")


@dataclass
class PickerDay:
    user: object
    lines_picked: int = 0
    units_picked: int = 0
    short_picks: int = 0
    wrong_scans: int = 0
    scans: int = 0
    gaps: list[float] = field(default_factory=list)

    @property
    def seconds_per_line(self) -> float | None:
        return round(sum(self.gaps) / len(self.gaps), 1) if self.gaps else None

    @property
    def wrong_rate(self) -> float | None:
        """Wrong item scans per 100 item scans."""
        return round(100 * self.wrong_scans / self.scans, 2) if self.scans else None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def picker_figures(*, day: date | None = None, warehouse_ids=None) -> list[PickerDay]:
    """One row per person who scanned on ``day`` (local; today by default), most lines first."""
    start, end = day_bounds(day or timezone.localdate())
    records = ScanRecord.objects.filter(at__gte=start, at__lt=end, actor__isnull=False)
    if warehouse_ids is not None:
        records = records.filter(wave__warehouse_id__in=list(warehouse_ids))
    rows = records.values_list("actor_id", "step", "ok", "reason", "line_id", "quantity", "at").order_by("at", "id")
    people: dict[int, PickerDay] = {}
    finished: dict[tuple[int, int], datetime] = {}
    for actor_id, step, ok, reason, line_id, quantity, at in rows:
        person = people.setdefault(actor_id, PickerDay(user=actor_id))
        if step in (FloorStep.PICK, FloorStep.SORT, FloorStep.PACK) and (ok or reason in WRONG_ITEM_REASONS):
            person.scans += 1
        if not ok and reason in WRONG_ITEM_REASONS:
            person.wrong_scans += 1
        if step == FloorStep.PICK and ok:
            person.units_picked += quantity
            finished[(actor_id, line_id)] = at
        if step == FloorStep.SHORT:
            person.short_picks += 1
            finished[(actor_id, line_id)] = at
    by_person: dict[int, list[datetime]] = {}
    for (actor_id, _line), at in finished.items():
        by_person.setdefault(actor_id, []).append(at)
    for actor_id, times in by_person.items():
        times.sort()
        person = people[actor_id]
        person.lines_picked = len(times)
        person.gaps = [
            gap for gap in ((b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)) if gap <= BREAK_SECONDS
        ]
    users = get_user_model().objects.in_bulk(list(people))
    for person in people.values():
        person.user = users.get(person.user)
    return sorted(people.values(), key=lambda p: (-p.lines_picked, str(p.user)))
