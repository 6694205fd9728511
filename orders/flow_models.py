"""The order flow's configuration and flags: auto-review rules and lists, routing rules, the
settings of the SLA sweep and the escalation levels, each shop's policy, and the exception flags.

Ops edit the rules in admin; the services read them (``orders.review``, ``orders.routing``,
``orders.services.sla``). Imported by ``orders.models`` so that Django registers them.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.states import SYSTEM_HOLDS, ExceptionReason, HoldReason


class FlowSettings(models.Model):
    """One row (``FlowSettings.current()``): switches and thresholds of the order flow."""

    review_enabled = models.BooleanField(_("自动审单"), default=True, help_text=_("关闭后已付款订单都留在待审核，由人工审核"))
    review_default = models.CharField(
        _("没有规则命中时"),
        max_length=8,
        choices=[("approve", _("自动通过")), ("manual", _("留给人工审核"))],
        default="manual",
        help_text=_("留给人工审核且没有启用的规则时，不做自动审单（订单照旧在待审核等人处理）"),
    )
    auto_merge = models.BooleanField(
        _("自动合单"), default=False, help_text=_("订单审核通过时，与同一收件人、同一发货仓的待拣货订单自动合并")
    )
    pick_sla_minutes = models.PositiveIntegerField(
        _("付款后拣货时限（分钟）"), default=120, help_text=_("渠道没有单独设置时使用"), validators=[MinValueValidator(1)]
    )
    ship_warning_minutes = models.PositiveIntegerField(
        _("承诺发货前预警（分钟）"), default=60, help_text=_("距平台承诺发货时间不足这么久仍未发货即标记异常")
    )
    escalate_after_minutes = models.PositiveIntegerField(
        _("异常升级时限（分钟）"), default=240, validators=[MinValueValidator(1)],
        help_text=_("异常超过这么久仍未处理，给主管发邮件（每单一次）"),
    )
    returns_threshold = models.PositiveIntegerField(
        _("频繁退货：次数"), default=3, validators=[MinValueValidator(1)], help_text=_("统计期内退货/退款达到这么多单")
    )
    returns_days = models.PositiveIntegerField(_("频繁退货：统计天数"), default=30, validators=[MinValueValidator(1)])
    ship_within_hours = models.PositiveIntegerField(
        _("准时发货时限（小时）"), default=24, validators=[MinValueValidator(1)],
        help_text=_("没有平台承诺发货时间的订单，付款后这么久内发货算准时"),
    )
    yellow_backlog_percent = models.PositiveIntegerField(
        _("黄色：积压超过日产能的百分比"), default=20, validators=[MaxValueValidator(1000)]
    )
    orange_on_time_percent = models.PositiveIntegerField(
        _("橙色：准时发货率低于（%）"), default=90, validators=[MaxValueValidator(100)]
    )
    orange_days = models.PositiveIntegerField(_("橙色：连续天数"), default=3, validators=[MinValueValidator(1), MaxValueValidator(31)])
    red_growth_percent = models.PositiveIntegerField(_("红色：近 7 天异常比前 7 天增长（%）"), default=50)
    red_min_count = models.PositiveIntegerField(
        _("红色：近 7 天异常至少"), default=5, help_text=_("异常很少时不因增长率变红")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("订单流转设置")
        verbose_name_plural = _("订单流转设置")

    def __str__(self) -> str:
        return str(_("订单流转设置"))

    @classmethod
    def current(cls) -> "FlowSettings":
        """The settings row, with the defaults when nobody has saved it yet (nothing written)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class ChannelPolicy(models.Model):
    """What one shop allows or requires of the order flow (a shop without a row: the defaults)."""

    channel = models.OneToOneField(
        "channels.Channel", on_delete=models.CASCADE, related_name="flow_policy", verbose_name=_("渠道")
    )
    pick_sla_minutes = models.PositiveIntegerField(
        _("付款后拣货时限（分钟）"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("留空使用订单流转设置里的默认值"),
    )
    allow_split = models.BooleanField(
        _("允许拆单发货"), default=False, help_text=_("没有一个仓库能整单发货时，拆成几个仓分别发货（平台允许一单多个运单号）")
    )
    platform_waybill_required = models.BooleanField(
        _("要求平台电子面单"), default=False, help_text=_("店铺要求隐私号订单必须使用平台电子面单")
    )

    class Meta:
        verbose_name = _("渠道履约规则")
        verbose_name_plural = _("渠道履约规则")

    def __str__(self) -> str:
        return str(self.channel)


class ReviewKind(models.TextChoices):
    AMOUNT_ABOVE = "amount_above", _("实付金额高于")
    AMOUNT_BELOW = "amount_below", _("实付金额低于")
    TRUSTED = "trusted", _("信任客户名单")
    BLOCKED = "blocked", _("黑名单（手机/地址）")
    ADDRESS = "address", _("地址无法识别（省/市/区）")
    BUYER_NOTE = "buyer_note", _("有买家留言")
    RETURNS = "returns", _("近期频繁退货/退款")
    PRIVACY_WAYBILL = "privacy_waybill", _("隐私号且店铺要求平台电子面单")


class ReviewOutcome(models.TextChoices):
    APPROVE = "approve", _("自动通过")
    HOLD = "hold", _("挂起")
    FLAG = "flag", _("留给人工审核")


class ReviewRule(models.Model):
    """One auto-review rule. Rules run in ``sequence``; the first one that matches decides."""

    name = models.CharField(_("名称"), max_length=64)
    sequence = models.PositiveIntegerField(_("顺序"), default=10, help_text=_("小的先执行"))
    enabled = models.BooleanField(_("启用"), default=True)
    kind = models.CharField(_("规则类型"), max_length=16, choices=ReviewKind.choices)
    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("仅限渠道"), help_text=_("留空对所有渠道生效"),
    )
    amount = models.DecimalField(
        _("金额"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    count = models.PositiveIntegerField(_("次数"), null=True, blank=True, help_text=_("频繁退货：退货/退款单数"))
    days = models.PositiveIntegerField(_("天数"), null=True, blank=True, help_text=_("频繁退货：统计天数，默认 30"))
    outcome = models.CharField(_("结果"), max_length=8, choices=ReviewOutcome.choices)
    hold_reason = models.CharField(
        _("挂起原因"), max_length=24, default=HoldReason.REVIEW,
        choices=[(v, label) for v, label in HoldReason.choices if v not in SYSTEM_HOLDS],
    )
    note = models.CharField(_("说明"), max_length=200, blank=True, help_text=_("挂起或留人工审核时显示给客服"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("审单规则")
        verbose_name_plural = _("审单规则")
        ordering = ["sequence", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.kind in (ReviewKind.AMOUNT_ABOVE, ReviewKind.AMOUNT_BELOW) and self.amount is None:
            raise ValidationError({"amount": _("金额规则需要填写金额")})
        if self.kind == ReviewKind.RETURNS and not self.count:
            raise ValidationError({"count": _("频繁退货规则需要填写次数")})


class ListKind(models.TextChoices):
    TRUSTED = "trusted", _("信任客户")
    BLOCKED = "blocked", _("黑名单")


class ReviewListEntry(models.Model):
    """A phone or an address on the trusted list or the blacklist (read by the review rules)."""

    list_kind = models.CharField(_("名单"), max_length=8, choices=ListKind.choices)
    phone = models.CharField(_("手机"), max_length=32, blank=True, db_index=True)
    address = models.CharField(
        _("地址"), max_length=300, blank=True, help_text=_("订单的完整地址包含这段文字即命中（忽略空格和标点）")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审单名单")
        verbose_name_plural = _("审单名单")
        ordering = ["list_kind", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(phone="", address=""), name="reviewlistentry_phone_or_address")
        ]

    def __str__(self) -> str:
        return f"{self.get_list_kind_display()} {self.phone or self.address}"

    def clean(self):
        if not self.phone.strip() and not self.address.strip():
            raise ValidationError(_("请填写手机或地址"))


class ProvinceRoute(models.Model):
    """A warehouse serves these destination provinces, at this priority (smaller wins)."""

    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="province_routes", verbose_name=_("仓库")
    )
    provinces = models.JSONField(
        _("目的省份"), default=list, blank=True, help_text=_("如 [\"浙江\", \"江苏\"]；留空表示全国")
    )
    priority = models.PositiveIntegerField(_("优先级"), default=10, help_text=_("数字小的优先"))
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("分仓规则（省份）")
        verbose_name_plural = _("分仓规则（省份）")
        ordering = ["priority", "warehouse__code", "id"]

    def __str__(self) -> str:
        return f"{self.warehouse} P{self.priority}"


class CategoryMode(models.TextChoices):
    ONLY = "only", _("只能从所选仓库发货")
    NEVER = "never", _("不能从所选仓库发货")
    COLD_CHAIN = "cold_chain", _("只能从冷链仓发货")


class CategoryRoute(models.Model):
    """Which warehouses may ship a category (生鲜 only from a cold-chain warehouse)."""

    category = models.CharField(_("类目"), max_length=64, help_text=_("与商品 SKU 的类目一致，如「生鲜」"))
    mode = models.CharField(_("规则"), max_length=12, choices=CategoryMode.choices)
    warehouses = models.ManyToManyField(
        "inventory.Warehouse", blank=True, related_name="+", verbose_name=_("仓库"), help_text=_("「只能/不能」规则用")
    )
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("分仓规则（类目）")
        verbose_name_plural = _("分仓规则（类目）")
        ordering = ["category", "id"]

    def __str__(self) -> str:
        return f"{self.category}: {self.get_mode_display()}"


class OrderFlag(models.Model):
    """One exception on an order (red in the list): raised by the floor, a platform's news or the
    SLA sweep, open until a person resolves it (who, when, how). ``Order.exception_*`` shows the
    latest open one."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="flags", verbose_name=_("订单"))
    reason = models.CharField(_("异常原因"), max_length=24, choices=ExceptionReason.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    raised_at = models.DateTimeField(_("发现时间"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("标记人"),
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("处理人"),
    )
    resolution = models.CharField(_("处理说明"), max_length=500, blank=True)
    #: When the supervisors were emailed about this order (once per order).
    escalated_at = models.DateTimeField(_("升级通知时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异常记录")
        verbose_name_plural = _("异常记录")
        ordering = ["raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "reason"], condition=models.Q(resolved_at__isnull=True), name="orderflag_one_open_per_reason"
            )
        ]
        indexes = [
            models.Index(fields=["order", "reason"], name="orderflag_order_reason_idx"),
            models.Index(fields=["raised_at"], name="orderflag_raised_idx"),
            models.Index(fields=["raised_at"], name="orderflag_open_idx", condition=models.Q(resolved_at__isnull=True)),
            # The sweep's escalation: open flags nobody has been emailed about.
            models.Index(
                fields=["raised_at"],
                name="orderflag_unescalated_idx",
                condition=models.Q(resolved_at__isnull=True, escalated_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.reason}"
