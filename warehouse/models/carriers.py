"""Carriers, their services and rates, and the shipment (waybill) of each order.

Configuration rows (carrier, service, pickup cut-off, rate zone, rate) are edited in admin like the
catalogue; a ``Shipment`` changes only through ``warehouse.carriers.services``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ServiceLevel(models.TextChoices):
    STANDARD = "standard", _("标快/经济")
    EXPRESS = "express", _("特快/次日达")


class AdapterKind(models.TextChoices):
    """Which ``CarrierAdapter`` issues this carrier's waybills (``warehouse.carriers.adapters``)."""

    SANDBOX = "sandbox", _("本地沙箱（模拟面单号）")


class Carrier(models.Model):
    """A carrier the seller has an account with. ``code`` is the canonical key the platforms'
    write-back understands (SF, ZTO, YTO, YUNDA, JD, JT, EMS, STO)."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=32, help_text=_("发货时回传平台的快递公司名称，如「顺丰速运」"))
    short_name = models.CharField(_("简称"), max_length=16, help_text=_("面单顶部的大字，如「顺丰」"))
    adapter = models.CharField(_("面单接口"), max_length=16, choices=AdapterKind.choices, default=AdapterKind.SANDBOX)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("快递公司")
        verbose_name_plural = _("快递公司")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CarrierService(models.Model):
    """A product of one carrier (顺丰标快, 顺丰特快…): its speed class and volumetric divisor."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="services", verbose_name=_("快递公司"))
    name = models.CharField(_("服务名称"), max_length=32)
    level = models.CharField(_("服务等级"), max_length=16, choices=ServiceLevel.choices, default=ServiceLevel.STANDARD)
    volumetric_divisor = models.PositiveIntegerField(
        _("抛比（体积重除数）"), default=8000, help_text=_("体积重(kg) = 长×宽×高(cm) ÷ 此数，常见 6000 或 8000")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("快递服务")
        verbose_name_plural = _("快递服务")
        ordering = ["carrier__code", "level", "name"]
        constraints = [models.UniqueConstraint(fields=["carrier", "name"], name="carrierservice_unique_name")]

    def __str__(self) -> str:
        return self.name


class CarrierPickup(models.Model):
    """When a carrier collects at a warehouse each day; parcels after the cut-off leave tomorrow."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="pickups", verbose_name=_("快递公司"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="carrier_pickups", verbose_name=_("仓库")
    )
    cutoff = models.TimeField(_("揽收截止时间"), help_text=_("北京时间，如 17:00"))

    class Meta:
        verbose_name = _("揽收时间")
        verbose_name_plural = _("揽收时间")
        ordering = ["warehouse__code", "carrier__code"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "warehouse"], name="carrierpickup_unique_carrier_warehouse")
        ]

    def __str__(self) -> str:
        return f"{self.carrier} @ {self.warehouse} {self.cutoff:%H:%M}"


class RateZone(models.Model):
    """A group of destination provinces priced alike from one warehouse (一区 省内, 二区 华东…)."""

    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="rate_zones", verbose_name=_("发货仓")
    )
    name = models.CharField(_("分区名称"), max_length=32)
    provinces = models.JSONField(_("目的省份"), default=list, help_text=_("如 [\"浙江\", \"江苏\"]，不带「省」「市」"))
    sequence = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("运费分区")
        verbose_name_plural = _("运费分区")
        ordering = ["warehouse__code", "sequence", "name"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "name"], name="ratezone_unique_name")]

    def __str__(self) -> str:
        return f"{self.warehouse} {self.name}"


class CarrierRate(models.Model):
    """首重 + 续重: the price of one service to one zone, and how many days it usually takes."""

    service = models.ForeignKey(CarrierService, on_delete=models.CASCADE, related_name="rates", verbose_name=_("快递服务"))
    zone = models.ForeignKey(RateZone, on_delete=models.CASCADE, related_name="rates", verbose_name=_("运费分区"))
    first_weight_g = models.PositiveIntegerField(_("首重(克)"), default=1000)
    first_price = models.DecimalField(_("首重价格"), max_digits=12, decimal_places=2)
    step_weight_g = models.PositiveIntegerField(_("续重单位(克)"), default=1000)
    step_price = models.DecimalField(_("续重单价"), max_digits=12, decimal_places=2)
    transit_days = models.PositiveSmallIntegerField(_("时效(天)"), default=2)

    class Meta:
        verbose_name = _("运费")
        verbose_name_plural = _("运费")
        ordering = ["zone__warehouse__code", "zone__sequence", "service__carrier__code", "service__name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "zone"], name="carrierrate_unique_service_zone"),
            models.CheckConstraint(
                condition=Q(first_weight_g__gt=0) & Q(step_weight_g__gt=0), name="carrierrate_weights_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} → {self.zone.name}"


class ShipmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("待出面单")
    ISSUED = "issued", _("已出面单")


class Shipment(models.Model):
    """The carrier chosen for an order and the waybill issued for it.

    ``proposed_service`` and ``proposal_reason`` are what ``carrier_propose`` found; ``service`` is
    what will be (or was) used: the proposal, unless ops changed it (``changed_by``, ``change_reason``).
    ``attempt`` counts voided waybills, so a re-issue asks the carrier for a new number.
    """

    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="shipment", verbose_name=_("订单")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.PROPOSED, db_index=True
    )
    proposed_service = models.ForeignKey(
        CarrierService, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("推荐服务")
    )
    proposal_reason = models.CharField(_("推荐理由"), max_length=500, blank=True)
    quotes = models.JSONField(_("比价"), default=list, blank=True)
    service = models.ForeignKey(
        CarrierService, on_delete=models.PROTECT, null=True, related_name="shipments", verbose_name=_("快递服务")
    )
    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, null=True, related_name="shipments", verbose_name=_("快递公司")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("改派人"),
    )
    change_reason = models.CharField(_("改派原因"), max_length=200, blank=True)
    zone_name = models.CharField(_("运费分区"), max_length=32, blank=True)
    weight_g = models.PositiveIntegerField(_("重量(克)"), null=True)
    billing_weight_g = models.PositiveIntegerField(_("计费重量(克)"), null=True)
    price = models.DecimalField(_("运费"), max_digits=12, decimal_places=2, null=True)
    waybill_number = models.CharField(_("运单号"), max_length=64, blank=True, db_index=True)
    sort_code = models.CharField(_("三段码"), max_length=32, blank=True)
    hub = models.CharField(_("集包地"), max_length=32, blank=True)
    issued_at = models.DateTimeField(_("出单时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("出单人"),
    )
    attempt = models.PositiveSmallIntegerField(_("作废次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("发货单")
        verbose_name_plural = _("发货单")
        ordering = ["-id"]
        permissions = [
            ("print_documents", _("可打印仓库执行单和快递面单")),
            ("issue_waybill", _("可出面单/作废面单")),
            ("choose_carrier", _("可修改订单的快递公司")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "waybill_number"],
                condition=~Q(waybill_number=""),
                name="shipment_unique_carrier_waybill",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.waybill_number or self.get_status_display()}"
