"""``manage.py seed_demo``: warehouses, SKUs, stock, channels and a fortnight of orders.

Every order goes in through ``order_intake`` and moves through the transition services, so the
stock ledger and the event log are exactly what real traffic leaves behind.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import translation

from channels.models import Channel
from inventory.models import Sku, Warehouse
from oms.demo import seed_demo
from orders.models import Order
from orders.states import HoldReason, OrderStatus


class Command(BaseCommand):
    help = "Fill the database with demo data: 3 warehouses, ~200 SKUs, 5 channels, orders in every status."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=2000, help="how many orders (default 2000)")
        parser.add_argument("--seed", type=int, default=None, help="random seed, for the same data every time")
        parser.add_argument("--days", type=int, default=14, help="orders placed over this many days (default 14)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if there is any order already")

    def handle(self, *args, orders, seed, days, if_empty, **options):
        if orders < 0 or days < 1:
            raise CommandError("--orders must be >= 0 and --days >= 1")
        if if_empty and Order.objects.exists():
            self.stdout.write(f"seed_demo: {Order.objects.count()} orders already there, nothing to do (--if-empty).")
            return
        started = time.monotonic()
        result = seed_demo(orders=orders, seed=seed, days=days)
        elapsed = time.monotonic() - started
        with translation.override("zh-hans"):
            self._summary(result, elapsed)

    def _summary(self, result, elapsed: float) -> None:
        write = self.stdout.write
        write(
            self.style.SUCCESS(
                f"seed_demo: {result.created} orders in {elapsed:.1f}s (seed {result.seed}); "
                f"{Warehouse.objects.count()} warehouses, {Sku.objects.count()} SKUs, {Channel.objects.count()} channels"
            )
        )
        by_status = dict(Order.objects.values_list("status").annotate(n=Count("id")))
        write("  status:  " + "  ".join(f"{s.label} {s.value} {by_status.get(s.value, 0)}" for s in OrderStatus))
        names = dict(Channel.objects.values_list("code", "name"))
        by_channel = Order.objects.values_list("channel__code").annotate(n=Count("id")).order_by("-n")
        write("  channel: " + "  ".join(f"{names[code]} {code} {n}" for code, n in by_channel))
        holds = (
            Order.objects.filter(status=OrderStatus.ON_HOLD)
            .values_list("hold_reason")
            .annotate(n=Count("id"))
            .order_by("-n")
        )
        labels = dict(HoldReason.choices)
        write("  on hold: " + "  ".join(f"{labels.get(reason, reason)} {reason} {n}" for reason, n in holds))
