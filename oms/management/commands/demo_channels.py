"""``manage.py demo_channels --simulator http://127.0.0.1:8765 [--poll taobao,jd]``: point the
seeded demo shops at the local platform simulator, for ``make run``'s live demo.

Every demo shop gets the simulator as its 接口地址 (so shipments are pushed back there); the
shops named by ``--poll`` have 定时拉单 on and their cursor reset (the simulator starts empty on
each run), the others receive orders by webhook (``simulate_orders``). Idempotent. Refuses to run
with ``DEBUG`` off unless ``--force``: it rewrites shop settings.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from channels.models import Channel
from channels.simulator import PLATFORMS
from oms.demo.catalog import CHANNELS

DEMO_CREDENTIALS = {"app_key": "demo-key", "session": "demo-session", "access_token": "demo-token"}


class Command(BaseCommand):
    help = _("把演示渠道指向本地平台模拟器（拉单或推送）")

    def add_arguments(self, parser):
        parser.add_argument("--simulator", default="http://127.0.0.1:8765")
        parser.add_argument("--poll", default="taobao,jd", help=_("定时拉单的演示渠道编码，逗号分隔"))
        parser.add_argument("--force", action="store_true", help=_("DEBUG 关闭时也执行"))

    def handle(self, *args, simulator, poll, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(_("demo_channels 只在 DEBUG 模式下运行（或加 --force）"))
        codes = [code for code, _name, platform, _weight in CHANNELS if platform in PLATFORMS]
        polled = {c.strip() for c in poll.split(",") if c.strip()}
        unknown = polled - set(codes)
        if unknown:
            raise CommandError(_("不是演示渠道：%(codes)s") % {"codes": ", ".join(sorted(unknown))})
        base = simulator.rstrip("/")
        with transaction.atomic():
            channels = list(Channel.objects.select_for_update().filter(code__in=codes).order_by("code"))
            for channel in channels:
                channel.api_base_url = f"{base}/{channel.platform}"
                channel.poll_enabled = channel.code in polled
                channel.poll_cursor = ""
                channel.last_poll_error = ""
                channel.credentials = channel.credentials or dict(DEMO_CREDENTIALS)
                channel.save(update_fields=["api_base_url", "poll_enabled", "poll_cursor", "last_poll_error",
                                            "credentials"])
        for channel in channels:
            how = _("定时拉单") if channel.poll_enabled else _("webhook 推送")
            self.stdout.write(f"  {channel.code:<11} {how:<10} {channel.api_base_url}")
