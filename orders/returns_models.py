"""After-sales (售后): a customer's or ops' request to return, exchange or refund part of an order.

Every change goes through ``orders.services.returns``; each step writes an ``OrderEvent`` on the
order it belongs to (``RETURN_*`` actions), which the notification outbox and the dashboards read.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReturnKind(models.TextChoices):
    RETURN = "return", _("退货退款")
    EXCHANGE = "exchange", _("换货")
    REFUND_ONLY = "refund_only", _("仅退款")


class ReturnReason(models.TextChoices):
    WRONG_ITEM = "wrong_item", _("发错货")
    MISSING_ITEM = "missing_item", _("少件/漏发")
    DAMAGED = "damaged", _("商品破损")
    QUALITY = "quality", _("质量问题")
    NOT_AS_DESCRIBED = "not_as_described", _("与描述不符")
    SIZE = "size", _("尺码/规格不合适")
    NOT_WANTED = "not_wanted", _("不想要了（七天无理由）")
    OTHER = "other", _("其他")


#: Reasons that mean the warehouse or the goods failed: they count in the error-rate KPI.
ERROR_REASONS = (ReturnReason.WRONG_ITEM, ReturnReason.MISSING_ITEM, ReturnReason.DAMAGED)


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("待审核")
    APPROVED = "approved", _("已同意，待退回")
    REFUSED = "refused", _("已拒绝")
    RECEIVED = "received", _("已收货验货")
    COMPLETED = "completed", _("已完成")


#: A request still being worked on: its lines hold their quantities against a new request.
OPEN_RETURN_STATUSES = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.RECEIVED)


class RefundStatus(models.TextChoices):
    NONE = "", _("无需退款")
    PENDING = "pending", _("待退款")
    REFUNDED = "refunded", _("已退款")


class ReturnSource(models.TextChoices):
    CUSTOMER = "customer", _("买家自助")
    OPS = "ops", _("客服录入")


class Disposition(models.TextChoices):
    RESTOCK = "restock", _("完好，入库")
    SCRAP = "scrap", _("破损，报废")


class ReturnRequest(models.Model):
    """One after-sales request on one order. Refunds are paid on the platform; here they are tracked."""

    number = models.CharField(_("售后单号"), max_length=40, unique=True)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="returns", verbose_name=_("订单")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=ReturnKind.choices)
    reason = models.CharField(_("原因"), max_length=20, choices=ReturnReason.choices, db_index=True)
    description = models.CharField(_("问题描述"), max_length=500, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED, db_index=True
    )
    source = models.CharField(_("来源"), max_length=10, choices=ReturnSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("录入人"),
    )
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.CharField(_("审核说明"), max_length=500, blank=True)
    refund_status = models.CharField(
        _("退款状态"), max_length=10, choices=RefundStatus.choices, blank=True, default=RefundStatus.NONE
    )
    refund_amount = models.DecimalField(_("退款金额"), max_digits=12, decimal_places=2, default=0)
    refund_reference = models.CharField(_("平台退款单号"), max_length=64, blank=True)
    refunded_at = models.DateTimeField(_("退款时间"), null=True, blank=True)
    return_carrier = models.CharField(_("退回快递公司"), max_length=32, blank=True)
    return_tracking = models.CharField(_("退回运单号"), max_length=64, blank=True, db_index=True)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("退回仓库"),
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("验收人"),
    )
    received_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    receive_note = models.CharField(_("验收说明"), max_length=500, blank=True)
    exchange_order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("换货订单"),
    )

    class Meta:
        verbose_name = _("售后单")
        verbose_name_plural = _("售后单")
        ordering = ["-id"]
        permissions = [
            ("decide_returnrequest", _("可审核售后单（同意/拒绝）")),
            ("refund_returnrequest", _("可登记退款")),
            ("receive_returnrequest", _("可验收退货")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RETURN_STATUSES

    @property
    def needs_goods_back(self) -> bool:
        return self.kind != ReturnKind.REFUND_ONLY


class ReturnLine(models.Model):
    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines", verbose_name=_("售后单"))
    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="+", verbose_name=_("订单明细")
    )
    sku = models.ForeignKey(
        "inventory.Sku", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("SKU")
    )
    sku_code = models.CharField(_("商家编码"), max_length=64)
    title = models.CharField(_("商品名称"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("申请数量"))
    #: An exchange: the SKU to send instead ("" = the same SKU again).
    exchange_sku_code = models.CharField(_("换成"), max_length=64, blank=True)
    received_quantity = models.PositiveIntegerField(_("实收数量"), default=0)
    disposition = models.CharField(_("处理"), max_length=8, choices=Disposition.choices, blank=True)
    restocked_quantity = models.PositiveIntegerField(_("入库数量"), default=0)
    scrapped_quantity = models.PositiveIntegerField(_("报废数量"), default=0)

    class Meta:
        verbose_name = _("售后明细")
        verbose_name_plural = _("售后明细")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(restocked_quantity__lte=models.F("received_quantity"))
                & models.Q(scrapped_quantity__lte=models.F("received_quantity")),
                name="returnline_disposed_lte_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_code} × {self.quantity}"


class PhotoStage(models.TextChoices):
    CUSTOMER = "customer", _("买家上传")
    RECEIVING = "receiving", _("仓库验收")


def return_photo_path(photo, filename: str) -> str:
    return f"returns/{timezone.now():%Y/%m}/{uuid.uuid4().hex}_{filename}"


class ReturnPhoto(models.Model):
    """A photo of the goods (the customer's, or the warehouse's at inspection), re-encoded without EXIF."""

    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="photos", verbose_name=_("售后单"))
    stage = models.CharField(_("环节"), max_length=10, choices=PhotoStage.choices)
    image = models.ImageField(_("照片"), upload_to=return_photo_path)
    thumbnail = models.ImageField(_("缩略图"), upload_to=return_photo_path)
    width = models.PositiveIntegerField(_("宽"), default=0)
    height = models.PositiveIntegerField(_("高"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("上传人"),
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("售后照片")
        verbose_name_plural = _("售后照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.stage}"
