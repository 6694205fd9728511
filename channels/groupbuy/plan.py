"""The arithmetic of a cutoff: demand per SKU, the split by station, the purchase plan.

One aggregate query over the campaign's live order lines, grouped by (station, SKU), gives the
station split; everything else is added up from it (an order belongs to one station, so the
households per SKU are the sum over stations), plus one read of the stock rows concerned. The
purchase plan, per supplying warehouse (the station's) and SKU:

    shortfall = max(demand − reserved for these orders − free stock in that warehouse, 0)
    quantity  = shortfall rounded up to whole packs of the campaign item's pack size

(stock reserved for these orders already covers them; free stock can still be reserved for the
ones waiting for goods).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Sum

from channels.groupbuy.models import CampaignItem, CutoffDemand, PurchaseLine
from channels.groupbuy.selectors import live_lines
from inventory.models import StockLevel
from orders.models import DeliveryStation


def packs_for(shortfall: int, pack_size: int) -> int:
    """Whole packs that cover ``shortfall`` units (pack size at least 1)."""
    return -(-shortfall // max(pack_size, 1))


#: The columns of a station split row, in ``Plan.stations`` order (written with ``core.sql.insert_rows``).
STATION_FIELDS = ("batch", "station", "sku", "quantity", "households")


@dataclass
class Plan:
    demand: list[CutoffDemand]
    purchase: list[PurchaseLine]
    #: (batch id, station id, sku id, units, households): tens of thousands on a big day, so
    #: plain tuples rather than model instances
    stations: list[tuple[int, int, int, int, int]]


def station_rows(campaign_id: int) -> list[tuple[int, int, int, int, int]]:
    """(station id, sku id, units, units reserved, households) of the campaign's live orders."""
    return list(
        live_lines(campaign_id)
        .filter(sku__isnull=False, order__station__isnull=False)
        .values("order__station_id", "sku_id")
        .annotate(units=Sum("quantity"), reserved=Sum("reserved_quantity"), households=Count("order_id", distinct=True))
        .order_by()
        .values_list("order__station_id", "sku_id", "units", "reserved", "households")
    )


def build_plan(*, batch_id: int, campaign_id: int) -> Plan:
    """The unsaved rows of the batch: demand per SKU, purchase lines, station lines."""
    rows = station_rows(campaign_id)
    supplier = dict(
        DeliveryStation.objects.filter(pk__in={row[0] for row in rows}).values_list("pk", "warehouse_id")
    )
    pack_sizes = dict(CampaignItem.objects.filter(campaign_id=campaign_id).values_list("sku_id", "pack_size"))
    stations = []
    demand: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    needs: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for station_id, sku_id, units, reserved, households in rows:
        stations.append((batch_id, station_id, sku_id, units, households))
        demand[sku_id][0] += units
        demand[sku_id][1] += households
        need = needs[(supplier[station_id], sku_id)]
        need[0] += units
        need[1] += reserved
    free = {
        (warehouse_id, sku_id): on_hand - reserved
        for warehouse_id, sku_id, on_hand, reserved in StockLevel.objects.filter(
            warehouse_id__in={key[0] for key in needs}, sku_id__in={key[1] for key in needs}
        ).values_list("warehouse_id", "sku_id", "on_hand", "reserved")
    }
    purchase = []
    for (warehouse_id, sku_id), (units, reserved) in sorted(needs.items()):
        available = max(free.get((warehouse_id, sku_id), 0), 0)
        shortfall = max(units - reserved - available, 0)
        pack_size = pack_sizes.get(sku_id, 1)
        packs = packs_for(shortfall, pack_size)
        purchase.append(
            PurchaseLine(
                batch_id=batch_id, warehouse_id=warehouse_id, sku_id=sku_id, demand=units, reserved=reserved,
                free=available, shortfall=shortfall, pack_size=pack_size, packs=packs, quantity=packs * pack_size,
            )
        )
    return Plan(
        demand=[
            CutoffDemand(batch_id=batch_id, sku_id=sku_id, quantity=units, orders=orders)
            for sku_id, (units, orders) in sorted(demand.items())
        ],
        purchase=purchase,
        stations=stations,
    )
