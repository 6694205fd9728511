"""Who works where, the boxes a warehouse packs into, and each warehouse's floor settings."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class FloorMember(models.Model):
    """A user works in a warehouse: they see and act on its waves and orders, and no others."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="floor_memberships", verbose_name=_("用户")
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="floor_members", verbose_name=_("仓库")
    )
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("仓库人员")
        verbose_name_plural = _("仓库人员")
        ordering = ["warehouse", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "warehouse"], name="floormember_unique_user_warehouse")]
        permissions = [("all_warehouses", _("可在所有仓库作业"))]

    def __str__(self) -> str:
        return f"{self.user} @ {self.warehouse}"


class Box(models.Model):
    """A carton or bag size, with the tare weighed once by the warehouse (see docs/FLOOR)."""

    code = models.CharField(_("编号"), max_length=16, unique=True, help_text=_("如 3号、快递袋"))
    name = models.CharField(_("名称"), max_length=64, blank=True)
    length_mm = models.PositiveIntegerField(_("长(毫米)"), default=0)
    width_mm = models.PositiveIntegerField(_("宽(毫米)"), default=0)
    height_mm = models.PositiveIntegerField(_("高(毫米)"), default=0)
    tare_g = models.PositiveIntegerField(_("皮重(克)"), default=0)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("包装箱")
        verbose_name_plural = _("包装箱")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        if self.length_mm:
            return f"{self.code} {self.length_mm}×{self.width_mm}×{self.height_mm}"
        return f"{self.code} {self.name}".strip()

    @property
    def dimensions_mm(self) -> tuple[int, int, int] | None:
        """(L, W, H) for the volumetric weight; None for a bag or a box not measured."""
        if self.length_mm and self.width_mm and self.height_mm:
            return (self.length_mm, self.width_mm, self.height_mm)
        return None


class FloorSettings(models.Model):
    """One warehouse's floor rules. A warehouse without a row uses the defaults below."""

    warehouse = models.OneToOneField(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="floor_settings", verbose_name=_("仓库")
    )
    weight_tolerance_g = models.PositiveIntegerField(
        _("称重允差(克)"), default=50, help_text=_("实际重量与预计重量之差在允差内才能通过；允差取克数与百分比中较大者")
    )
    weight_tolerance_pct = models.DecimalField(
        _("称重允差(%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    wave_max_orders = models.PositiveIntegerField(_("每波次最多订单数"), default=50)
    wave_max_units = models.PositiveIntegerField(_("每波次最多件数"), default=200)

    class Meta:
        verbose_name = _("仓库作业设置")
        verbose_name_plural = _("仓库作业设置")

    def __str__(self) -> str:
        return str(self.warehouse)

    def tolerance_for(self, expected_g: int) -> int:
        """Allowed difference in grams for a parcel expected to weigh ``expected_g``."""
        by_percent = (Decimal(expected_g) * self.weight_tolerance_pct / 100).to_integral_value()
        return max(self.weight_tolerance_g, int(by_percent))
