"""``manage.py simulate_orders --channel <code> --rate N [--count M] [--url http://127.0.0.1:8000]``:
play a platform pushing orders to our webhook.

Orders in the channel's platform shape (``channels.simulator.generator``: our catalogue's SKU
codes, awkward addresses, emoji and masked names; about one in nine unpaid, later paid or
cancelled, and that change is pushed too) are signed with the channel's secret
(``channels.signing``) and POSTed to ``<url>/channels/<code>/webhook``, about N a minute in all.
``--channel`` may be repeated. With ``--simulator http://127.0.0.1:8765`` the orders are placed
on the running platform simulator first, so their shipments can be pushed back there later.
Prints each answer and, at the end (``--count`` reached, or Ctrl-C), the count of each status.
"""

import json
import random
import time
import urllib.error
import urllib.request
from collections import Counter
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from channels.connectors import get_connector
from channels.models import Channel
from channels.signing import signed_headers
from channels.simulator import PlatformStore, SimulatorError
from channels.simulator.generator import OrderGenerator, SkuChoice


class RemoteStore:
    """The simulator's control API, with the two calls the order generator makes."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.payloads: dict[tuple[str, str], dict] = {}

    def _post(self, path: str, data: dict) -> dict:
        request = urllib.request.Request(  # noqa: S310 (http(s) checked in handle)
            self.url + path, data=json.dumps(data, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (http URL given by the operator)
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise SimulatorError(exc.read().decode("utf-8", "replace")) from None
        except OSError as exc:
            raise SimulatorError(str(exc)) from None

    def create(self, platform, lines, *, status, **recipient):
        answer = self._post("/_control/orders", {"platform": platform, "lines": [list(line) for line in lines],
                                                 "status": status, "recipient": recipient})
        self.payloads[(platform, answer["external_id"])] = answer["payload"]
        return SimpleNamespace(external_id=answer["external_id"])

    def act(self, platform, external_id, action):
        answer = self._post(f"/_control/orders/{platform}/{external_id}/{action}", {})
        self.payloads[(platform, external_id)] = answer["payload"]

    def payload(self, platform, external_id) -> dict:
        return self.payloads[(platform, external_id)]


class LocalStore(PlatformStore):
    def payload(self, platform, external_id) -> dict:
        return self.get(platform, external_id).payload()


class Command(BaseCommand):
    help = _("模拟平台向本系统推送订单（带签名的 webhook）")

    def add_arguments(self, parser):
        parser.add_argument("--channel", action="append", required=True, help=_("渠道编码，可重复"))
        parser.add_argument("--rate", type=float, required=True, help=_("每分钟推送的订单数"))
        parser.add_argument("--count", type=int, default=0, help=_("推送这么多次后停止（0 = 一直推送）"))
        parser.add_argument("--url", default="http://127.0.0.1:8000", help=_("本系统的地址"))
        parser.add_argument("--simulator", default="", help=_("平台模拟器地址：先在模拟器上下单，发货回传才能成功"))
        parser.add_argument("--sku", action="append", default=[], help=_("商家编码，可重复；不给则读取启用的 SKU"))
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, **options):
        if options["rate"] <= 0:
            raise CommandError(_("--rate 必须大于 0"))
        if options["count"] < 0:
            raise CommandError(_("--count 不能是负数"))
        for name in ("url", "simulator"):
            value = options[name]
            if value and (urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc):
                raise CommandError(_("--%(name)s 必须是 http(s) 地址：%(value)s") % {"name": name, "value": value})
        channels = self._channels(options["channel"])
        skus = [SkuChoice(code) for code in options["sku"]] or self._catalogue()
        store = RemoteStore(options["simulator"]) if options["simulator"] else LocalStore(seed=options["seed"])
        rng = random.Random(options["seed"])
        self.sent: list = []
        feeds = []
        for channel in channels:
            generator = OrderGenerator(store, rate=options["rate"], skus=skus, platforms=[channel.platform],
                                       seed=rng.randrange(10**9),
                                       on_order=lambda p, e, a, channel=channel: self.sent.append((channel, p, e, a)))
            feeds.append((channel, generator))
        url = options["url"].rstrip("/")
        self.stdout.write(_("每分钟向 %(url)s 推送约 %(rate)s 个订单：%(channels)s") % {
            "url": url, "rate": options["rate"], "channels": ", ".join(c.code for c in channels)})
        counts: Counter = Counter()
        posted = 0
        try:
            while not options["count"] or posted < options["count"]:
                channel, generator = feeds[posted % len(feeds)]
                try:
                    generator.step()
                except SimulatorError as exc:
                    counts["simulator"] += 1
                    self.stderr.write(_("模拟器出错：%(error)s") % {"error": exc})
                while self.sent:
                    channel, platform, external_id, action = self.sent.pop(0)
                    status = self._post(url, channel, store.payload(platform, external_id))
                    counts[status] += 1
                    posted += 1
                    self.stdout.write(f"{action:<6} {channel.code} {external_id} → {status}")
                if not options["count"] or posted < options["count"]:
                    time.sleep(rng.expovariate(options["rate"] / 60.0))
        except KeyboardInterrupt:
            pass
        summary = "  ".join(f"{status}: {n}" for status, n in sorted(counts.items(), key=lambda kv: str(kv[0])))
        self.stdout.write(_("共推送 %(n)s 次；%(summary)s") % {"n": posted, "summary": summary or "-"})

    def _channels(self, codes: list[str]) -> list[Channel]:
        found = {c.code: c for c in Channel.objects.filter(code__in=codes)}
        missing = [code for code in codes if code not in found]
        if missing:
            known = ", ".join(Channel.objects.order_by("code").values_list("code", flat=True)) or "-"
            raise CommandError(_("渠道不存在：%(codes)s（现有渠道：%(known)s）") % {
                "codes": ", ".join(missing), "known": known})
        for channel in found.values():
            try:
                get_connector(channel.platform)
            except LookupError:
                raise CommandError(_("渠道 %(code)s 的平台（%(platform)s）没有对接程序，无法生成订单") % {
                    "code": channel.code, "platform": channel.get_platform_display()}) from None
        return [found[code] for code in dict.fromkeys(codes)]

    def _catalogue(self) -> list[SkuChoice]:
        from inventory.models import Sku

        skus = [SkuChoice(code, name) for code, name in
                Sku.objects.filter(active=True).order_by("code").values_list("code", "name")[:500]]
        if not skus:
            raise CommandError(_("没有启用的 SKU：请用 --sku 指定商家编码，或先导入商品"))
        return skus

    def _post(self, url: str, channel: Channel, payload: dict):
        """POST one signed payload; the HTTP status, or "error" when it could not be sent."""
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", **signed_headers(channel.webhook_secret, body)}
        request = urllib.request.Request(  # noqa: S310 (http(s) checked in handle)
            f"{url}/channels/{channel.code}/webhook", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (http URL given by the operator)
                return response.status
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code
        except OSError as exc:
            self.stderr.write(_("推送失败：%(error)s") % {"error": getattr(exc, "reason", exc)})
            return "error"
