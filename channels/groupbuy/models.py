"""Group-buy leaders, campaigns with their items, the leaders' orders, and cutoff batches with
their purchase plan and station split. Pickup points (``orders.DeliveryStation``) belong to the
order core: an order points at its station."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class GroupLeader(models.Model):
    """A group-buy leader (团长): a user in the ``group_leader`` role, serving one pickup point."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="group_leader", verbose_name=_("账号")
    )
    name = models.CharField(_("团长姓名"), max_length=50)
    phone = models.CharField(_("手机"), max_length=32)
    station = models.ForeignKey(
        "orders.DeliveryStation", on_delete=models.PROTECT, related_name="leaders", verbose_name=_("自提站点")
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("团长")
        verbose_name_plural = _("团长")
        ordering = ["station", "name"]

    def __str__(self) -> str:
        return self.name


def default_cutoff() -> datetime:
    """The next daily cutoff (``GROUPBUY_CUTOFF``, "20:00" Asia/Shanghai): today's, or tomorrow's
    once today's has passed."""
    hour, minute = (int(part) for part in getattr(settings, "GROUPBUY_CUTOFF", "20:00").split(":"))
    now = timezone.localtime()
    cutoff = timezone.make_aware(datetime.combine(now.date(), time(hour, minute)))
    return cutoff if cutoff > now else cutoff + timedelta(days=1)


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("接单中")
    CLOSED = "closed", _("已截单")


class Campaign(models.Model):
    """One day's (or period's) group-buy: what is offered at what price, until the cutoff."""

    code = models.CharField(_("团期编号"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("渠道"),
        limit_choices_to={"platform": "groupbuy"},  # Platform.GROUPBUY: leaders are a 团购 channel
    )
    starts_at = models.DateTimeField(_("开团时间"), default=timezone.now)
    cutoff_at = models.DateTimeField(
        _("截单时间"), default=default_cutoff, db_index=True, help_text=_("默认每天 20:00（北京时间）；可按活动调整")
    )
    commission_rate = models.DecimalField(
        _("团长佣金比例"), max_digits=5, decimal_places=4, default=0, help_text=_("如 0.08 表示按成交额的 8% 计佣金")
    )
    status = models.CharField(
        _("状态"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.OPEN, db_index=True
    )
    closed_at = models.DateTimeField(_("实际截单时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("截单人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("团购活动")
        verbose_name_plural = _("团购活动")
        ordering = ["-cutoff_at", "-id"]
        permissions = [("close_campaign", _("可截单并下载采购计划"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0, commission_rate__lte=1), name="campaign_commission_rate_range"
            ),
            models.CheckConstraint(condition=Q(cutoff_at__gt=models.F("starts_at")), name="campaign_cutoff_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    def accepts_orders(self, now=None) -> bool:
        """Open and between its start and its cutoff (the clock decides even before the worker
        has closed it)."""
        now = now or timezone.now()
        return self.status == CampaignStatus.OPEN and self.starts_at <= now < self.cutoff_at

    @property
    def closed_time(self):
        """When it stopped taking orders: closed by hand before the cutoff, or the cutoff."""
        if self.closed_at is not None and self.closed_at < self.cutoff_at:
            return self.closed_at
        return self.cutoff_at


class CampaignItem(models.Model):
    """A SKU a campaign offers, its price and limits, and the supplier's pack size (the purchase
    plan rounds up to whole packs)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items", verbose_name=_("团购活动"))
    sku = models.ForeignKey("inventory.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    price = models.DecimalField(_("团购价"), max_digits=12, decimal_places=2)
    household_limit = models.PositiveIntegerField(_("每户限购"), null=True, blank=True, help_text=_("留空表示不限"))
    total_limit = models.PositiveIntegerField(
        _("总限量"), null=True, blank=True, help_text=_("所有团长合计最多卖出的件数；留空表示不限")
    )
    pack_size = models.PositiveIntegerField(_("供应商整箱数量"), default=1, help_text=_("采购按整箱向上取整"))
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("团购商品")
        verbose_name_plural = _("团购商品")
        ordering = ["campaign", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "sku"], name="campaignitem_unique_sku"),
            models.CheckConstraint(condition=Q(pack_size__gte=1), name="campaignitem_pack_size_gte_1"),
            models.CheckConstraint(condition=Q(price__gte=0), name="campaignitem_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.sku_id}"


class CampaignOrder(models.Model):
    """A household's order as a leader entered it: which campaign and leader, the order itself,
    the form's submit token (a form sent twice makes one order) and the payment photo."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="orders", verbose_name=_("团购活动"))
    leader = models.ForeignKey(GroupLeader, on_delete=models.PROTECT, related_name="orders", verbose_name=_("团长"))
    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="campaign_link", verbose_name=_("订单")
    )
    token = models.CharField(_("提交编号"), max_length=64, unique=True)
    photo = models.ImageField(_("付款截图"), upload_to="groupbuy/%Y/%m/%d/")
    thumbnail = models.ImageField(_("缩略图"), upload_to="groupbuy/%Y/%m/%d/")
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("团长订单")
        verbose_name_plural = _("团长订单")
        ordering = ["-id"]
        indexes = [models.Index(fields=["campaign", "leader"], name="campaignorder_campaign_leader")]

    def __str__(self) -> str:
        return str(self.order_id)


class CutoffBatch(models.Model):
    """What a campaign's cutoff produced, in one transaction: totals, the demand per SKU, the
    purchase plan per supplying warehouse and the split by station."""

    campaign = models.OneToOneField(Campaign, on_delete=models.PROTECT, related_name="batch", verbose_name=_("团购活动"))
    closed_at = models.DateTimeField(_("截单时间"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("截单人"),
    )
    order_count = models.PositiveIntegerField(_("订单数"), default=0)
    unit_count = models.PositiveIntegerField(_("件数"), default=0)
    amount = models.DecimalField(_("成交额"), max_digits=12, decimal_places=2, default=0)
    #: Set once every order the cutoff could pass on is 待拣货 (``cutoff_release_orders``).
    released_at = models.DateTimeField(_("订单转入待拣货时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("截单批次")
        verbose_name_plural = _("截单批次")
        ordering = ["-closed_at", "-id"]

    def __str__(self) -> str:
        return str(self.campaign)


class CutoffDemand(models.Model):
    batch = models.ForeignKey(CutoffBatch, on_delete=models.CASCADE, related_name="demand", verbose_name=_("截单批次"))
    sku = models.ForeignKey("inventory.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    quantity = models.PositiveIntegerField(_("需求数量"))
    orders = models.PositiveIntegerField(_("订单数"))

    class Meta:
        verbose_name = _("需求汇总")
        verbose_name_plural = _("需求汇总")
        ordering = ["batch", "sku"]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.quantity}"


class PurchaseLine(models.Model):
    """What to buy of one SKU for one supplying warehouse: the demand not yet covered by stock
    (reserved for these orders, or free there), rounded up to the supplier's packs."""

    batch = models.ForeignKey(
        CutoffBatch, on_delete=models.CASCADE, related_name="purchase_lines", verbose_name=_("截单批次")
    )
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("仓库"))
    sku = models.ForeignKey("inventory.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    demand = models.PositiveIntegerField(_("需求数量"))
    reserved = models.PositiveIntegerField(_("已占用库存"))
    free = models.PositiveIntegerField(_("可用库存"))
    shortfall = models.PositiveIntegerField(_("缺口"))
    pack_size = models.PositiveIntegerField(_("整箱数量"))
    packs = models.PositiveIntegerField(_("采购箱数"))
    quantity = models.PositiveIntegerField(_("采购数量"))

    class Meta:
        verbose_name = _("采购计划")
        verbose_name_plural = _("采购计划")
        ordering = ["batch", "warehouse", "sku"]

    def __str__(self) -> str:
        return f"{self.warehouse_id}:{self.sku_id} × {self.quantity}"


class StationLine(models.Model):
    batch = models.ForeignKey(
        CutoffBatch, on_delete=models.CASCADE, related_name="station_lines", verbose_name=_("截单批次")
    )
    station = models.ForeignKey(
        "orders.DeliveryStation", on_delete=models.PROTECT, related_name="+", verbose_name=_("自提站点")
    )
    sku = models.ForeignKey("inventory.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    quantity = models.PositiveIntegerField(_("数量"))
    households = models.PositiveIntegerField(_("户数"))

    class Meta:
        verbose_name = _("站点分货")
        verbose_name_plural = _("站点分货")
        ordering = ["batch", "station", "sku"]

    def __str__(self) -> str:
        return f"{self.station_id}:{self.sku_id} × {self.quantity}"
