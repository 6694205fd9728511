"""Play the demo plans through the real services, oldest order first.

Every order enters through ``order_intake`` and moves only through the transition services, so
stock, ledger and event log are exactly what real traffic would leave. Goods for scarce SKUs
arrive a few times along the way (``stock_receive``), and orders held out of stock are released
then, first come first served.
"""

import random
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from inventory.models import Sku, StockLevel
from inventory.services import stock_receive
from oms.demo.build import Catalogue
from oms.demo.plans import CANCEL_NOTES, Plan
from orders.drafts import DraftLine
from orders.models import Order
from orders.services import (
    OrderActionRefused,
    order_approve,
    order_cancel,
    order_complete,
    order_deliver,
    order_flag_exception,
    order_hold,
    order_intake,
    order_mark_paid,
    order_pack,
    order_release_hold,
    order_ship,
    order_start_picking,
)
from orders.states import ExceptionReason, HoldReason
from orders.states import OrderStatus as S

# carrier, tracking number pattern (# is a digit), weight per channel
CARRIERS = {
    "顺丰速运": "SF#############",
    "中通快递": "7#############",
    "圆通速递": "YT#############",
    "韵达快递": "43###########",
    "京东物流": "JDVA###########",
    "极兔速递": "JT#############",
}
CHANNEL_CARRIERS = {
    "taobao": {"中通快递": 35, "圆通速递": 30, "韵达快递": 20, "顺丰速运": 15},
    "jd": {"京东物流": 85, "顺丰速运": 15},
    "pinduoduo": {"极兔速递": 40, "中通快递": 30, "韵达快递": 30},
    "douyin": {"中通快递": 40, "圆通速递": 35, "顺丰速运": 25},
    "aliexpress": {"圆通速递": 50, "中通快递": 50},
}
#: hours before now at which scarce goods arrive again
RESTOCK_HOURS_AGO = (168, 60)


class Runner:
    def __init__(self, *, rng: random.Random, catalogue: Catalogue, now: datetime, batch: int = 20):
        self.rng, self.catalogue, self.now, self.batch = rng, catalogue, now, batch
        self.waiting: list[tuple[Order, Plan]] = []  # held out of stock, oldest first
        self.created = 0

    def run(self, plans: list[Plan]) -> None:
        restocks = sorted(self.now - timedelta(hours=h) for h in RESTOCK_HOURS_AGO)
        for start in range(0, len(plans), self.batch):
            chunk = plans[start : start + self.batch]
            # Several orders per transaction: far fewer commits, and no lock held for long.
            with transaction.atomic():
                for plan in chunk:
                    while restocks and plan.placed_at >= restocks[0]:
                        self._restock(restocks.pop(0))
                    self._take_in(plan)
        with transaction.atomic():
            self._give_up_old_shortages()

    def _take_in(self, plan: Plan) -> None:
        draft = plan.draft
        if plan.kind == "short":
            draft = replace(draft, lines=(self._more_than_in_stock(), *draft.lines[1:]))
        result = order_intake(draft=draft)
        if not result.created:
            return
        self.created += 1
        order = result.order
        if order.status == S.ON_HOLD:
            if order.hold_reason == HoldReason.OUT_OF_STOCK and plan.kind == "scarce":
                self.waiting.append((order, plan))
                return
            if plan.target == S.CANCELLED:
                order_cancel(order=order, note=CANCEL_NOTES[S.ON_HOLD])
            return
        self.advance(order, plan)

    def advance(self, order: Order, plan: Plan) -> Order:
        """Walk the order along the normal road to its target, with its planned hold or cancel."""
        held = False
        while True:
            status = order.status
            if plan.hold and status == plan.hold[0] and not held:
                held = True
                order = order_hold(order=order, reason=plan.hold[1], note=plan.hold[2])
                if not plan.release:
                    return order
                order = order_release_hold(order=order, note="已与买家确认，继续处理")
                continue
            if plan.target == S.CANCELLED and status == plan.cancel_at:
                return order_cancel(order=order, note=CANCEL_NOTES[status])
            if status == plan.target or status not in _STEPS:
                return order
            order = _STEPS[status](self, order, plan)

    # -- the steps ------------------------------------------------------------------------------
    def _pay(self, order, plan):
        return order_mark_paid(order=order, paid_at=plan.pay_at)

    def _approve(self, order, plan):
        return order_approve(order=order)

    def _pick(self, order, plan):
        return order_start_picking(order=order)

    def _pack(self, order, plan):
        return order_pack(order=order)

    def _ship(self, order, plan):
        carriers = CHANNEL_CARRIERS.get(plan.draft.channel, CHANNEL_CARRIERS["taobao"])
        if any(line.sku_code.startswith("SX") for line in plan.draft.lines):
            carriers = {"顺丰速运": 1}  # cold chain
        carrier = self.rng.choices(list(carriers), weights=list(carriers.values()))[0]
        tracking = "".join(str(self.rng.randrange(10)) if c == "#" else c for c in CARRIERS[carrier])
        return order_ship(order=order, carrier=carrier, tracking_number=tracking)

    def _deliver(self, order, plan):
        return order_deliver(order=order)

    def _complete(self, order, plan):
        return order_complete(order=order)

    # -- scarce goods ---------------------------------------------------------------------------
    def _more_than_in_stock(self) -> DraftLine:
        """A line for the scarcest SKU, one more than every warehouse holds together."""
        codes = [s.code for s in self.catalogue.skus if s.scarce]
        available = dict.fromkeys(codes, 0)
        available.update(
            StockLevel.objects.filter(sku__code__in=codes)
            .values_list("sku__code")
            .annotate(free=Sum(F("on_hand") - F("reserved")))
        )
        code = min(codes, key=lambda c: (available[c], c))
        demo = next(s for s in self.catalogue.skus if s.code == code)
        return DraftLine(sku_code=code, quantity=available[code] + 1, unit_price=demo.price, title=demo.name)

    def _restock(self, at: datetime) -> None:
        """A purchase order arrives: a few of each scarce SKU, then held orders are retried in order."""
        skus = {s.code: s for s in Sku.objects.filter(code__in=self.catalogue.scarce_home)}
        for code, warehouse in sorted(self.catalogue.scarce_home.items()):
            stock_receive(
                sku=skus[code], warehouse=warehouse, quantity=self.rng.randint(1, 3),
                reference=f"PO{timezone.localtime(at):%Y%m%d}{warehouse.code}-{code}",
            )
        still = []
        for order, plan in self.waiting:
            try:
                order = order_release_hold(order=order, note="采购到货，重新占用库存")
            except OrderActionRefused:
                still.append((order, plan))
                continue
            self.advance(order, plan)
        self.waiting = still

    def leave_exceptions(self, count: int = 4) -> None:
        """The platform news that comes too late, as the inbox flags it: a buyer who changed the
        address, or a refund, after the parcel was packed or shipped (red rows for ops)."""
        late = list(
            Order.objects.filter(status__in=[S.PACKED, S.SHIPPED], exception_reason="").order_by("id")[:200]
        )
        for i, order in enumerate(self.rng.sample(late, min(count, len(late)))):
            if i % 2 == 0:
                street = self.rng.choice(["文二路 18 号 2 幢 301 室", "人民路 66 号 东门快递柜", "科技园南区 5 栋 12 楼"])
                address = " ".join(part for part in (order.province, order.city, order.district, street) if part)
                order_flag_exception(
                    order=order,
                    reason=ExceptionReason.LATE_ADDRESS_CHANGE,
                    note=f"买家改地址为：{address}",
                    data={"address": address},
                )
            else:
                order_flag_exception(order=order, reason=ExceptionReason.LATE_REFUND, note="平台通知：退款中")

    def _give_up_old_shortages(self) -> None:
        for order, plan in self.waiting:
            if (self.now - plan.placed_at) > timedelta(days=5) and self.rng.random() < 0.5:
                order_cancel(order=order, note="缺货超过 5 天，买家申请退款")


_STEPS = {
    S.PENDING_PAYMENT: Runner._pay,
    S.PENDING_REVIEW: Runner._approve,
    S.READY: Runner._pick,
    S.PICKING: Runner._pack,
    S.PACKED: Runner._ship,
    S.SHIPPED: Runner._deliver,
    S.DELIVERED: Runner._complete,
}
