"""The background schedules, declared in code: ``manage.py sync_schedules`` makes django-q2's
``Schedule`` rows match this list (``make run`` calls it). Idempotent: it creates what is missing,
updates what changed and deletes schedules of ours no longer listed; schedules made by hand (any
name without the ``oms.`` prefix) are left alone.
"""

from dataclasses import dataclass

PREFIX = "oms."


@dataclass(frozen=True)
class Declared:
    name: str  # stable key, always starting with PREFIX
    func: str
    minutes: int = 1


SCHEDULES = (
    Declared("oms.poll_channels", "channels.tasks.poll_channels"),
    Declared("oms.cancel_unpaid", "channels.tasks.cancel_unpaid"),
    # The safety net of the inbox: messages arriving queue a drain at once (channels/services/queue.py).
    Declared("oms.drain_inbox", "channels.tasks.drain_inbox"),
    Declared("oms.push_outbound", "channels.tasks.push_outbound"),
    Declared("oms.restock_rerun", "orders.tasks.restock_rerun"),
    # Group-buy cutoff: campaigns past their cutoff (20:00 by default) close; idempotent, safe with
    # two workers (channels/services/cutoff.py).
    Declared("oms.close_campaigns", "channels.tasks.close_campaigns"),
    Declared("oms.notify_buyers", "orders.tasks.notify_buyers"),
    Declared("oms.refresh_dashboard", "orders.tasks.refresh_dashboard", minutes=5),
    Declared("oms.sla_sweep", "orders.tasks.sla_sweep"),
    # Retention (docs/CONFIGURATION.md): processed inbox messages past INBOX_RETENTION_DAYS are
    # deleted, events of orders finished EVENT_ARCHIVE_DAYS ago move to the archive; each run is
    # bounded (about 50 s) and the next goes on.
    Declared("oms.purge_inbox", "channels.tasks.purge_inbox", minutes=60),
    Declared("oms.archive_events", "orders.tasks.archive_events", minutes=60),
)


def sync_schedules(declared=SCHEDULES) -> dict[str, list[str]]:
    """Bring the ``Schedule`` table in line with ``declared``. Returns the names created, updated,
    deleted and unchanged."""
    from django.db import transaction
    from django.utils import timezone
    from django_q.models import Schedule

    report = {"created": [], "updated": [], "deleted": [], "unchanged": []}
    wanted = {d.name: d for d in declared}
    with transaction.atomic():
        existing = {s.name: s for s in Schedule.objects.select_for_update().filter(name__startswith=PREFIX)}
        for name, schedule in existing.items():
            if name not in wanted:
                schedule.delete()
                report["deleted"].append(name)
        for name, d in wanted.items():
            fields = {"func": d.func, "schedule_type": Schedule.MINUTES, "minutes": d.minutes, "repeats": -1,
                      "args": None, "kwargs": None, "hook": None, "cron": None}
            schedule = existing.get(name)
            if schedule is None:
                Schedule.objects.create(name=name, next_run=timezone.now(), **fields)
                report["created"].append(name)
            elif any(getattr(schedule, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(schedule, k, v)
                schedule.save()
                report["updated"].append(name)
            else:
                report["unchanged"].append(name)
    return report
