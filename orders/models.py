"""The order: customer, order, lines, platform sources, events, numbering."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition

from core.masking import mask_phone
from orders.privacy import PhonePrivacy
from orders.states import (
    BEFORE_PACKING,
    HOLDABLE,
    NOT_SHIPPED,
    ExceptionReason,
    GiftKind,
    HoldReason,
    OrderStatus,
    release_target,
)


class Customer(models.Model):
    name = models.CharField(_("姓名"), max_length=100, blank=True)
    phone = models.CharField(_("手机"), max_length=32, unique=True)
    #: Where buyer notifications by email go (most platforms give none; ops may add one).
    email = models.EmailField(_("邮箱"), blank=True, default="", db_default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")

    def __str__(self) -> str:
        # Shown in page titles and breadcrumbs to everyone who may open the customer: never the full phone.
        return self.name or mask_phone(self.phone)


class DeliveryStation(models.Model):
    """A group-buy pickup point (自提点): households collect their goods here from their leader.

    Its address is where a station order is delivered (the order's recipient address), and one
    warehouse supplies it: a station order is reserved in that warehouse only, and the floor
    groups station orders into waves by station (``warehouse.services.stations``).
    """

    code = models.CharField(_("站点编码"), max_length=32, unique=True)
    name = models.CharField(_("站点名称"), max_length=100)
    region = models.CharField(_("片区"), max_length=64, blank=True, db_index=True, help_text=_("如：西湖片区；用于分拣和配送路线"))
    province = models.CharField(_("省"), max_length=32)
    city = models.CharField(_("市"), max_length=32)
    district = models.CharField(_("区/县"), max_length=32, blank=True)
    street = models.CharField(_("详细地址"), max_length=300)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="stations", verbose_name=_("供货仓")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("自提站点")
        verbose_name_plural = _("自提站点")
        ordering = ["region", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.street}"


class Priority(models.IntegerChoices):
    NORMAL = 0, _("普通")
    HIGH = 1, _("加急")
    URGENT = 2, _("特急")


class Order(ConcurrentTransitionMixin, models.Model):
    """An order from any channel. Its status changes only through ``orders.services``."""

    number = models.CharField(_("订单号"), max_length=32, unique=True)
    # No index of its own: (channel, status) below starts with it (one index less on every new order).
    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.PROTECT, related_name="orders", verbose_name=_("渠道"), db_index=False
    )
    status = FSMField(
        _("状态"), default=OrderStatus.PENDING_PAYMENT, choices=OrderStatus.choices, protected=True, db_index=True
    )
    hold_reason = models.CharField(_("挂起原因"), max_length=24, choices=HoldReason.choices, blank=True)
    hold_note = models.CharField(_("挂起说明"), max_length=500, blank=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders", verbose_name=_("客户")
    )
    recipient_name = models.CharField(_("收货人"), max_length=100, blank=True)
    phone = models.CharField(_("手机"), max_length=32, blank=True, db_index=True)
    #: A platform privacy number (masked, or virtual with an extension) is never the buyer's phone;
    #: see ``orders.privacy``.
    phone_privacy = models.CharField(
        _("隐私号"), max_length=8, choices=PhonePrivacy.choices, blank=True, default=PhonePrivacy.PLAIN, db_index=True
    )
    phone_extension = models.CharField(_("分机号"), max_length=8, blank=True)
    province = models.CharField(_("省"), max_length=32, blank=True)
    city = models.CharField(_("市"), max_length=32, blank=True)
    district = models.CharField(_("区/县"), max_length=32, blank=True)
    street = models.CharField(_("详细地址"), max_length=300, blank=True)
    buyer_note = models.CharField(_("买家留言"), max_length=500, blank=True)
    seller_note = models.CharField(_("卖家备注"), max_length=500, blank=True)
    priority = models.PositiveSmallIntegerField(_("配送优先级"), choices=Priority.choices, default=Priority.NORMAL)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    goods_amount = models.DecimalField(_("商品金额"), max_digits=12, decimal_places=2, default=0)
    shipping_fee = models.DecimalField(_("运费"), max_digits=12, decimal_places=2, default=0)
    discount_amount = models.DecimalField(_("优惠"), max_digits=12, decimal_places=2, default=0)
    paid_amount = models.DecimalField(_("实付金额"), max_digits=12, decimal_places=2, default=0)
    placed_at = models.DateTimeField(_("下单时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("付款时间"), null=True, blank=True)
    promised_ship_at = models.DateTimeField(_("承诺发货时间"), null=True, blank=True)
    #: Not indexed on its own: ``order_warehouse_idx`` (warehouse, id) serves every look-up by it.
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("发货仓"),
        db_index=False,
    )
    #: Group-buy orders: the pickup point the goods go to (its address is the recipient address).
    station = models.ForeignKey(
        DeliveryStation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("自提站点"),
    )
    carrier = models.CharField(_("快递公司"), max_length=32, blank=True)
    tracking_number = models.CharField(_("运单号"), max_length=64, blank=True, db_index=True)
    #: Set by ``order_flag_exception`` (e.g. the buyer changed the address after packing), cleared by
    #: a person with ``order_clear_exception``; independent of the status.
    exception_reason = models.CharField(_("异常"), max_length=24, choices=ExceptionReason.choices, blank=True)
    exception_note = models.CharField(_("异常说明"), max_length=500, blank=True)
    exception_at = models.DateTimeField(_("异常时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-id"]
        permissions = [
            ("approve_order", _("可审核订单")),
            ("hold_order", _("可挂起/解除挂起订单")),
            ("cancel_order", _("可取消订单")),
            ("view_pii", _("可查看完整手机号和地址")),
            ("change_address_order", _("可修改收货地址")),
            ("resolve_exception_order", _("可处理订单异常")),
            ("merge_order", _("可合单、拆单和重新分仓")),
            ("receive_escalation_order", _("接收异常升级邮件")),
        ]
        indexes = [
            models.Index(fields=["channel", "status"]),
            models.Index(fields=["warehouse", "status"]),
            # What ops can click in the order list at millions of orders (``orders.admin.order``):
            # each sortable column with the id after it, so both directions of a sort and its
            # pages are read from an index (``core.admin_paginator`` makes the id follow the
            # column's direction); 下单时间 also serves the date filters.
            models.Index(fields=["placed_at", "id"], name="order_placed_idx"),
            models.Index(fields=["paid_amount", "id"], name="order_paid_amount_idx"),
            models.Index(fields=["warehouse", "id"], name="order_warehouse_idx"),
            # The hold filters (by reason, or all held) and the 缺货 count: only held orders are in it.
            models.Index(fields=["hold_reason", "id"], name="order_held_idx", condition=models.Q(status=OrderStatus.ON_HOLD)),
            # The exception filters (any, or one reason) and the dashboard: only orders with one
            # (``exception_reason > ''``, the column is never NULL).
            models.Index(
                fields=["exception_reason", "id"], name="order_exception_idx", condition=models.Q(exception_reason__gt="")
            ),
            # The SLA sweep (``orders.services.sla``): only unshipped orders are in these, so a
            # sweep over millions of orders reads the few that can be late.
            models.Index(
                fields=["paid_at"], name="order_unshipped_paid_idx", condition=models.Q(status__in=NOT_SHIPPED)
            ),
            models.Index(
                fields=["promised_ship_at"],
                name="order_unshipped_promise_idx",
                condition=models.Q(status__in=NOT_SHIPPED),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def timeline(self) -> list:
        """Every event of the order, archived ones first (``orders.services.archive``), by id; from
        the prefetched rows when the caller read them (``orders.selectors.order_get``)."""
        return [*self.archived_events.all(), *self.events.all()]

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None

    @property
    def needs_platform_waybill(self) -> bool:
        """The receiver is hidden by the platform (masked or virtual number): only the platform's
        own e-waybill service can print this order's label, never our label with the number as a phone."""
        return self.phone_privacy != PhonePrivacy.PLAIN

    # Transitions: bodies touch only this row; the services lock, log and save.
    @transition(field=status, source=OrderStatus.PENDING_PAYMENT, target=OrderStatus.PENDING_REVIEW)
    @transition(
        field=status, source=OrderStatus.ON_HOLD, target=OrderStatus.ON_HOLD, conditions=[lambda order: not order.is_paid]
    )
    def pay(self, paid_at=None) -> None:
        """Paid: to review; a held order stays held (its release then goes to review)."""
        self.paid_at = paid_at or timezone.now()

    @transition(field=status, source=OrderStatus.PENDING_REVIEW, target=OrderStatus.READY)
    def approve(self) -> None:
        pass

    @transition(field=status, source=HOLDABLE, target=OrderStatus.ON_HOLD)
    def hold(self, reason: str = HoldReason.MANUAL, note: str = "") -> None:
        self.hold_reason = reason
        self.hold_note = note

    @transition(
        field=status,
        source=OrderStatus.ON_HOLD,
        target=GET_STATE(release_target, states=[OrderStatus.PENDING_PAYMENT, OrderStatus.PENDING_REVIEW]),
    )
    def release_hold(self) -> None:
        self.hold_reason = ""
        self.hold_note = ""

    @transition(field=status, source=OrderStatus.READY, target=OrderStatus.PICKING)
    def start_picking(self) -> None:
        pass

    @transition(field=status, source=OrderStatus.PICKING, target=OrderStatus.READY)
    def stop_picking(self) -> None:
        """The floor gave the order back (its wave was cancelled): it waits for the next wave."""

    @transition(field=status, source=OrderStatus.PICKING, target=OrderStatus.PACKED)
    def pack(self) -> None:
        pass

    @transition(field=status, source=OrderStatus.PACKED, target=OrderStatus.SHIPPED)
    def ship(self, carrier: str = "", tracking_number: str = "") -> None:
        self.carrier = carrier
        self.tracking_number = tracking_number

    @transition(field=status, source=OrderStatus.SHIPPED, target=OrderStatus.DELIVERED)
    def deliver(self) -> None:
        pass

    @transition(field=status, source=[OrderStatus.SHIPPED, OrderStatus.DELIVERED], target=OrderStatus.COMPLETED)
    def complete(self) -> None:
        pass

    @transition(field=status, source=BEFORE_PACKING, target=OrderStatus.CANCELLED)
    def cancel(self) -> None:
        pass

    @transition(field=status, source=[OrderStatus.PENDING_REVIEW, OrderStatus.READY], target=OrderStatus.MERGED)
    def merge_into(self) -> None:
        """Its lines and platform orders went into another order (``orders.services.merge``)."""


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("订单"))
    sku = models.ForeignKey(
        "inventory.Sku", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("SKU")
    )
    sku_code = models.CharField(_("商家编码"), max_length=64, help_text=_("渠道传来的编码，未匹配到 SKU 时保留原值"))
    title = models.CharField(_("商品名称"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("数量"))
    unit_price = models.DecimalField(_("单价"), max_digits=12, decimal_places=2, default=0)
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("分配仓"),
    )
    stock_level = models.ForeignKey(
        "inventory.StockLevel", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("占用库存"),
    )
    reserved_quantity = models.PositiveIntegerField(_("已占用数量"), default=0)
    #: A gift line (the shop's SKU mapping says so): shipped from its SKU, or not shipped at all.
    gift = models.CharField(_("赠品"), max_length=12, choices=GiftKind.choices, blank=True, default=GiftKind.NONE)

    class Meta:
        verbose_name = _("订单明细")
        verbose_name_plural = _("订单明细")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.sku_code} × {self.quantity}"

    @property
    def line_total(self):
        return self.unit_price * self.quantity

    @property
    def ships(self) -> bool:
        """Needs stock and goes in the parcel (not a gift the shop does not ship)."""
        return self.gift != GiftKind.NOT_SHIPPED


class OrderSource(models.Model):
    """A platform order number this order came from (several after a merge).

    A split (``orders.services.split``) gives the new order a copy of each source (``split_copy``),
    so that each platform order hears every waybill; the dedup lookup reads only the originals,
    which stay unique per (channel, platform order)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="sources", verbose_name=_("订单"))
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="+", verbose_name=_("渠道"))
    external_id = models.CharField(_("平台订单号"), max_length=64, db_index=True)
    #: The buyer's account name on the platform (买家会员名), emoji and all.
    buyer_nick = models.CharField(_("买家昵称"), max_length=100, blank=True)
    #: The spreadsheet import that brought this platform order in, if one did.
    import_job = models.ForeignKey(
        "channels.ImportJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("订单导入"),
    )
    created_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    split_copy = models.BooleanField(_("拆单副本"), default=False)

    class Meta:
        verbose_name = _("平台订单号")
        verbose_name_plural = _("平台订单号")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=models.Q(split_copy=False),
                name="ordersource_unique_channel_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel.code}:{self.external_id}"


def event_actions():
    """The choices of ``OrderEvent.action``: ``orders.events.EventAction``, read when asked, so that
    adding an action needs no migration (the events module imports this one)."""
    from orders.events import EventAction

    return EventAction.choices


class OrderEvent(models.Model):
    """Audit trail and outbox: every transition and every significant action on an order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("订单"))
    # Indexed by (action, at) in Meta, which serves a look-up by action alone too.
    action = models.CharField(_("动作"), max_length=32, choices=event_actions)
    from_status = models.CharField(_("原状态"), max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=OrderStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("订单事件")
        verbose_name_plural = _("订单事件")
        ordering = ["id"]
        # Refunds in the last 30 days (the review's and the sweep's frequent-returns rule) and
        # ships per day (the escalation's on-time rate) read one action over a recent time range.
        indexes = [models.Index(fields=["action", "at"], name="orderevent_action_at_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


class RestockCursor(models.Model):
    """The re-run of out-of-stock holds when stock arrives (``orders.services.restock``): how far it
    has read the stock ledger (``StockMovement`` ids), the SKUs whose waiting orders are still to
    be re-run and where in them it stopped, and who is running it now (a lease)."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    last_movement_id = models.BigIntegerField(_("已读到的库存流水"), default=0)
    pending_skus = models.JSONField(_("待重新分配的 SKU"), default=list, blank=True)
    #: [waiting since (ISO time), order id] of the last order tried, when a run stopped part-way.
    resume_after = models.JSONField(_("续跑位置"), default=list, blank=True)
    lease_until = models.DateTimeField(_("租约到期"), null=True, blank=True)
    lease_token = models.CharField(_("租约"), max_length=32, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("到货重新分配进度")
        verbose_name_plural = _("到货重新分配进度")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_movement_id}"


class OrderNumberSequence(models.Model):
    """Last number handed out per local day; see ``orders.numbering``."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("订单号序列")
        verbose_name_plural = _("订单号序列")

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} #{self.last}"


class IdempotencyRecord(models.Model):
    """One ``Idempotency-Key`` a user sent with a POST to the API, and the answer it got.

    ``response_status`` is empty while the first request with the key is still running; see
    ``orders.idempotency``. Keys are per user: another user's key never replays this answer.
    """

    # Indexed by the unique (user, key) in Meta, which starts with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户"), db_index=False
    )
    key = models.CharField(_("幂等键"), max_length=255)
    request_hash = models.CharField(_("请求摘要"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("响应状态码"), null=True, blank=True)
    response_body = models.JSONField(_("响应内容"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等记录")
        verbose_name_plural = _("幂等记录")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotencyrecord_unique_user_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


def channel_model():
    """The channel model, reached through the order's relation: orders never import ``channels``
    (which sits above it), yet intake reads the channel's table by its code."""
    return Order._meta.get_field("channel").related_model


# The event archive of long-finished orders; imported here so Django finds it.
from orders.archive_models import EventArchiveCursor, OrderEventArchive  # noqa: E402, F401

# The order flow's rules and flags live in their own module; imported here so Django finds them.
from orders.flow_models import (  # noqa: E402, F401
    CategoryRoute,
    ChannelPolicy,
    FlowSettings,
    OrderFlag,
    ProvinceRoute,
    ReviewListEntry,
    ReviewRule,
)

# After-sales and buyer notifications live in their own modules; imported here so Django finds them.
from orders.notification_models import (  # noqa: E402, F401
    Notification,
    NotificationCursor,
    NotificationTemplate,
)
from orders.returns_models import ReturnLine, ReturnPhoto, ReturnRequest  # noqa: E402, F401
from orders.stats_models import AnalyticsSnapshot, DailyStat, FloorDayStat  # noqa: E402, F401
