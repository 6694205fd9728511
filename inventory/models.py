"""What we hold and where: SKUs, warehouses, bins, stock levels and the stock ledger."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Sku(models.Model):
    code = models.CharField(_("商家编码"), max_length=64, unique=True)
    barcode = models.CharField(_("条码"), max_length=64, blank=True, db_index=True)
    name = models.CharField(_("名称"), max_length=200)
    category = models.CharField(_("类目"), max_length=64, blank=True, db_index=True)
    unit_weight_g = models.PositiveIntegerField(_("单件重量(克)"), default=0)
    image = models.ImageField(_("图片"), upload_to="skus/", blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("商品 SKU")
        verbose_name_plural = _("商品 SKU")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Warehouse(models.Model):
    code = models.CharField(_("仓库编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True, help_text=_("印在快递面单的寄件人栏"))
    provinces = models.JSONField(
        _("覆盖省份"), default=list, blank=True, help_text=_("该仓优先发货的省份，如 [\"浙江\", \"江苏\"]")
    )
    #: Read by the order flow: routing (冷链 for categories that need it) and the escalation levels.
    cold_chain = models.BooleanField(_("冷链仓"), default=False)
    daily_capacity = models.PositiveIntegerField(
        _("日处理能力（单）"), default=0, help_text=_("每天能发出的订单数；积压超过它的一定比例时首页显示黄色预警（0 = 不预警）")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("仓库")
        verbose_name_plural = _("仓库")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Bin(models.Model):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="bins", verbose_name=_("仓库"))
    code = models.CharField(_("库位编码"), max_length=32)
    pick_sequence = models.PositiveIntegerField(_("拣货顺序"), default=0)

    class Meta:
        verbose_name = _("库位")
        verbose_name_plural = _("库位")
        ordering = ["warehouse", "pick_sequence", "code"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "code"], name="bin_unique_code")]

    def __str__(self) -> str:
        return f"{self.warehouse.code}-{self.code}"


class StockLevel(models.Model):
    """One SKU in one warehouse. The database refuses a reservation beyond what is on hand."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="stock_levels", verbose_name=_("SKU"))
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="stock_levels", verbose_name=_("仓库")
    )
    home_bin = models.ForeignKey(
        Bin, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("默认库位")
    )
    on_hand = models.IntegerField(_("在库"), default=0)
    reserved = models.IntegerField(_("已占用"), default=0)
    reorder_level = models.PositiveIntegerField(_("低库存阈值"), default=10)

    class Meta:
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="stocklevel_unique_sku_warehouse"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stocklevel_reserved_gte_0"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stocklevel_reserved_lte_on_hand"),
        ]

    def __str__(self) -> str:
        return f"{self.sku.code} @ {self.warehouse.code}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class MovementReason(models.TextChoices):
    RECEIVE = "receive", _("入库")
    ADJUST = "adjust", _("盘点调整")
    RESERVE = "reserve", _("占用")
    RELEASE = "release", _("释放")
    SHIP = "ship", _("出库")
    TRANSFER_OUT = "transfer_out", _("调拨出")
    TRANSFER_IN = "transfer_in", _("调拨入")
    RETURN_IN = "return_in", _("退货入库")


class StockMovement(models.Model):
    """Append-only ledger: the sum of a stock level's movements equals the stock level."""

    stock_level = models.ForeignKey(
        StockLevel, on_delete=models.PROTECT, related_name="movements", verbose_name=_("库存")
    )
    delta_on_hand = models.IntegerField(_("在库变化"), default=0)
    delta_reserved = models.IntegerField(_("占用变化"), default=0)
    reason = models.CharField(_("原因"), max_length=16, choices=MovementReason.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    reference = models.CharField(_("关联单号"), max_length=64, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["-at", "-id"]
        # The ledger's admin list at millions of rows: newest first, whole or by reason, each page
        # read from an index.
        indexes = [
            models.Index(fields=["at", "id"], name="movement_at_idx"),
            models.Index(fields=["reason", "at", "id"], name="movement_reason_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.delta_on_hand:+}/{self.delta_reserved:+}"
