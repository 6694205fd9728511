"""``manage.py sync_schedules``: our django-q2 schedules match ``oms/schedules.py``, idempotently,
and schedules made by hand are left alone."""

from django.core.management import call_command
from django_q.models import Schedule

from oms.schedules import SCHEDULES, Declared, sync_schedules


def ours():
    return {s.name: (s.func, s.schedule_type, s.minutes, s.repeats) for s in Schedule.objects.filter(name__startswith="oms.")}


def test_sync_creates_every_declared_schedule_once(db, capsys):
    call_command("sync_schedules")
    first = ours()
    call_command("sync_schedules")

    assert first == ours() == {d.name: (d.func, Schedule.MINUTES, d.minutes, -1) for d in SCHEDULES}
    assert {"channels.tasks.poll_channels", "channels.tasks.cancel_unpaid", "channels.tasks.drain_inbox",
            "channels.tasks.push_outbound", "orders.tasks.restock_rerun", "orders.tasks.notify_buyers"} <= {func for func, *_ in first.values()}
    out = capsys.readouterr().out
    assert f"新建 {len(SCHEDULES)}" in out and f"不变 {len(SCHEDULES)}" in out


def test_sync_updates_changed_deletes_dropped_and_keeps_hand_made(db):
    sync_schedules()
    Schedule.objects.filter(name="oms.cancel_unpaid").update(minutes=30, func="wrong.func")
    Schedule.objects.create(name="oms.old_task", func="channels.tasks.gone", schedule_type=Schedule.MINUTES, minutes=5)
    hand_made = Schedule.objects.create(name="月底对账", func="reports.month_end", schedule_type=Schedule.DAILY)

    report = sync_schedules()

    assert report["updated"] == ["oms.cancel_unpaid"] and report["deleted"] == ["oms.old_task"]
    assert ours()["oms.cancel_unpaid"] == ("channels.tasks.cancel_unpaid", Schedule.MINUTES, 1, -1)
    assert Schedule.objects.filter(pk=hand_made.pk).exists()
    assert sorted(sync_schedules(declared=(Declared("oms.poll_channels", "channels.tasks.poll_channels"),))["deleted"]) == sorted(
        d.name for d in SCHEDULES if d.name != "oms.poll_channels")


def test_every_scheduled_function_exists():
    from importlib import import_module

    for declared in SCHEDULES:
        module, name = declared.func.rsplit(".", 1)
        assert callable(getattr(import_module(module), name)), declared.func
