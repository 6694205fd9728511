"""``manage.py refresh_dashboard [--days N]``: rebuild the dashboard's roll-ups and analytics now
(the worker does it every five minutes; after loading history, or for a demo, run this once)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from orders.services.rollups import WINDOW_DAYS, analytics_refresh, dashboard_refresh, local_today


class Command(BaseCommand):
    help = "重新生成主管看板的每日统计和分析快照"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=WINDOW_DAYS, help="重算最近几天（默认 %(default)s）")

    def handle(self, *args, days, **options):
        today = local_today()
        rows = dashboard_refresh(first=today - timedelta(days=max(days, 1) - 1), last=today)
        analytics_refresh()
        self.stdout.write(f"{rows} rows, analytics refreshed")
