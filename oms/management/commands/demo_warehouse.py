"""``manage.py demo_warehouse [--interval 15]``: a pretend warehouse for ``make run``'s demo.

Every ``--interval`` seconds it approves the orders that arrived since it started, then works the
floor like a person through the floor services (``oms.demo.floor.FloorRobot``): builds waves,
picks by scanning, sorts, packs, weighs and ships with a carrier and tracking number, one step
per round, so the demo shows orders flowing out and tracking numbers written back to the
platforms. Released waves are left for the people who work in a warehouse (the ``picker``
login in 杭州仓); held and short-picked orders are left for ops. Refuses to run with ``DEBUG`` off.
"""

import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from oms.demo.floor import FloorRobot
from orders.models import Order
from orders.services import OrderActionRefused, order_approve
from orders.states import OrderStatus


class Command(BaseCommand):
    help = _("演示用：审核新到的订单，并按波次拣货、打包、称重、发货")

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=15)
        parser.add_argument("--per-step", type=int, default=5, help=_("每轮每个环节处理的订单数"))
        parser.add_argument("--rounds", type=int, default=0, help=_("运行这么多轮后停止（0 = 一直运行）"))

    def handle(self, *args, interval, per_step, rounds, **options):
        if not settings.DEBUG:
            raise CommandError(_("demo_warehouse 只在 DEBUG 模式下运行"))
        self.per_step = per_step
        self.robot = FloorRobot(rng=random.Random(), write=self.stdout.write, per_round=per_step)
        since = timezone.now()
        done = 0
        try:
            while not rounds or done < rounds:
                self.round(since=since, per_step=per_step)
                done += 1
                if not rounds or done < rounds:
                    time.sleep(interval)
        except KeyboardInterrupt:
            pass

    def round(self, *, since, per_step: int) -> None:
        # Group-buy orders are left alone: their leader may change them until the cutoff, which
        # then passes them on itself.
        new = Order.objects.filter(
            created_at__gte=since, status=OrderStatus.PENDING_REVIEW, station__isnull=True
        ).order_by("id")
        for order in new[:per_step]:
            try:
                order_approve(order=order, expected_status=OrderStatus.PENDING_REVIEW, note=_("演示仓库自动审核"))
            except OrderActionRefused as exc:
                self.stderr.write(f"{order.number}: {exc.message}")
        self.robot.round()
