"""``manage.py purge_idempotency_keys [--hours 24]``: forget API idempotency keys older than that."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from orders.idempotency import DEFAULT_RETENTION, idempotency_purge


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than --hours (default 24); their keys can then be reused."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=int(DEFAULT_RETENTION.total_seconds() // 3600))

    def handle(self, *args, hours: int, **options):
        deleted = idempotency_purge(older_than=timedelta(hours=hours))
        self.stdout.write(f"purged={deleted}")
