"""What the warehouse tells the order flow (``orders.hooks``), registered in ``WarehouseConfig.ready``:
the estimated shipping cost per warehouse for routing's tie-break, priced by the carriers' own
rule, and which orders the floor has taken up (in a wave not yet released), which ops may then
not merge, split or re-route."""

from decimal import Decimal

from django.utils.translation import gettext as _

from orders.address import normalize_province
from warehouse.carriers.proposal import rate_price
from warehouse.models import WaveOrder, WaveStatus
from warehouse.models.carriers import CarrierRate


def shipping_estimate(warehouse_ids: list[int], province: str, weight_g: int) -> dict[int, Decimal]:
    """The cheapest active service's price (首重 + 续重, ``proposal.rate_price``) of a ``weight_g``
    parcel from each warehouse to the first of its rate zones (by sequence) covering ``province``;
    a warehouse without such a zone or rate is left out. One query."""
    wanted = normalize_province(province)
    rates = (
        CarrierRate.objects.filter(
            zone__warehouse_id__in=warehouse_ids, service__active=True, service__carrier__active=True
        )
        .select_related("zone")
        .order_by("zone__warehouse_id", "zone__sequence", "zone_id")
    )
    zone_of: dict[int, int] = {}
    costs: dict[int, Decimal] = {}
    billing = max(int(weight_g or 0), 1)
    for rate in rates:
        zone = rate.zone
        if zone.warehouse_id not in zone_of:
            if wanted not in {normalize_province(p) for p in zone.provinces or []}:
                continue
            zone_of[zone.warehouse_id] = zone.pk
        if zone_of[zone.warehouse_id] != zone.pk:
            continue
        price = rate_price(rate, billing)
        if zone.warehouse_id not in costs or price < costs[zone.warehouse_id]:
            costs[zone.warehouse_id] = price
    return costs


def orders_in_open_waves(order_ids: list[int]) -> dict[int, str]:
    """Orders in a wave built but not yet released (待下发): its pick list counts their lines."""
    links = WaveOrder.objects.filter(order_id__in=order_ids, active=True, wave__status=WaveStatus.OPEN).values_list(
        "order_id", "wave__number"
    )
    return {
        order_id: _("已在波次 %(wave)s 中（待下发），请先把订单移出波次或取消波次") % {"wave": number}
        for order_id, number in links
    }
