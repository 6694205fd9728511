"""Buyers for the demo: a thread that places orders on the simulated platforms at a steady rate,
and now and then pays a waiting order or cancels one, so polling has something to pick up."""

import random
import threading
import zlib
from dataclasses import dataclass

from channels.connectors import PlatformStatus
from channels.connectors.common import shared_addresses
from channels.simulator.store import PLATFORMS, PlatformStore, SimulatorError

S = PlatformStatus
PRICES = ("9.90", "19.90", "29.00", "39.90", "59.00", "79.00", "99.00", "129.00", "199.00")
NAMES = ("王小明", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽🌸", "周杰", "吴敏", "小鱼🐟", "欧阳娜娜",
         "买买买🛒", "林晓", "何强")
FOREIGN = (
    {"name": "Emily Carter", "phone": "4155550132", "province": "California", "city": "San Francisco", "district": "",
     "street": "1 Market St, Apt 5B"},
    {"name": "Lukas Müller", "phone": "15123456789", "province": "Berlin", "city": "Berlin", "district": "",
     "street": "Unter den Linden 77"},
)


@dataclass(frozen=True)
class SkuChoice:
    code: str
    title: str = ""

    @property
    def price(self) -> str:
        return PRICES[zlib.crc32(self.code.encode()) % len(PRICES)]


class OrderGenerator:
    """Places ``rate`` orders a minute on ``platforms`` with SKU codes from ``skus``."""

    def __init__(self, store: PlatformStore, *, rate: float, skus: list[SkuChoice], platforms=PLATFORMS,
                 seed: int | None = None, on_order=None):
        if rate <= 0 or not skus:
            raise ValueError("rate must be positive and at least one SKU given")
        self.store, self.rate, self.skus, self.platforms = store, rate, list(skus), tuple(platforms)
        self.rng = random.Random(seed)
        self.on_order = on_order or (lambda platform, external_id, action: None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._waiting: list[tuple[str, str]] = []  # unpaid orders a buyer will pay soon

    def start(self) -> "OrderGenerator":
        self._thread = threading.Thread(target=self._run, name="order-generator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.rng.expovariate(self.rate / 60.0)):
            self.step()

    def step(self) -> None:
        """One buyer action: mostly a new order, sometimes paying or cancelling an earlier one."""
        roll = self.rng.random()
        if self._waiting and roll < 0.15:
            platform, external_id = self._waiting.pop(0)
            action = "pay" if self.rng.random() < 0.8 else "cancel"
            try:
                self.store.act(platform, external_id, action)
            except SimulatorError:
                return
            self.on_order(platform, external_id, action)
            return
        platform = self.rng.choice(self.platforms)
        status = S.UNPAID if roll > 0.88 else S.PAID
        order = self.store.create(platform, self._lines(), status=status, **self._recipient(platform))
        if status == S.UNPAID:
            self._waiting.append((platform, order.external_id))
        self.on_order(platform, order.external_id, "create")

    def _lines(self) -> list[tuple]:
        picked = self.rng.sample(self.skus, k=min(len(self.skus), self.rng.choice((1, 1, 1, 2, 2, 3))))
        lines = [(sku.code, self.rng.choice((1, 1, 1, 2, 3)), sku.price, sku.title) for sku in picked]
        if len(self.skus) > len(picked) and self.rng.random() < 0.08:  # a free gift now and then
            gift = self.rng.choice([s for s in self.skus if s not in picked])
            lines.append((gift.code, 1, "0.00", f"【赠品】{gift.title or gift.code}"))
        return lines

    def _recipient(self, platform: str) -> dict:
        if platform == "aliexpress":
            return dict(self.rng.choice(FOREIGN))
        address = self.rng.choice(shared_addresses())
        name = self.rng.choice(NAMES)
        phone = f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"
        if platform in ("pinduoduo", "douyin") and self.rng.random() < 0.3:  # shown masked by the platform
            name, phone = name[0] + "**", phone[:3] + "****" + phone[-4:]
        return {"name": name, "phone": phone, **{k: address[k] for k in ("province", "city", "district", "street")}}
