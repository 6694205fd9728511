"""The order flow in the demo: review rules, lists, routing rules, capacities and shop policies
as ops would set them in admin, and one merged order. Set up after the fortnight of orders has
been played (those went through review by hand, as they would have before the rules existed);
the live demo's new orders are then reviewed and routed by these rules."""

from datetime import timedelta
from decimal import Decimal

from orders.drafts import DraftLine, OrderDraft, Recipient
from orders.flow_models import (
    CategoryMode,
    CategoryRoute,
    ChannelPolicy,
    FlowSettings,
    ProvinceRoute,
    ReviewKind,
    ReviewListEntry,
    ReviewOutcome,
    ReviewRule,
)
from orders.models import Order
from orders.services import OrderActionRefused, order_approve, order_intake
from orders.services.merge import order_merge
from orders.states import OrderStatus

RULES = (
    ("黑名单", ReviewKind.BLOCKED, ReviewOutcome.HOLD, {"hold_reason": "risk", "note": "黑名单客户，请主管确认"}),
    ("地址无法识别", ReviewKind.ADDRESS, ReviewOutcome.HOLD, {"hold_reason": "bad_address", "note": "请联系买家核对地址"}),
    ("频繁退货", ReviewKind.RETURNS, ReviewOutcome.FLAG, {"count": 3, "days": 30}),
    ("隐私号需平台面单", ReviewKind.PRIVACY_WAYBILL, ReviewOutcome.HOLD, {}),
    ("大额订单", ReviewKind.AMOUNT_ABOVE, ReviewOutcome.FLAG, {"amount": Decimal("2000")}),
    ("有买家留言", ReviewKind.BUYER_NOTE, ReviewOutcome.FLAG, {"note": "请阅读买家留言"}),
)
CAPACITY = {"HZ": 300, "GZ": 200, "CD": 150}


def seed_routing() -> None:
    """Routing rules, before the orders are played: each warehouse serves its own provinces first
    and 杭州仓, the main one, the rest of the country; every demo warehouse has a cold room (bin
    zone C), so may ship 生鲜; daily capacities for the escalation levels."""
    from inventory.models import Warehouse

    if ProvinceRoute.objects.exists():
        return
    for warehouse in Warehouse.objects.filter(code__in=CAPACITY):
        Warehouse.objects.filter(pk=warehouse.pk).update(daily_capacity=CAPACITY[warehouse.code], cold_chain=True)
        ProvinceRoute.objects.create(warehouse=warehouse, provinces=warehouse.provinces, priority=1)
        if warehouse.code == "HZ":
            ProvinceRoute.objects.create(warehouse=warehouse, provinces=[], priority=50)
    CategoryRoute.objects.create(category="生鲜", mode=CategoryMode.COLD_CHAIN)


def seed_flow(*, channels: dict) -> None:
    """The review rules, lists and shop policies, if there are none yet (a second seed keeps them)."""
    if ReviewRule.objects.exists():
        return
    FlowSettings.objects.filter(pk=1).update(review_enabled=True, review_default="approve")
    for sequence, (name, kind, outcome, fields) in enumerate(RULES, start=1):
        ReviewRule.objects.create(name=name, sequence=sequence * 10, kind=kind, outcome=outcome, **fields)
    ReviewListEntry.objects.create(list_kind="blocked", phone="13800000000", note="多次恶意退款")
    ReviewListEntry.objects.create(list_kind="blocked", address="测试路 1 号", note="虚假地址")
    for code, channel in channels.items():
        ChannelPolicy.objects.create(
            channel=channel, allow_split=code in ("taobao", "jd"), platform_waybill_required=code == "pinduoduo",
            pick_sla_minutes=60 if code == "douyin" else None,
        )


def merge_demo() -> Order | None:
    """A buyer who ordered again in another shop while the first order waited: the new order is
    taken in (``order_intake``), approved, and merged into the first (``order_merge``)."""
    waiting = (
        Order.objects.filter(phone_privacy="", warehouse__isnull=False).exclude(phone="").exclude(channel__code="jd")
    )
    first = (
        waiting.filter(status=OrderStatus.READY).order_by("-pk").first()
        or waiting.filter(status=OrderStatus.PENDING_REVIEW).order_by("-pk").first()
    )
    line = first.lines.filter(sku__isnull=False, gift="").first() if first else None
    if line is None:
        return None
    draft = OrderDraft(
        channel="jd",
        external_id=f"DEMO-MERGE-{first.number}",
        recipient=Recipient(name=first.recipient_name, phone=first.phone, province=first.province, city=first.city,
                            district=first.district, street=first.street),
        lines=(DraftLine(sku_code=line.sku_code, quantity=1, unit_price=line.unit_price),),
        paid=True,
        placed_at=first.placed_at + timedelta(minutes=7),
        paid_at=first.placed_at + timedelta(minutes=9),
    )
    mate = order_intake(draft=draft).order
    try:
        if mate.status == OrderStatus.PENDING_REVIEW and first.status == OrderStatus.READY:
            mate = order_approve(order=mate)
        return order_merge(orders=[first, mate], note="同一买家在京东又下一单，合并发货")
    except OrderActionRefused:
        return None
