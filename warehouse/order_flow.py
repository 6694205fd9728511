"""What the warehouse tells the order flow (``orders.hooks``), registered in ``WarehouseConfig.ready``:
the estimated shipping cost per warehouse for routing's tie-break, priced by the carriers' own
rule, and which orders the floor has taken up (in a wave not yet released), which ops may then
not merge, split or re-route."""

from collections import namedtuple
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from core import config_cache
from orders.address import normalize_province
from warehouse.carriers.proposal import rate_price
from warehouse.models import WaveOrder, WaveStatus
from warehouse.models.carriers import CarrierRate

#: What pricing a parcel reads of a rate (``proposal.rate_price`` takes it as it takes a ``CarrierRate``).
RateRow = namedtuple("RateRow", "warehouse_id zone_id provinces first_weight_g first_price step_weight_g step_price")


def rate_rows(warehouse_ids: list[int] | None = None) -> list[RateRow]:
    """The active services' rates of these warehouses (all when None), by warehouse, then zone by
    sequence. One query, rows rather than model instances (routing asks for it on every tie)."""
    rates = CarrierRate.objects.filter(service__active=True, service__carrier__active=True)
    if warehouse_ids is not None:
        rates = rates.filter(zone__warehouse_id__in=warehouse_ids)
    columns = ("zone__warehouse_id", "zone_id", "zone__provinces", "first_weight_g", "first_price", "step_weight_g",
               "step_price")
    ordered = rates.order_by("zone__warehouse_id", "zone__sequence", "zone_id").values_list(*columns)
    return [RateRow(*row) for row in ordered]


def price_parcel(rates: list[RateRow], warehouse_ids, province: str, weight_g: int) -> dict[int, Decimal]:
    """The cheapest active service's price (首重 + 续重, ``proposal.rate_price``) of a ``weight_g``
    parcel from each of ``warehouse_ids`` to the first of its rate zones (by sequence) covering
    ``province``, from ``rates`` (``rate_rows``); a warehouse without such a zone is left out."""
    wanted = normalize_province(province)
    wanted_ids = set(warehouse_ids)
    zone_of: dict[int, int] = {}
    costs: dict[int, Decimal] = {}
    billing = max(int(weight_g or 0), 1)
    for rate in rates:
        if rate.warehouse_id not in wanted_ids:
            continue
        if rate.warehouse_id not in zone_of:
            if wanted not in {normalize_province(p) for p in rate.provinces or []}:
                continue
            zone_of[rate.warehouse_id] = rate.zone_id
        if zone_of[rate.warehouse_id] != rate.zone_id:
            continue
        price = rate_price(rate, billing)
        if rate.warehouse_id not in costs or price < costs[rate.warehouse_id]:
            costs[rate.warehouse_id] = price
    return costs


def shipping_estimate(warehouse_ids: list[int], province: str, weight_g: int) -> dict[int, Decimal]:
    """``price_parcel`` from the rates as this process last read them (``core.config_cache``), or
    from these warehouses' rates read now (one statement) when nothing is kept."""
    if settings.FLOW_RULES_CACHE_SECONDS <= 0:
        return price_parcel(rate_rows(list(warehouse_ids)), warehouse_ids, province, weight_g)
    rates = config_cache.kept("carrier_rates")
    if rates is None:
        rates = config_cache.keep("carrier_rates", rate_rows())
    return price_parcel(rates, warehouse_ids, province, weight_g)


def shipping_rate_card():
    """``shipping_estimate`` for many orders at once (a batch): every rate read once, when first
    asked for, and priced from memory after that."""
    rates: list[RateRow] | None = None

    def estimate(warehouse_ids: list[int], province: str, weight_g: int) -> dict[int, Decimal]:
        nonlocal rates
        if rates is None:
            rates = rate_rows()
        return price_parcel(rates, warehouse_ids, province, weight_g)

    return estimate


def orders_in_open_waves(order_ids: list[int]) -> dict[int, str]:
    """Orders in a wave built but not yet released (待下发): its pick list counts their lines."""
    links = WaveOrder.objects.filter(order_id__in=order_ids, active=True, wave__status=WaveStatus.OPEN).values_list(
        "order_id", "wave__number"
    )
    return {
        order_id: _("已在波次 %(wave)s 中（待下发），请先把订单移出波次或取消波次") % {"wave": number}
        for order_id, number in links
    }
