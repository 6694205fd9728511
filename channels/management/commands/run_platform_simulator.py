"""``manage.py run_platform_simulator --port 8765 [--rate N] [--sku CODE …]``: the local stand-in
for the sales platforms, serving their order APIs and shipment callbacks until Ctrl-C.

With ``--rate`` it also places N orders a minute (and pays or cancels some later), with SKU
codes from ``--sku`` or, when none are given, from the active SKUs in our catalogue, so the
demo shows orders arriving by polling. Point a channel's 接口地址 at the printed URL.
"""

import threading

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from channels.simulator import PLATFORMS, PlatformSimulator
from channels.simulator.generator import OrderGenerator, SkuChoice


class Command(BaseCommand):
    help = _("运行本地平台模拟器（淘宝、京东、拼多多、抖音、速卖通的订单接口和发货回传）")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--rate", type=float, default=0, help=_("每分钟自动生成的订单数（0 = 不生成）"))
        parser.add_argument("--sku", action="append", default=[], help=_("生成订单用的商家编码，可重复；不给则读取启用的 SKU"))
        parser.add_argument("--platforms", default=",".join(PLATFORMS), help=_("生成订单的平台，逗号分隔"))
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--duration", type=float, default=0, help=_("运行这么多秒后自动停止（0 = 一直运行）"))

    def handle(self, *args, **options):
        platforms = [p.strip() for p in options["platforms"].split(",") if p.strip()]
        unknown = set(platforms) - set(PLATFORMS)
        if unknown or not platforms:
            raise CommandError(_("未知的平台：%(names)s") % {"names": ", ".join(sorted(unknown)) or "-"})
        if options["rate"] < 0:
            raise CommandError(_("--rate 不能是负数"))
        skus = [SkuChoice(code) for code in options["sku"]] if options["sku"] else []
        if options["rate"] and not skus:
            skus = self._catalogue()
        try:
            sim = PlatformSimulator(options["host"], options["port"])
        except OSError as exc:
            raise CommandError(_("无法监听 %(host)s:%(port)s：%(error)s") % {
                "host": options["host"], "port": options["port"], "error": exc}) from exc
        self.stdout.write(_("平台模拟器运行在 %(url)s") % {"url": sim.url})
        for platform in PLATFORMS:
            self.stdout.write(f"  {platform:<11} {sim.base_url(platform)}")
        self.stdout.write(_("  控制接口    %(url)s/_control/（orders、outage、shipments）") % {"url": sim.url})
        generator = None
        if options["rate"]:
            generator = OrderGenerator(sim.store, rate=options["rate"], skus=skus, platforms=platforms,
                                       seed=options["seed"], on_order=self._report)
            self.stdout.write(_("每分钟生成 %(rate)s 个订单，商品：%(codes)s") % {
                "rate": options["rate"], "codes": ", ".join(s.code for s in skus[:10]) + (" …" if len(skus) > 10 else "")})
            generator.start()
        timer = None
        if options["duration"]:
            timer = threading.Timer(options["duration"], sim.stop)
            timer.start()
        try:
            sim.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            if timer is not None:
                timer.cancel()
            if generator is not None:
                generator.stop()
            sim.stop()
        self.stdout.write(_("平台模拟器已停止"))

    def _catalogue(self) -> list[SkuChoice]:
        from inventory.models import Sku

        skus = [SkuChoice(code, name) for code, name in
                Sku.objects.filter(active=True).order_by("code").values_list("code", "name")[:500]]
        if not skus:
            raise CommandError(_("没有启用的 SKU：请用 --sku 指定商家编码，或先导入商品"))
        return skus

    def _report(self, platform: str, external_id: str, action: str) -> None:
        labels = {"create": _("新订单"), "pay": _("已付款"), "cancel": _("已取消")}
        self.stdout.write(f"{labels.get(action, action)} {platform} {external_id}")
