"""``manage.py demo_groupbuy [--interval 20]``: group-buy leaders at work, for ``make run``'s demo.

Every ``--interval`` seconds a few households order through their leaders (the real leader
service, payment photo and all) in the campaign taking orders, opened for the next 20:00 if there
is none; pretend leaders confirm the goods that reached their station and hand some over. The
cutoff is pressed by hand in admin (团购活动 → 立即截单) or comes at 20:00 with the worker; orders
then go to the next day's campaign. Refuses to run with ``DEBUG`` off.
"""

import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from oms.demo.groupbuy import GroupbuyDemo, current_campaign


class Command(BaseCommand):
    help = _("演示用：团长们陆续为邻居下单，到货后确认取货")

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=20)
        parser.add_argument("--per-round", type=int, default=2, help=_("每轮最多下单数"))
        parser.add_argument("--rounds", type=int, default=0, help=_("运行这么多轮后停止（0 = 一直运行）"))

    def handle(self, *args, interval, per_round, rounds, **options):
        if not settings.DEBUG:
            raise CommandError(_("demo_groupbuy 只在 DEBUG 模式下运行"))
        demo = GroupbuyDemo(rng=random.Random(), write=self.stdout.write, per_round=per_round)
        campaign = current_campaign()
        if campaign is None:
            raise CommandError(_("没有演示商品：请先运行 seed_demo"))
        self.stdout.write(_("团购：%(name)s，%(at)s 截单") % {"name": campaign.name, "at": f"{timezone.localtime(campaign.cutoff_at):%m-%d %H:%M}"})
        done = 0
        try:
            while not rounds or done < rounds:
                demo.round()
                done += 1
                if not rounds or done < rounds:
                    time.sleep(interval)
        except KeyboardInterrupt:
            pass
