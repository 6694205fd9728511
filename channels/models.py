"""Where orders come from and where their news goes back: shops, SKU mapping, the raw inbox,
spreadsheet imports and the outbound (tracking write-back) queue."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models.fields.json import KT
from django.utils.translation import gettext_lazy as _

from orders.states import GiftKind


class Platform(models.TextChoices):
    TAOBAO = "taobao", _("淘宝/天猫")
    JD = "jd", _("京东")
    PINDUODUO = "pinduoduo", _("拼多多")
    DOUYIN = "douyin", _("抖音小店")
    ALIEXPRESS = "aliexpress", _("速卖通")
    OWN = "own", _("自有商城")
    MANUAL = "manual", _("手工")
    GROUPBUY = "groupbuy", _("团购")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Channel(models.Model):
    """A shop on a sales platform."""

    code = models.SlugField(_("渠道编码"), max_length=32, unique=True)
    name = models.CharField(_("店铺名称"), max_length=100)
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    active = models.BooleanField(_("启用"), default=True)
    #: What the platform's open API needs to talk to this shop (app key, app secret, shop id…).
    credentials = models.JSONField(_("接口凭据"), default=dict, blank=True)
    webhook_secret = models.CharField(_("推送密钥"), max_length=64, default=new_secret)
    #: After a rotation the old secret keeps working until this time, so in-flight retries still verify.
    previous_secret = models.CharField(_("旧推送密钥"), max_length=64, blank=True)
    previous_secret_until = models.DateTimeField(_("旧密钥有效期至"), null=True, blank=True)
    unpaid_timeout_minutes = models.PositiveIntegerField(
        _("未付款超时（分钟）"), default=60, help_text=_("超过这个时间仍未付款的订单自动取消")
    )
    api_base_url = models.URLField(_("接口地址"), blank=True, help_text=_("拉取订单和回传运单号的平台接口地址"))
    poll_enabled = models.BooleanField(_("定时拉单"), default=False)
    poll_cursor = models.CharField(_("拉单游标"), max_length=64, blank=True)
    polled_at = models.DateTimeField(_("上次拉单"), null=True, blank=True)
    #: Why the last poll failed ("" after a good one), shown in admin.
    last_poll_error = models.TextField(_("拉单错误"), blank=True)
    #: Who is polling now: a worker takes the lease with a conditional update; an expired one is taken over.
    poll_lease_until = models.DateTimeField(_("拉单租约到期"), null=True, blank=True)
    poll_lease_token = models.CharField(_("拉单租约"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("渠道")
        verbose_name_plural = _("渠道")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SkuMapping(models.Model):
    """A platform's SKU id or outer id in one shop → our SKU; or a gift: shipped from our SKU, or
    "赠品 / 不发货" (no SKU: the line stays on the order and needs no stock)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="sku_mappings", verbose_name=_("渠道"))
    external_code = models.CharField(_("平台商品编码"), max_length=64)
    sku = models.ForeignKey(
        "inventory.Sku", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("SKU")
    )
    gift = models.CharField(_("赠品"), max_length=12, choices=GiftKind.choices, blank=True, default=GiftKind.NONE)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("商品映射")
        verbose_name_plural = _("商品映射")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_code"], name="sku_mapping_unique_code"),
            # A SKU for everything but a gift that is not shipped, which has none.
            models.CheckConstraint(
                condition=models.Q(gift=GiftKind.NOT_SHIPPED, sku__isnull=True)
                | (~models.Q(gift=GiftKind.NOT_SHIPPED) & models.Q(sku__isnull=False)),
                name="sku_mapping_sku_unless_not_shipped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel.code}:{self.external_code} → {self.sku_id or self.get_gift_display()}"


class InboxSource(models.TextChoices):
    WEBHOOK = "webhook", _("推送")
    POLL = "poll", _("拉取")
    IMPORT = "import", _("导入")
    LEADER = "leader", _("团长下单")


class InboxStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    PROCESSED = "processed", _("已处理")
    IGNORED = "ignored", _("已忽略")
    FAILED = "failed", _("失败")


#: The inbox's constraint that refuses a replayed webhook signature (see ``InboxMessage.Meta``).
REPLAY_CONSTRAINT = "inbox_webhook_signature_once"


class InboxMessage(models.Model):
    """One inbound platform payload, stored raw before anything parses it."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="inbox", verbose_name=_("渠道"))
    source = models.CharField(_("来源"), max_length=8, choices=InboxSource.choices)
    body = models.TextField(_("原始内容"))
    headers = models.JSONField(_("请求头"), default=dict, blank=True)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=InboxStatus.choices, default=InboxStatus.PENDING)
    error = models.TextField(_("错误"), blank=True)
    attempts = models.PositiveIntegerField(_("处理次数"), default=0)
    processed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    #: Filled by parsing: which platform order this is, its platform status and modification time.
    external_id = models.CharField(_("平台订单号"), max_length=64, blank=True, db_index=True)
    platform_status = models.CharField(_("平台状态"), max_length=16, blank=True)
    platform_updated_at = models.DateTimeField(_("平台更新时间"), null=True, blank=True)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("订单")
    )
    #: Set when a drain claims the message (``channels.services.drain``): no other drain takes it
    #: before then. A drain that died mid-way leaves it pending, and it is claimed again after this.
    claimed_until = models.DateTimeField(_("领取到期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("收件箱消息")
        verbose_name_plural = _("收件箱")
        ordering = ["-id"]
        permissions = [("replay_inboxmessage", _("可重新处理收件箱消息"))]
        indexes = [
            models.Index(fields=["status", "id"], name="inbox_status_idx"),
            models.Index(fields=["channel", "external_id"], name="inbox_channel_ext_idx"),
        ]
        constraints = [
            # A signed webhook request is stored once: the same request sent again (a replay) is
            # refused. The signature covers its timestamp, which is only accepted within
            # ``channels.signing.MAX_SKEW``, so "once ever" is "once within the window".
            models.UniqueConstraint(
                models.F("channel"),
                KT("headers__X-OMS-Signature"),
                condition=models.Q(source="webhook"),
                name=REPLAY_CONSTRAINT,
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel_id} {self.external_id or '?'}"


class InboxDrain(models.Model):
    """One row (pk 1): whether a drain of the inbox is queued and has not started yet. Whoever
    stores a message queues a drain task only when it flips ``queued_at`` from empty, so a burst
    of webhooks queues one task, not one per message (``channels.services.queue.wake``); a drain
    empties it when it starts."""

    queued_at = models.DateTimeField(_("排队时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("收件箱处理排队")
        verbose_name_plural = _("收件箱处理排队")

    def __str__(self) -> str:
        return f"inbox drain queued at {self.queued_at}" if self.queued_at else "inbox drain not queued"


class PushStatus(models.TextChoices):
    PENDING = "pending", _("待推送")
    DONE = "done", _("已推送")
    FAILED = "failed", _("推送失败，等待重试")
    #: The platform refused for good (order not found, closed, shipped elsewhere): not retried.
    REFUSED = "refused", _("平台拒绝，不再重试")
    GIVEN_UP = "given_up", _("已放弃")


class OutboundPush(models.Model):
    """Tracking news owed to one platform order: pushed by a task, retried with backoff."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="pushes", verbose_name=_("渠道"))
    external_id = models.CharField(_("平台订单号"), max_length=64)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+", verbose_name=_("订单"))
    carrier = models.CharField(_("快递公司"), max_length=32)
    tracking_number = models.CharField(_("运单号"), max_length=64)
    status = models.CharField(_("状态"), max_length=10, choices=PushStatus.choices, default=PushStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    pushed_at = models.DateTimeField(_("推送成功时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("运单回传")
        verbose_name_plural = _("运单回传")
        ordering = ["-id"]
        permissions = [("retry_outboundpush", _("可立即重试运单回传"))]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id", "tracking_number"], name="outbound_push_once_per_tracking"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} → {self.tracking_number}"


class EventCursor(models.Model):
    """How far a reader of the order core's outbox (``OrderEvent``) has got, by event id."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    last_event_id = models.BigIntegerField(_("已读到的事件"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("事件游标")
        verbose_name_plural = _("事件游标")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    PREVIEWED = "previewed", _("已预览")
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    """One uploaded platform order export (one or two files), previewed, then taken in."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="imports", verbose_name=_("渠道"))
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    extra_file = models.FileField(_("附加文件"), upload_to="imports/%Y/%m/", blank=True)
    original_name = models.CharField(_("文件名"), max_length=255)
    export_format = models.CharField(_("导出格式"), max_length=32, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    done_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    new_orders = models.PositiveIntegerField(_("新订单"), default=0)
    duplicate_orders = models.PositiveIntegerField(_("重复订单"), default=0)
    invalid_orders = models.PositiveIntegerField(_("无效订单"), default=0)
    #: Orders the platform already shipped, completed or closed: not taken in.
    skipped_orders = models.PositiveIntegerField(_("跳过订单"), default=0)
    #: Orders of the file handled so far, in file order: a rerun after a crash resumes after them.
    done_orders = models.PositiveIntegerField(_("已处理订单数"), default=0)
    #: Invalid rows: [{"row": 7, "order": "…", "reason": "…", "file": ""}], capped.
    problems = models.JSONField(_("问题行"), default=list, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("上传人"),
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("订单导入")
        verbose_name_plural = _("订单导入")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        return min(100, self.done_rows * 100 // self.total_rows) if self.total_rows else 0


# Group-buy: leaders, campaigns, their orders and cutoff batches (kept in their own module).
from channels.groupbuy.models import (  # noqa: E402
    Campaign,
    CampaignItem,
    CampaignOrder,
    CampaignStatus,
    CutoffBatch,
    CutoffDemand,
    GroupLeader,
    PurchaseLine,
    StationLine,
)

__all__ = [
    "Campaign",
    "CampaignItem",
    "CampaignOrder",
    "CampaignStatus",
    "Channel",
    "CutoffBatch",
    "CutoffDemand",
    "EventCursor",
    "GroupLeader",
    "ImportJob",
    "ImportStatus",
    "InboxMessage",
    "InboxSource",
    "InboxStatus",
    "OutboundPush",
    "Platform",
    "PurchaseLine",
    "PushStatus",
    "SkuMapping",
    "StationLine",
]
