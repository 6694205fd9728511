"""Station waves and the delivery run to each group-buy pickup station.

The cutoff (in ``channels``) never calls the warehouse: it leaves the station orders 待拣货, and
the floor reads them here by their station. ``station_waves_build`` puts each station's orders in
waves of their own (批量拣货, one slot per household), then the usual floor steps apply: pick,
sort, pack, weigh. ``station_wave_dispatch`` sends the packed orders of a station wave on the
delivery run: each ships (``order_ship``) with the station carrier and the wave's number as the
run's number; the leader then confirms arrival and hands over each household's goods.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.models import Warehouse
from orders.models import DeliveryStation, Order
from orders.services import OrderActionRefused, order_ship
from orders.states import OrderStatus
from orders.stations import STATION_CARRIER
from warehouse.models import FloorStep, Parcel, StationWave, Wave, WaveKind, WaveOrder
from warehouse.selectors import floor_settings_for
from warehouse.services.common import check_access, record
from warehouse.services.errors import FloorRefused
from warehouse.services.waves import _candidates, _create_waves, _drop_stale_links


def station_waves_build(*, warehouse: Warehouse | int, actor, max_units: int | None = None) -> list[Wave]:
    """Waves of the warehouse's 待拣货 station orders that are in no live wave, one station per
    wave (several when a station has more than ``max_units``, default the floor settings'), the
    stations in region then code order. Locks the warehouse row, as ``wave_build`` does, so the
    two never put one order in two waves. Returns the new waves."""
    warehouse_id = warehouse.pk if isinstance(warehouse, Warehouse) else int(warehouse)
    check_access(actor, warehouse_id)
    max_units = max_units or floor_settings_for(warehouse_id).wave_max_units
    if max_units <= 0:
        raise FloorRefused(_("波次上限必须大于 0"), code="invalid_limits")
    with transaction.atomic():
        locked = Warehouse.objects.select_for_update().get(pk=warehouse_id)
        _drop_stale_links(warehouse_id)
        candidates = _candidates(warehouse_id, None, stations=True)
        if not candidates:
            return []
        stations = dict(
            Order.objects.filter(pk__in=[c.pk for c in candidates]).values_list("pk", "station_id")
        )
        by_station = defaultdict(list)
        for candidate in candidates:
            by_station[stations[candidate.pk]].append(candidate)
        order = dict(
            DeliveryStation.objects.filter(pk__in=list(by_station))
            .order_by("region", "code").values_list("pk", "code")
        )
        groups, group_stations = [], []
        for station_id in order:
            for members in _split(by_station[station_id], max_units):
                groups.append((WaveKind.BATCH, STATION_CARRIER, members))
                group_stations.append(station_id)
        waves = _create_waves(locked, groups, actor)
        StationWave.objects.bulk_create(
            StationWave(wave=wave, station_id=station_id) for wave, station_id in zip(waves, group_stations, strict=True)
        )
    return waves


def _split(members: list, max_units: int) -> list[list]:
    """Consecutive groups of at most ``max_units`` units (an order bigger than that goes alone)."""
    groups, current, units = [], [], 0
    for member in members:
        if current and units + member.units > max_units:
            groups.append(current)
            current, units = [], 0
        current.append(member)
        units += member.units
    if current:
        groups.append(current)
    return groups


@dataclass
class Dispatch:
    station_wave: StationWave
    #: order numbers that left with this run
    shipped: list[str] = field(default_factory=list)
    #: order number -> why it stayed (not packed yet, not weighed, cancelled…)
    left: dict[str, str] = field(default_factory=dict)


def station_wave_dispatch(*, station_wave: StationWave | int, actor) -> Dispatch:
    """The delivery run leaves for the station: every packed order of the wave whose parcel may
    ship (weighed within tolerance or let through) ships through ``order_ship``, carrier
    ``STATION_CARRIER``, tracking number the wave's number. Orders not ready are left, with the
    reason; run it again for them. Locks the station wave, then each order in pk order."""
    pk = station_wave.pk if isinstance(station_wave, StationWave) else int(station_wave)
    found = StationWave.objects.select_related("wave").filter(pk=pk).first()
    if found is None:
        raise FloorRefused(_("站点波次不存在"), code="not_found")
    check_access(actor, found.wave.warehouse_id)
    with transaction.atomic():
        locked = StationWave.objects.select_for_update().select_related("wave").get(pk=pk)
        run = locked.wave.number
        result = Dispatch(station_wave=locked)
        order_ids = WaveOrder.objects.filter(wave_id=locked.wave_id).order_by("order_id").values_list("order_id", flat=True)
        parcels = {p.order_id: p for p in Parcel.objects.filter(order_id__in=list(order_ids))}
        for order in Order.objects.select_for_update().filter(pk__in=list(order_ids)).order_by("pk"):
            reason = _not_ready(order, parcels.get(order.pk))
            if reason:
                if order.status != OrderStatus.SHIPPED:
                    result.left[order.number] = reason
                continue
            try:
                order_ship(order=order, actor=actor, expected_status=OrderStatus.PACKED, carrier=STATION_CARRIER,
                           tracking_number=run, note=_("站点配送 %(run)s") % {"run": run})
            except OrderActionRefused as exc:
                result.left[order.number] = exc.message
                continue
            parcel = parcels[order.pk]
            parcel.carrier, parcel.waybill, parcel.shipped_by, parcel.shipped_at = (
                STATION_CARRIER, run, actor, timezone.now(),
            )
            parcel.save(update_fields=["carrier", "waybill", "shipped_by", "shipped_at"])
            record(step=FloorStep.SHIP, actor=actor, order=order, wave_id=locked.wave_id, code=run,
                   data={"carrier": STATION_CARRIER, "station": locked.station_id})
            result.shipped.append(order.number)
        if result.shipped:
            locked.dispatched_at, locked.dispatched_by = timezone.now(), actor
            locked.save(update_fields=["dispatched_at", "dispatched_by"])
    return result


def _not_ready(order: Order, parcel: Parcel | None) -> str:
    if order.status == OrderStatus.SHIPPED:
        return _("已发出")
    if order.status != OrderStatus.PACKED or parcel is None:
        return _("当前为「%(status)s」，还没有打包") % {"status": order.get_status_display()}
    if not parcel.may_ship:
        return _("包裹还没有称重通过")
    return ""
