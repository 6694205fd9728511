"""Waves (波次): orders of one warehouse picked together, and the pick list of each wave."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class WaveKind(models.TextChoices):
    #: 多品/单品多件: batch pick the totals, sort into numbered slots at the put wall.
    BATCH = "batch", _("批量拣货")
    #: 单品单件: batch pick; at the pack station a scanned item takes the next waiting order.
    SINGLE_UNIT = "single_unit", _("单品单件")
    #: 摘果: one order, one tote (urgent and big orders).
    ORDER = "order", _("按单拣货")


class WaveStatus(models.TextChoices):
    OPEN = "open", _("待下发")
    RELEASED = "released", _("已下发")
    PICKING = "picking", _("拣货中")
    PICKED = "picked", _("已拣完")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


#: A wave in one of these still holds its orders (an order is in at most one live wave).
LIVE_WAVE_STATUSES = [WaveStatus.OPEN, WaveStatus.RELEASED, WaveStatus.PICKING, WaveStatus.PICKED]


class Wave(models.Model):
    number = models.CharField(_("波次号"), max_length=32, unique=True)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="waves", verbose_name=_("仓库")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=WaveKind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=WaveStatus.choices, default=WaveStatus.OPEN, db_index=True)
    carrier = models.CharField(_("快递公司"), max_length=32, blank=True, help_text=_("同一波次的订单赶同一个揽收截止时间"))
    order_count = models.PositiveIntegerField(_("订单数"), default=0)
    unit_count = models.PositiveIntegerField(_("件数"), default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_waves",
        verbose_name=_("拣货员"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    released_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    picked_at = models.DateTimeField(_("拣完时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("波次")
        verbose_name_plural = _("波次")
        ordering = ["-id"]
        indexes = [models.Index(fields=["warehouse", "status"])]
        permissions = [
            ("build_wave", _("可生成波次")),
            ("release_wave", _("可下发/改派波次")),
            ("cancel_wave", _("可取消波次")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_WAVE_STATUSES


class WaveOrder(models.Model):
    """An order in a wave, with its slot (播种墙格口 / 周转箱号). ``active`` is cleared when the
    order leaves the wave (the wave is cancelled or finished, or the order was taken out)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="wave_orders", verbose_name=_("波次"))
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="wave_links", verbose_name=_("订单")
    )
    slot = models.PositiveIntegerField(_("格口号"))
    active = models.BooleanField(_("在波次中"), default=True)
    left_reason = models.CharField(_("移出原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("波次订单")
        verbose_name_plural = _("波次订单")
        ordering = ["wave", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(active=True), name="waveorder_one_live_wave"),
            models.UniqueConstraint(fields=["wave", "slot"], name="waveorder_unique_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.wave_id}#{self.slot}"


class PickLine(models.Model):
    """One line of a wave's pick list: a SKU's total in its bin, in the bins' walking order."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="lines", verbose_name=_("波次"))
    sequence = models.PositiveIntegerField(_("顺序"))
    sku = models.ForeignKey("inventory.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    stock_level = models.ForeignKey(
        "inventory.StockLevel", on_delete=models.PROTECT, related_name="+", verbose_name=_("库存")
    )
    bin = models.ForeignKey(
        "inventory.Bin", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("库位")
    )
    quantity = models.PositiveIntegerField(_("应拣数量"))
    picked = models.PositiveIntegerField(_("已拣数量"), default=0)
    short = models.PositiveIntegerField(_("缺货数量"), default=0)
    short_reason = models.CharField(_("缺货原因"), max_length=16, blank=True)
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("拣货人"),
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("拣货行")
        verbose_name_plural = _("拣货行")
        ordering = ["wave", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "sequence"], name="pickline_unique_sequence"),
            models.CheckConstraint(condition=Q(picked__lte=F("quantity") - F("short")), name="pickline_within_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.quantity}"

    @property
    def remaining(self) -> int:
        return self.quantity - self.picked - self.short

    @property
    def is_done(self) -> bool:
        """Picked and reported short add up to what its orders still need (less than ``quantity``
        once one of them was cancelled)."""
        return self.done_at is not None
