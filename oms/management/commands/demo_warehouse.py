"""``manage.py demo_warehouse [--interval 15]``: a pretend warehouse for ``make run``'s demo.

Every ``--interval`` seconds it moves the orders that arrived since it started one step along
(审核 → 拣货 → 打包 → 发货 with a carrier and tracking number), a few per step, through the real
order services, so the demo shows new orders flowing out and tracking numbers written back to
the platforms. Held orders are left for people. Refuses to run with ``DEBUG`` off.
"""

import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from oms.demo.run import CARRIERS, CHANNEL_CARRIERS
from orders.models import Order
from orders.services import OrderActionRefused, order_approve, order_pack, order_ship, order_start_picking
from orders.states import OrderStatus as S

STEPS = (  # latest first, so an order moves one step per round
    (S.PACKED, "ship"),
    (S.PICKING, "pack"),
    (S.READY, "start_picking"),
    (S.PENDING_REVIEW, "approve"),
)


class Command(BaseCommand):
    help = _("演示用：把新到的订单逐步审核、拣货、打包、发货")

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=15)
        parser.add_argument("--per-step", type=int, default=5, help=_("每轮每个环节处理的订单数"))
        parser.add_argument("--rounds", type=int, default=0, help=_("运行这么多轮后停止（0 = 一直运行）"))

    def handle(self, *args, interval, per_step, rounds, **options):
        if not settings.DEBUG:
            raise CommandError(_("demo_warehouse 只在 DEBUG 模式下运行"))
        self.rng = random.Random()
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
        for status, step in STEPS:
            orders = Order.objects.filter(created_at__gte=since, status=status).select_related("channel")
            for order in orders.order_by("id")[:per_step]:
                try:
                    moved = self.step(order, step)
                except OrderActionRefused as exc:
                    self.stderr.write(f"{order.number}: {exc.message}")
                    continue
                self.stdout.write(f"{moved.number} {moved.channel.code}: {moved.get_status_display()}"
                                  + (f" {moved.carrier} {moved.tracking_number}" if step == "ship" else ""))

    def step(self, order: Order, step: str) -> Order:
        expected = order.status
        if step == "approve":
            return order_approve(order=order, expected_status=expected, note=_("演示仓库自动审核"))
        if step == "start_picking":
            return order_start_picking(order=order, expected_status=expected)
        if step == "pack":
            return order_pack(order=order, expected_status=expected)
        carriers = CHANNEL_CARRIERS.get(order.channel.platform, CHANNEL_CARRIERS["taobao"])
        carrier = self.rng.choices(list(carriers), weights=list(carriers.values()))[0]
        tracking = "".join(str(self.rng.randrange(10)) if c == "#" else c for c in CARRIERS[carrier])
        return order_ship(order=order, expected_status=expected, carrier=carrier, tracking_number=tracking)
