"""What the warehouse tells the order flow (``orders.hooks``), registered in ``WarehouseConfig.ready``:
the estimated shipping cost per warehouse for routing's tie-break, priced by the carriers' own
rule, and which orders the floor has taken up (in a wave not yet released), which ops may then
not merge, split or re-route."""

from collections import namedtuple
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext as _

from orders.address import normalize_province
from warehouse.carriers.proposal import rate_price
from warehouse.models import WaveOrder, WaveStatus
from warehouse.models.carriers import Carrier, CarrierRate, CarrierService, RateZone

#: What pricing a parcel reads of a rate (``proposal.rate_price`` takes it as it takes a ``CarrierRate``).
RateRow = namedtuple("RateRow", "warehouse_id zone_id provinces first_weight_g first_price step_weight_g step_price")


def rate_rows(warehouse_ids: list[int] | None = None) -> list[RateRow]:
    """The active services' rates of these warehouses (all when None), by warehouse, then zone by
    sequence. One statement, no model instances (routing asks for it on every tie)."""
    quote = connection.ops.quote_name
    rate, zone = quote(CarrierRate._meta.db_table), quote(RateZone._meta.db_table)
    service, carrier = quote(CarrierService._meta.db_table), quote(Carrier._meta.db_table)
    where, params = "", []
    if warehouse_ids is not None:
        where = f" AND z.warehouse_id IN ({', '.join(['%s'] * len(warehouse_ids))})" if warehouse_ids else " AND false"
        params = list(warehouse_ids)
    sql = (
        "SELECT z.warehouse_id, z.id, z.provinces, r.first_weight_g, r.first_price, r.step_weight_g, r.step_price"  # noqa: S608
        f" FROM {rate} r JOIN {zone} z ON z.id = r.zone_id JOIN {service} s ON s.id = r.service_id"
        f" JOIN {carrier} c ON c.id = s.carrier_id WHERE s.active AND c.active{where}"
        " ORDER BY z.warehouse_id, z.sequence, z.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    provinces = RateZone._meta.get_field("provinces")
    return [
        RateRow(
            warehouse, zone_id, provinces.from_db_value(raw, None, connection),
            first_g, _money(first_price), step_g, _money(step_price),
        )
        for warehouse, zone_id, raw, first_g, first_price, step_g, step_price in rows
    ]


def _money(value) -> Decimal:
    """A price as the ORM reads it (SQLite hands a plain cursor an int or a float)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(Decimal("0.01"))


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
    """``price_parcel`` from these warehouses' rates, read now (one statement)."""
    return price_parcel(rate_rows(list(warehouse_ids)), warehouse_ids, province, weight_g)


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
