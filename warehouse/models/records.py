"""What the floor leaves behind: every scan (right or wrong), each parcel, each photo."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FloorStep(models.TextChoices):
    PICK = "pick", _("拣货")
    SHORT = "short", _("缺货")
    SORT = "sort", _("分拣")
    PACK = "pack", _("验货打包")
    WEIGH = "weigh", _("称重")
    SHIP = "ship", _("发货交接")


class ShortReason(models.TextChoices):
    BIN_EMPTY = "bin_empty", _("库位为空")
    NOT_ENOUGH = "not_enough", _("数量不足")
    DAMAGED = "damaged", _("商品破损")
    NOT_FOUND = "not_found", _("找不到商品")


class ScanRecord(models.Model):
    """One scan or floor action, refused or not. Wrong scans feed the accuracy figures.

    ``request_id`` is the phone's id for the request: a re-sent request with the same id gets the
    first answer and changes nothing again.
    """

    step = models.CharField(_("环节"), max_length=8, choices=FloorStep.choices)
    wave = models.ForeignKey(
        "warehouse.Wave", on_delete=models.SET_NULL, null=True, blank=True, related_name="scans", verbose_name=_("波次")
    )
    line = models.ForeignKey(
        "warehouse.PickLine", on_delete=models.SET_NULL, null=True, blank=True, related_name="scans",
        verbose_name=_("拣货行"),
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="floor_scans",
        verbose_name=_("订单"),
    )
    sku = models.ForeignKey(
        "inventory.Sku", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("SKU")
    )
    code = models.CharField(_("扫描内容"), max_length=128, blank=True)
    quantity = models.IntegerField(_("数量"), default=0)
    ok = models.BooleanField(_("通过"))
    reason = models.CharField(_("拒绝原因"), max_length=32, blank=True)
    message = models.CharField(_("提示"), max_length=300, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("扫描记录")
        verbose_name_plural = _("扫描记录")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request_id"], condition=~Q(request_id=""), name="scanrecord_unique_request")
        ]
        indexes = [
            models.Index(fields=["order", "step"]),
            models.Index(fields=["actor", "at"]),
            models.Index(fields=["line", "ok"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.code} {'✓' if self.ok else '✗'}"


class Parcel(models.Model):
    """What packing and weighing produced for one order: the box, the weights, the hand-over."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="parcel", verbose_name=_("订单"))
    box = models.ForeignKey("warehouse.Box", on_delete=models.PROTECT, related_name="+", verbose_name=_("包装箱"))
    #: None when a SKU in the parcel has no unit weight: the weight cannot be checked.
    expected_weight_g = models.PositiveIntegerField(_("预计重量(克)"), null=True, blank=True)
    tolerance_g = models.PositiveIntegerField(_("允差(克)"), null=True, blank=True)
    weight_g = models.PositiveIntegerField(_("实际重量(克)"), null=True, blank=True)
    weight_ok = models.BooleanField(_("称重通过"), null=True, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("放行人"),
    )
    override_reason = models.CharField(_("放行原因"), max_length=200, blank=True)
    override_at = models.DateTimeField(_("放行时间"), null=True, blank=True)
    packed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("打包人")
    )
    packed_at = models.DateTimeField(_("打包时间"), auto_now_add=True)
    weighed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("称重人"),
    )
    weighed_at = models.DateTimeField(_("称重时间"), null=True, blank=True)
    carrier = models.CharField(_("快递公司"), max_length=32, blank=True)
    waybill = models.CharField(_("运单号"), max_length=64, blank=True)
    #: Why the last attempt to issue the label failed (no rate to the zone, the carrier refused);
    #: empty once a waybill is recorded. The weigh page shows it with a retry.
    label_error = models.CharField(_("面单问题"), max_length=300, blank=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("交接人"),
    )
    shipped_at = models.DateTimeField(_("交接时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("包裹")
        verbose_name_plural = _("包裹")
        ordering = ["-id"]
        permissions = [("override_weight_parcel", _("可放行称重超差的包裹"))]

    def __str__(self) -> str:
        return f"{self.order_id} {self.box_id}"

    @property
    def may_ship(self) -> bool:
        """Weighed within tolerance, or let through by a supervisor."""
        return bool(self.weight_ok) or self.override_at is not None


def photo_path(photo: "FloorPhoto", filename: str) -> str:
    return f"floor/{photo.at:%Y/%m/%d}/{filename}"


class FloorPhoto(models.Model):
    """Evidence from a floor step: re-encoded as JPEG without EXIF, with a thumbnail."""

    step = models.CharField(_("环节"), max_length=8, choices=FloorStep.choices)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="floor_photos",
        verbose_name=_("订单"),
    )
    wave = models.ForeignKey(
        "warehouse.Wave", on_delete=models.SET_NULL, null=True, blank=True, related_name="photos", verbose_name=_("波次")
    )
    image = models.ImageField(_("照片"), upload_to=photo_path)
    thumbnail = models.ImageField(_("缩略图"), upload_to=photo_path)
    width = models.PositiveIntegerField(_("宽"), default=0)
    height = models.PositiveIntegerField(_("高"), default=0)
    size_bytes = models.PositiveIntegerField(_("大小(字节)"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("拍摄人")
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("作业照片")
        verbose_name_plural = _("作业照片")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request_id"], condition=~Q(request_id=""), name="floorphoto_unique_request")
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.order_id or self.wave_id}"
