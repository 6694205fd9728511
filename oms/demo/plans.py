"""What each demo order is and how far along it should be, decided before anything is written.

Older orders are further along (delivered, completed); today's are mostly waiting for review or
for picking. A few arrive broken (unknown SKU code, half an address), a few ask for scarce goods,
a few are held or cancelled by people. ``ensure_every_status`` makes a small run show them all.
"""

import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from oms.demo.catalog import CHANNELS, DemoSku
from oms.demo.people import Buyers
from orders.drafts import DraftLine, OrderDraft, Recipient
from orders.states import HoldReason
from orders.states import OrderStatus as S

#: the normal road, in order
FLOW = [S.PENDING_PAYMENT, S.PENDING_REVIEW, S.READY, S.PICKING, S.PACKED, S.SHIPPED, S.DELIVERED, S.COMPLETED]

# (upper bound of age in hours, {target: weight})
_TARGETS_BY_AGE = (
    (2, {S.PENDING_REVIEW: 65, S.READY: 35}),
    (8, {S.PENDING_REVIEW: 30, S.READY: 35, S.PICKING: 15, S.PACKED: 20}),
    (24, {S.PENDING_REVIEW: 8, S.READY: 17, S.PICKING: 10, S.PACKED: 15, S.SHIPPED: 50}),
    (48, {S.READY: 3, S.PACKED: 4, S.SHIPPED: 85, S.DELIVERED: 8}),
    (96, {S.SHIPPED: 50, S.DELIVERED: 42, S.COMPLETED: 8}),
    (168, {S.SHIPPED: 10, S.DELIVERED: 50, S.COMPLETED: 40}),
    (10**6, {S.SHIPPED: 2, S.DELIVERED: 18, S.COMPLETED: 80}),
)
#: typical age (hours) of an order in each status, to pick one when a small run lacks it
_TYPICAL_AGE = {
    S.PENDING_PAYMENT: 0.3, S.PENDING_REVIEW: 1, S.READY: 3, S.PICKING: 5, S.PACKED: 7,
    S.SHIPPED: 30, S.DELIVERED: 100, S.COMPLETED: 240, S.CANCELLED: 50,
}
_HOUR_WEIGHTS = (3, 2, 1, 0.5, 0.5, 0.5, 1, 2, 3, 4, 5, 5, 5, 4, 4, 4, 4, 4, 4, 5, 7, 8, 7, 5)

UNKNOWN_CODES = ("HJ099-01", "MY031-02", "TB-6652193", "ZP-2026-GIFT", "SX-XMAS-BOX", "MY-OLD-118", "HJ1203")
BUYER_NOTES = (
    "请尽快发货，谢谢", "不要放快递柜，送货上门", "送人的，不要放价格单", "周末家里没人，请放门卫",
    "发顺丰可以吗？补运费", "麻烦包装结实一点", "生鲜请用冰袋", "宝宝急用，麻烦今天发", "上班时间请送到公司前台",
)
SELLER_NOTES = ("老客户，送试用装", "已备注赠品：小样两份", "客服已确认颜色", "直播间下单，优先处理")
MANUAL_HOLDS = (
    (S.PENDING_REVIEW, HoldReason.RISK, "大额订单，等待风控确认"),
    (S.PENDING_REVIEW, HoldReason.BUYER_REQUEST, "买家要求延后两天发货"),
    (S.READY, HoldReason.ADDRESS_CHANGE, "买家申请修改收货地址，待客服核实"),
)
CANCEL_NOTES = {
    S.PENDING_PAYMENT: "超时未付款，自动关闭",
    S.PENDING_REVIEW: "买家申请退款（未发货）",
    S.READY: "买家取消订单，已退款",
    S.ON_HOLD: "无法联系买家补全信息，与买家协商取消",
}


@dataclass
class Plan:
    """One order to take in and how far to take it."""

    draft: OrderDraft
    kind: str = "normal"  # normal | unknown_sku | bad_address | scarce | short (sure to be out of stock)
    target: str = S.COMPLETED
    pay_at: datetime | None = None  # when an order that arrived unpaid gets paid; None: never
    cancel_at: str = ""  # status from which it is cancelled when target is cancelled
    hold: tuple[str, str, str] | None = None  # (at status, reason, note)
    release: bool = False  # a held order is released and goes on

    @property
    def placed_at(self) -> datetime:
        return self.draft.placed_at


class Planner:
    def __init__(self, *, rng: random.Random, skus: list[DemoSku], now: datetime, days: int):
        self.rng, self.now, self.days = rng, now, days
        self.buyers = Buyers(rng)
        self.normal = [s for s in skus if not s.scarce]
        self.normal_weights = [s.popularity for s in self.normal]
        self.scarce = [s for s in skus if s.scarce]
        self.external_ids: set[tuple[str, str]] = set()

    def plans(self, count: int) -> list[Plan]:
        plans = sorted((self._plan(self._placed_at()) for _ in range(count)), key=lambda p: p.placed_at)
        if count >= 12:
            ensure_every_status(plans, self)
        return plans

    # -- when ---------------------------------------------------------------------------------
    def _placed_at(self) -> datetime:
        rng, now = self.rng, timezone.localtime(self.now)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        today_share = max((now - midnight) / timedelta(days=1), 0.2) * 1.3
        weights = [today_share] + [1 + 0.015 * (self.days - d) for d in range(1, self.days)]
        day = rng.choices(range(self.days), weights=weights)[0]
        start = midnight - timedelta(days=day)
        for _try in range(30):
            hour = rng.choices(range(24), weights=_HOUR_WEIGHTS)[0]
            at = start + timedelta(hours=hour, seconds=rng.randrange(3600))
            if at < now - timedelta(minutes=2):
                return at
        return start + (now - start) * rng.random()

    # -- what -----------------------------------------------------------------------------------
    def _plan(self, placed_at: datetime) -> Plan:
        rng = self.rng
        channel = rng.choices([c[0] for c in CHANNELS], weights=[c[3] for c in CHANNELS])[0]
        roll = rng.random()
        kind = "unknown_sku" if roll < 0.012 else "bad_address" if roll < 0.027 else "scarce" if roll < 0.085 else "normal"
        if channel == "aliexpress":
            # the consolidation warehouse's address is always complete
            kind = "normal" if kind == "bad_address" else kind
            recipient = self.buyers.consolidation_warehouse()
        elif kind == "bad_address":
            recipient = self.buyers.incomplete()
        elif rng.random() < 0.02:
            recipient = self.buyers.without_district()
        else:
            recipient = self.buyers.recipient()
        plan = Plan(draft=self._draft(channel, placed_at, recipient, kind), kind=kind)
        self._fate(plan)
        return plan

    def lines(self, kind: str) -> list[DraftLine]:
        rng = self.rng
        count = rng.choices((1, 2, 3, 4), weights=(55, 28, 12, 5))[0]
        chosen: dict[str, DemoSku] = {}
        while len(chosen) < count:
            sku = rng.choices(self.normal, weights=self.normal_weights)[0]
            chosen[sku.code] = sku
        lines = [self._line(sku, rng.choices((1, 2, 3), weights=(75, 18, 7))[0]) for sku in chosen.values()]
        if kind == "scarce":
            lines[0] = self._line(rng.choice(self.scarce), rng.choices((1, 2), weights=(80, 20))[0])
        elif kind == "unknown_sku":
            lines[-1] = DraftLine(sku_code=rng.choice(UNKNOWN_CODES), quantity=1, unit_price=Decimal("0"), title="赠品")
        return lines

    def _line(self, sku: DemoSku, quantity: int) -> DraftLine:
        price = (sku.price * Decimal(self.rng.choice(("1", "1", "0.95", "0.9")))).quantize(Decimal("0.01"))
        return DraftLine(sku_code=sku.code, quantity=quantity, unit_price=price, title=sku.name)

    def _draft(self, channel: str, placed_at: datetime, recipient: Recipient, kind: str) -> OrderDraft:
        rng = self.rng
        lines = self.lines(kind)
        goods = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
        fresh = any(line.sku_code.startswith("SX") for line in lines)
        fee = Decimal("10") if fresh and goods < 99 else Decimal("6") if goods < 39 else Decimal("0")
        discount = next((Decimal(d) for floor, d in ((299, "30"), (199, "20"), (99, "10")) if goods >= floor), Decimal("0"))
        if rng.random() < 0.6:
            discount = Decimal("0")
        arrives_paid = channel in ("jd", "aliexpress") or rng.random() > 0.15
        return OrderDraft(
            channel=channel,
            external_id=self._external_id(channel, placed_at),
            recipient=recipient,
            lines=tuple(lines),
            paid=arrives_paid,
            placed_at=placed_at,
            paid_at=placed_at + timedelta(seconds=rng.randint(20, 900)) if arrives_paid else None,
            promised_ship_at=placed_at + timedelta(hours=24 if fresh or channel == "jd" else 48),
            shipping_fee=fee,
            discount_amount=min(discount, goods),
            buyer_note=rng.choice(BUYER_NOTES) if rng.random() < 0.12 else "",
            seller_note=rng.choice(SELLER_NOTES) if rng.random() < 0.05 else "",
            priority=2 if rng.random() < 0.02 else 1 if fresh else 0,
            data={"demo": True},
        )

    def _external_id(self, channel: str, placed_at: datetime) -> str:
        rng = self.rng
        while True:
            if channel == "taobao":
                value = f"{rng.randint(2, 4)}{rng.randrange(10**18):018d}"
            elif channel == "jd":
                value = f"3{rng.randrange(10**11):011d}"
            elif channel == "pinduoduo":
                value = f"{timezone.localtime(placed_at):%y%m%d}-{rng.randrange(10**15):015d}"
            elif channel == "douyin":
                value = f"69{rng.randrange(10**17):017d}"
            else:
                value = f"81{rng.randrange(10**14):014d}"
            if (channel, value) not in self.external_ids:
                self.external_ids.add((channel, value))
                return value

    # -- how far ------------------------------------------------------------------------------
    def _fate(self, plan: Plan) -> None:
        rng = self.rng
        age = (self.now - plan.placed_at) / timedelta(hours=1)
        bounds_targets = next(t for bound, t in _TARGETS_BY_AGE if age < bound)
        plan.target = rng.choices(list(bounds_targets), weights=list(bounds_targets.values()))[0]
        if plan.kind in ("unknown_sku", "bad_address"):
            # Nothing maps an unknown code or completes an address yet: old ones end cancelled.
            if age > 72 and rng.random() < 0.65:
                plan.target, plan.cancel_at = S.CANCELLED, S.ON_HOLD
            else:
                plan.target = S.ON_HOLD
            return
        if not plan.draft.paid:
            if age < 0.5 or (age < 6 and rng.random() < 0.5):
                plan.target = S.PENDING_PAYMENT
                return
            if rng.random() < 0.25:
                plan.target, plan.cancel_at = S.CANCELLED, S.PENDING_PAYMENT
                return
            plan.pay_at = plan.placed_at + timedelta(minutes=rng.randint(2, 50))
        if age > 1 and rng.random() < 0.025:
            plan.target, plan.cancel_at = S.CANCELLED, rng.choice((S.PENDING_REVIEW, S.READY))
        elif rng.random() < 0.04 and plan.kind == "normal":
            plan.hold = rng.choice(MANUAL_HOLDS)
            if age < 48:
                plan.target = S.ON_HOLD
            else:
                plan.release = True
                plan.target = max(plan.target, S.SHIPPED, key=FLOW.index)


def ensure_every_status(plans: list[Plan], planner: Planner) -> None:
    """Make sure each status has an order: the newest orders carry the three intake holds
    (unknown SKU, bad address, out of stock), and for each status still missing, the plain
    order nearest its typical age is taken there."""
    rng = planner.rng
    newest = plans[-3:]
    for plan, kind in zip(newest, ("unknown_sku", "bad_address", "short"), strict=True):
        recipient = planner.buyers.incomplete() if kind == "bad_address" else planner.buyers.recipient()
        lines = planner.lines("unknown_sku" if kind == "unknown_sku" else "normal")
        plan.draft = replace(plan.draft, recipient=recipient, lines=tuple(lines))
        plan.kind, plan.target, plan.hold, plan.release, plan.cancel_at = kind, S.ON_HOLD, None, False, ""
    taken = set(map(id, newest))
    count = Counter(p.target for p in plans)
    for status, typical in _TYPICAL_AGE.items():
        if count[status]:
            continue
        # a plain order not already moved, whose own status some other order also shows
        candidates = [p for p in plans if p.kind == "normal" and id(p) not in taken and count[p.target] > 1]
        plan = min(candidates, key=lambda p: abs((planner.now - p.placed_at) / timedelta(hours=1) - typical))
        taken.add(id(plan))
        count[plan.target] -= 1
        count[status] += 1
        plan.hold, plan.release, plan.cancel_at, plan.pay_at = None, False, "", None
        plan.target = status
        if status == S.PENDING_PAYMENT:
            plan.draft = replace(plan.draft, paid=False, paid_at=None)
        else:
            if not plan.draft.paid:
                plan.pay_at = plan.placed_at + timedelta(minutes=rng.randint(2, 50))
            if status == S.CANCELLED:
                plan.cancel_at = S.PENDING_REVIEW
