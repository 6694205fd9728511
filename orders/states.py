"""Order statuses, hold reasons, and which statuses allow which move."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("待付款")
    PENDING_REVIEW = "pending_review", _("待审核")
    ON_HOLD = "on_hold", _("异常挂起")
    READY = "ready", _("待拣货")
    PICKING = "picking", _("拣货中")
    PACKED = "packed", _("已打包")
    SHIPPED = "shipped", _("已发货")
    DELIVERED = "delivered", _("已签收")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已取消")
    #: Its lines, sources and amounts went into another order (合单); see ``orders.services.merge``.
    MERGED = "merged", _("已合并")


class HoldReason(models.TextChoices):
    UNKNOWN_SKU = "unknown_sku", _("未知商品编码")
    OUT_OF_STOCK = "out_of_stock", _("库存不足")
    BAD_ADDRESS = "bad_address", _("地址不完整")
    NO_WAREHOUSE = "no_warehouse", _("无可发货仓库")
    ADDRESS_CHANGE = "address_change", _("改地址")
    BUYER_REQUEST = "buyer_request", _("买家要求暂缓")
    RISK = "risk", _("风控审核")
    #: Held by an auto-review rule (``orders.review``); the rule and what it saw are in the trace.
    REVIEW = "review", _("审单规则挂起")
    MANUAL = "manual", _("人工挂起")


class GiftKind(models.TextChoices):
    """A line the platform sends as a gift: shipped from one of our SKUs, or not shipped at all
    (the line stays on the order and never needs stock)."""

    NONE = "", _("否")
    SHIPPED = "shipped", _("赠品（随单发货）")
    NOT_SHIPPED = "not_shipped", _("赠品（不发货）")


def ships(line) -> bool:
    """Whether a draft or order line needs stock and goes in the parcel."""
    return getattr(line, "gift", "") != GiftKind.NOT_SHIPPED


class ExceptionReason(models.TextChoices):
    """Why an order that can no longer be held (packed, shipped) needs a person's attention."""

    LATE_ADDRESS_CHANGE = "late_address_change", _("已打包/已发货后买家改地址")
    LATE_REFUND = "late_refund", _("已打包/已发货后平台退款/取消")
    SHORT_PICK = "short_pick", _("拣货缺货")
    #: The floor weighed the parcel outside the tolerance (``warehouse.services.parcels``).
    WEIGHT_MISMATCH = "weight_mismatch", _("称重不符")
    #: Raised by the SLA sweep (``orders.services.sla``).
    PICK_LATE = "pick_late", _("付款后超时未拣货")
    SHIP_DEADLINE = "ship_deadline", _("临近或超过平台承诺发货时间")
    FREQUENT_RETURNS = "frequent_returns", _("频繁退货退款客户")
    OTHER = "other", _("其他异常")


class PlatformStatus:
    """A platform order's status, reduced to what the order core acts on (the adapters in
    ``channels.connectors`` read each platform's own statuses into these)."""

    UNPAID = "unpaid"
    PAID = "paid"
    REFUNDING = "refunding"
    CANCELLED = "cancelled"
    SHIPPED = "shipped"
    COMPLETED = "completed"

    LABELS = {
        UNPAID: _("待付款"),
        PAID: _("已付款待发货"),
        REFUNDING: _("退款中"),
        CANCELLED: _("已关闭"),
        SHIPPED: _("已发货"),
        COMPLETED: _("交易成功"),
    }


#: Holds only the system sets, from what it finds in the catalogue and the stock; a person holds
#: an order for one of the other reasons (including an address that looks wrong).
SYSTEM_HOLDS = frozenset({HoldReason.UNKNOWN_SKU, HoldReason.OUT_OF_STOCK, HoldReason.NO_WAREHOUSE})
#: Holds a split may clear: no one warehouse has every line, or may ship every line's category.
SPLIT_MAY_HELP = frozenset({HoldReason.OUT_OF_STOCK, HoldReason.NO_WAREHOUSE})

HOLDABLE = [OrderStatus.PENDING_PAYMENT, OrderStatus.PENDING_REVIEW, OrderStatus.READY, OrderStatus.PICKING]

#: Before packing: the order may still be cancelled, the address may still change, and the
#: platform's cancellation still applies.
BEFORE_PACKING = [
    OrderStatus.PENDING_PAYMENT,
    OrderStatus.PENDING_REVIEW,
    OrderStatus.ON_HOLD,
    OrderStatus.READY,
    OrderStatus.PICKING,
]
#: Packed or later (not cancelled): a platform's change of mind becomes an exception for a person.
PACKED_OR_LATER = [OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED]
#: Before picking starts: an order may still be merged, split or sent to another warehouse.
BEFORE_PICKING = [OrderStatus.PENDING_REVIEW, OrderStatus.ON_HOLD, OrderStatus.READY]
#: Not yet shipped (the platform's promised time); a paid order ``BEFORE_PICKING`` is not yet picked.
NOT_SHIPPED = [*BEFORE_PICKING, OrderStatus.PICKING, OrderStatus.PACKED]
#: The floor's queue in a warehouse: what the backlog of the escalation levels counts.
FLOOR_BACKLOG = [OrderStatus.READY, OrderStatus.PICKING, OrderStatus.PACKED]

#: Colour of each status badge in admin (exceptions in red).
STATUS_COLOURS = {
    OrderStatus.PENDING_PAYMENT: "#8c8c8c",
    OrderStatus.PENDING_REVIEW: "#d48806",
    OrderStatus.ON_HOLD: "#cf1322",
    OrderStatus.READY: "#1677ff",
    OrderStatus.PICKING: "#531dab",
    OrderStatus.PACKED: "#08979c",
    OrderStatus.SHIPPED: "#389e0d",
    OrderStatus.DELIVERED: "#237804",
    OrderStatus.COMPLETED: "#135200",
    OrderStatus.CANCELLED: "#595959",
    OrderStatus.MERGED: "#8c8c8c",
}


def release_target(order) -> str:
    """A released order goes back to review if paid, else to waiting for payment."""
    return OrderStatus.PENDING_REVIEW if order.is_paid else OrderStatus.PENDING_PAYMENT

