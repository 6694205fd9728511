"""``manage.py sync_schedules``: create, update or delete our django-q2 schedules so they match
``oms/schedules.py``. Safe to run any number of times; schedules made by hand are left alone."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from oms.schedules import sync_schedules


class Command(BaseCommand):
    help = _("按 oms/schedules.py 同步后台定时任务（可重复执行）")

    def handle(self, *args, **options):
        report = sync_schedules()
        labels = {"created": _("新建"), "updated": _("更新"), "deleted": _("删除"), "unchanged": _("不变")}
        parts = [f"{labels[k]} {len(v)}" for k, v in report.items()]
        self.stdout.write(_("定时任务已同步：%(summary)s") % {"summary": "，".join(parts)})
        for key in ("created", "updated", "deleted"):
            for name in report[key]:
                self.stdout.write(f"  {labels[key]} {name}")
