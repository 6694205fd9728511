"""Which carrier service should take an order: every service that delivers to the order's rate
zone is priced (首重 + 续重 on the billing weight), those meeting the order's delivery priority are
kept, and the cheapest wins. Reads only; ``services.shipment_propose`` records the result.
"""

import math
from dataclasses import asdict, dataclass
from datetime import datetime, time
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.address import normalize_province
from orders.models import Order, Priority
from warehouse.carriers.errors import ShippingRefused
from warehouse.models.carriers import CarrierPickup, CarrierRate, CarrierService, RateZone, ServiceLevel

#: Delivery priority -> (at most this many days in transit, express service required). A setting
#: ``CARRIER_PRIORITY_RULES`` with the same shape replaces it.
PRIORITY_RULES = {
    Priority.NORMAL: (None, False),
    Priority.HIGH: (2, False),
    Priority.URGENT: (1, True),
}
#: A carrier with no pickup time recorded at the warehouse is taken to collect until then.
DEFAULT_CUTOFF = time(17, 0)

#: Largest box edge we believe (mm); beyond it the figure is a typo, not a parcel.
MAX_EDGE_MM = 3000
MAX_WEIGHT_G = 100_000


@dataclass(frozen=True)
class Quote:
    service_id: int
    service: str
    carrier: str
    level: str
    price: Decimal
    billing_weight_g: int
    transit_days: int
    meets_priority: bool
    before_cutoff: bool

    def as_json(self) -> dict:
        return {**asdict(self), "price": str(self.price)}


@dataclass(frozen=True)
class Proposal:
    quote: Quote
    reason: str
    zone: RateZone
    quotes: list[Quote]


def check_weight(weight_g, box_mm=None) -> None:
    """Refuse a weight or box size no parcel has (before anything is computed or written)."""
    if not isinstance(weight_g, int) or isinstance(weight_g, bool) or not 0 < weight_g <= MAX_WEIGHT_G:
        raise ShippingRefused(_("重量必须是 1 到 %(max)d 之间的整数（克）") % {"max": MAX_WEIGHT_G}, code="bad_weight")
    if box_mm is not None and (
        len(box_mm) != 3 or any(not isinstance(edge, int) or not 0 < edge <= MAX_EDGE_MM for edge in box_mm)
    ):
        raise ShippingRefused(_("箱子尺寸必须是三个正整数（毫米）"), code="bad_box")


def billing_weight_g(weight_g: int, box_mm: tuple[int, int, int] | None, divisor: int) -> int:
    """max(actual, volumetric); volumetric kg = L×W×H cm / divisor, which in grams is L×W×H mm / divisor."""
    if not box_mm:
        return weight_g
    length, width, height = box_mm
    return max(weight_g, math.ceil(length * width * height / divisor))


def rate_price(rate: CarrierRate, billing_g: int) -> Decimal:
    """首重 covers the first ``first_weight_g``; each started ``step_weight_g`` beyond it costs ``step_price``."""
    steps = math.ceil(max(0, billing_g - rate.first_weight_g) / rate.step_weight_g)
    return rate.first_price + rate.step_price * steps


def zone_for(order: Order) -> RateZone:
    if order.warehouse_id is None:
        raise ShippingRefused(_("订单 %(number)s 尚未分配发货仓") % {"number": order.number}, code="no_warehouse")
    zone = _zone_of(RateZone.objects.filter(warehouse_id=order.warehouse_id).order_by("sequence", "id"), order.province)
    if zone is not None:
        return zone
    raise ShippingRefused(
        _("发货仓没有覆盖「%(province)s」的运费分区，请在运费分区里添加") % {"province": order.province or "?"},
        code="no_zone",
    )


def _rules() -> dict:
    return getattr(settings, "CARRIER_PRIORITY_RULES", PRIORITY_RULES)


def _meets(priority: int, level: str, transit_days: int) -> bool:
    max_days, express_only = _rules().get(priority, (None, False))
    if express_only and level != ServiceLevel.EXPRESS:
        return False
    return max_days is None or transit_days <= max_days


def _requirement(priority: int) -> str:
    max_days, express_only = _rules().get(priority, (None, False))
    if max_days is None:
        return _("不限时效")
    if express_only:
        return _("需特快，%(days)d 天内送达") % {"days": max_days}
    return _("需 %(days)d 天内送达") % {"days": max_days}


def quotes_for(
    order: Order, weight_g: int, box_mm=None, *, now: datetime | None = None, services=None
) -> tuple[RateZone, list[Quote]]:
    """Every active service (or those in ``services``) with a rate to the order's zone, priced."""
    check_weight(weight_g, box_mm)
    zone = zone_for(order)
    rates = CarrierRate.objects.filter(
        zone=zone, service__active=True, service__carrier__active=True
    ).select_related("service__carrier")
    if services is not None:
        rates = rates.filter(service__in=services)
    local = timezone.localtime(now or timezone.now())
    cutoffs = dict(
        CarrierPickup.objects.filter(warehouse_id=order.warehouse_id).values_list("carrier_id", "cutoff")
    )
    return zone, _quotes(rates, weight_g, box_mm, priority=order.priority, local=local, cutoffs=cutoffs)


def _zone_of(zones, province: str) -> RateZone | None:
    """The first zone (in the order given) whose provinces include ``province``."""
    wanted = normalize_province(province)
    for zone in zones:
        if wanted in {normalize_province(p) for p in zone.provinces}:
            return zone
    return None


def _quotes(rates, weight_g: int, box_mm, *, priority: int, local: datetime, cutoffs: dict) -> list[Quote]:
    """Each rate priced for the parcel, cheapest first (rates with ``service__carrier`` loaded)."""
    quotes = []
    for rate in rates:
        service = rate.service
        billing = billing_weight_g(weight_g, box_mm, service.volumetric_divisor)
        quotes.append(
            Quote(
                service_id=service.pk,
                service=service.name,
                carrier=service.carrier.name,
                level=service.level,
                price=rate_price(rate, billing),
                billing_weight_g=billing,
                transit_days=rate.transit_days,
                meets_priority=_meets(priority, service.level, rate.transit_days),
                before_cutoff=local.time() < cutoffs.get(service.carrier_id, DEFAULT_CUTOFF),
            )
        )
    quotes.sort(key=lambda q: (q.price, q.transit_days, q.carrier, q.service))
    return quotes


def _choose(quotes: list[Quote], priority: int) -> tuple[Quote, list[Quote], list[Quote]]:
    """The proposal's rule: (the chosen quote, those meeting the priority, the pool it came from).
    The cheapest meeting the priority, among those still collected today for 加急/特急 when any
    is; when none meets it, the fastest (express first, then cheapest)."""
    meeting = [q for q in quotes if q.meets_priority]
    if not meeting:
        return min(quotes, key=lambda q: (q.transit_days, q.level != ServiceLevel.EXPRESS, q.price)), meeting, []
    pool = meeting
    if priority != Priority.NORMAL and any(q.before_cutoff for q in meeting):
        pool = [q for q in meeting if q.before_cutoff]
    return pool[0], meeting, pool


def carrier_propose(*, order: Order, weight_g: int, box_mm=None, now: datetime | None = None) -> Proposal:
    """The cheapest service meeting the order's delivery priority, with the reason in words.

    For 加急/特急 orders a service whose carrier still collects today is preferred. When no service
    meets the priority (特急 to a remote province), the fastest one is proposed and the reason says so.
    """
    zone, quotes = quotes_for(order, weight_g, box_mm, now=now)
    if not quotes:
        raise ShippingRefused(
            _("没有可用的快递服务发往「%(zone)s」，请在运费里添加") % {"zone": zone.name}, code="no_service"
        )
    priority_label = Priority(order.priority).label
    requirement = _requirement(order.priority)
    best, meeting, pool = _choose(quotes, order.priority)
    if not meeting:
        reason = _(
            "%(priority)s订单（%(requirement)s）：没有服务能做到，改选最快的 %(service)s，约 %(days)d 天，"
            "¥%(price)s（计费重 %(kg)s kg，%(zone)s）"
        )
    else:
        reason = _(
            "%(priority)s订单（%(requirement)s）：%(service)s ¥%(price)s，是 %(count)d 个满足时效的服务中最便宜的"
            "（计费重 %(kg)s kg，%(zone)s，约 %(days)d 天）"
        )
        if len(pool) < len(meeting):
            reason += _("；已过今日揽收截止的快递不考虑")
        elif not best.before_cutoff:
            reason += _("；今日已过揽收截止，明日揽收")
    reason = reason % {
        "priority": priority_label,
        "requirement": requirement,
        "service": best.service,
        "price": best.price,
        "count": len(meeting),
        "kg": _kg(best.billing_weight_g),
        "zone": zone.name,
        "days": best.transit_days,
    }
    return Proposal(quote=best, reason=reason[:500], zone=zone, quotes=quotes)


@dataclass(frozen=True)
class PlannedParcel:
    """An order before it is packed, as ``planned_carriers`` weighs it."""

    order_id: int
    province: str
    priority: int
    #: The goods' weight (the SKUs' unit weights × quantities); 0 when unknown.
    weight_g: int


def planned_carriers(*, warehouse_id: int, parcels: list[PlannedParcel], now: datetime | None = None) -> dict[int, str]:
    """The carrier each order's label will most likely name, before it is packed (for waves:
    one pickup cut-off per wave): ``carrier_propose``'s rule on the goods' weight, no box yet.
    One read of the warehouse's rate zones, rates and pickup times for all of them. An order with
    no known weight, or that no active service reaches, gets "" (the label decides)."""
    if not parcels:
        return {}
    zones = list(RateZone.objects.filter(warehouse_id=warehouse_id).order_by("sequence", "id"))
    if not zones:
        return {parcel.order_id: "" for parcel in parcels}
    rates: dict[int, list[CarrierRate]] = {}
    for rate in CarrierRate.objects.filter(
        zone__in=zones, service__active=True, service__carrier__active=True
    ).select_related("service__carrier"):
        rates.setdefault(rate.zone_id, []).append(rate)
    cutoffs = dict(CarrierPickup.objects.filter(warehouse_id=warehouse_id).values_list("carrier_id", "cutoff"))
    local = timezone.localtime(now or timezone.now())
    planned = {}
    for parcel in parcels:
        zone = _zone_of(zones, parcel.province)
        found = rates.get(zone.pk) if zone is not None else None
        if not found or not 0 < parcel.weight_g <= MAX_WEIGHT_G:
            planned[parcel.order_id] = ""
            continue
        quotes = _quotes(found, parcel.weight_g, None, priority=parcel.priority, local=local, cutoffs=cutoffs)
        planned[parcel.order_id] = _choose(quotes, parcel.priority)[0].carrier
    return planned


def _kg(grams: int) -> str:
    return f"{Decimal(grams) / 1000:.3f}".rstrip("0").rstrip(".")


def quote_for_service(*, order: Order, service: CarrierService, weight_g: int, box_mm=None) -> tuple[RateZone, Quote]:
    """The price of one named service for this order; refused if it does not deliver there."""
    zone, quotes = quotes_for(order, weight_g, box_mm, services=[service])
    if not quotes:
        raise ShippingRefused(
            _("%(service)s 不发往「%(zone)s」或未启用") % {"service": service.name, "zone": zone.name},
            code="service_unavailable",
        )
    return zone, quotes[0]
