"""Reads the phone pages need beyond ``warehouse.selectors``: what waits at each step for one
person (我的任务 counts), and what a scanned code at the pack station names. Everything is
limited to the user's own warehouses. Nothing here writes."""

import re
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from orders.models import Order, OrderLine
from orders.states import OrderStatus
from warehouse.models import FloorStep, Parcel, ScanRecord, Wave, WaveKind, WaveOrder, WaveStatus
from warehouse.selectors import tasks_for, warehouses_for

#: How many rows a phone list shows; the rest is counted, not listed.
LIST_LIMIT = 20
#: The pack page's path inside an execution sheet's QR (W2 prints ``…/floor/pack/<number>/``).
_PACK_URL = re.compile(r"/floor/pack/([A-Za-z0-9_-]{1,32})/?(?:[?#].*)?$")
#: A tote or put-wall slot label: ``<wave number>-<slot>``, e.g. ``W20261122-HZ-0007-3``.
_TOTE = re.compile(r"^(W[A-Za-z0-9-]+)-(\d{1,4})$")


@dataclass(frozen=True)
class TaskCounts:
    pick: int
    sort: int
    pack: int
    weigh: int
    ship: int


def _with_progress(waves):
    return waves.annotate(
        lines_total=Count("lines", distinct=True),
        lines_done=Count("lines", filter=Q(lines__done_at__isnull=False), distinct=True),
    )


def waves_to_pick(user):
    """Released or running waves with lines still to pick, mine or unassigned, oldest first."""
    return _with_progress(tasks_for(user).filter(status__in=[WaveStatus.RELEASED, WaveStatus.PICKING]))


def waves_to_sort(user):
    """Picked batch and 单品单件 waves whose orders still wait at the put wall or pack station."""
    return _with_progress(
        tasks_for(user)
        .filter(status=WaveStatus.PICKED, kind__in=[WaveKind.BATCH, WaveKind.SINGLE_UNIT])
        .filter(wave_orders__active=True, wave_orders__order__status=OrderStatus.PICKING)
        .distinct()
    )


def orders_to_pack(user):
    """Orders in picking whose wave is fully picked (so every unit is in a tote), by wave and slot."""
    return (
        WaveOrder.objects.filter(
            active=True,
            order__status=OrderStatus.PICKING,
            wave__status=WaveStatus.PICKED,
            wave__warehouse__in=warehouses_for(user),
        )
        .select_related("order", "wave")
        .order_by("wave_id", "slot")
    )


def _packed(user):
    return Parcel.objects.filter(order__status=OrderStatus.PACKED, order__warehouse__in=warehouses_for(user))


#: Cleared by the scale, or let through by a supervisor.
_CLEARED = Q(weight_ok=True) | Q(override_at__isnull=False)


def parcels_to_weigh(user):
    """Packed parcels waiting at the scale: not yet weighed within tolerance nor let through by a
    supervisor, or cleared but still without a label (the carrier refused it: retry there)."""
    return (
        _packed(user)
        .filter(~_CLEARED | Q(waybill=""))
        .select_related("order", "box")
        .order_by("packed_at", "id")
    )


def parcels_to_ship(user):
    """Packed parcels cleared by the scale (or a supervisor) with their label, waiting for the
    dock scan."""
    return (
        _packed(user)
        .filter(_CLEARED)
        .exclude(waybill="")
        .select_related("order", "box")
        .order_by("weighed_at", "id")
    )


def task_counts(user) -> TaskCounts:
    return TaskCounts(
        pick=waves_to_pick(user).count(),
        sort=waves_to_sort(user).count(),
        pack=orders_to_pack(user).count(),
        weigh=parcels_to_weigh(user).count(),
        ship=parcels_to_ship(user).count(),
    )


def order_number_in(code: str) -> str:
    """The order number a pack-station scan names: the execution sheet's QR (a URL ending in
    ``/floor/pack/<number>/``) or the number itself."""
    code = (code or "").strip()
    found = _PACK_URL.search(code)
    return found.group(1) if found else code


def order_for_pack_scan(user, code: str) -> Order | None:
    """The order a scan at the pack station opens, in the user's warehouses: by execution-sheet
    QR, order number, or tote/slot label (``<wave number>-<slot>``)."""
    number = order_number_in(code)
    order = Order.objects.filter(number=number, warehouse__in=warehouses_for(user)).first() if number else None
    if order is not None:
        return order
    tote = _TOTE.match((code or "").strip())
    if tote is None:
        return None
    link = (
        WaveOrder.objects.filter(
            wave__number=tote.group(1), slot=int(tote.group(2)), active=True, wave__warehouse__in=warehouses_for(user)
        )
        .select_related("order")
        .first()
    )
    return link.order if link else None


def slot_of(order: Order) -> WaveOrder | None:
    """The order's live wave link (wave and slot), if it is in a wave."""
    return WaveOrder.objects.filter(order=order, active=True).select_related("wave").first()


@dataclass(frozen=True)
class SlotProgress:
    """One order at the put wall: its slot and how many of its units have been sorted into it."""

    slot: int
    order: Order
    sorted: int
    needed: int

    @property
    def complete(self) -> bool:
        return self.sorted >= self.needed


def sort_progress(wave: Wave) -> list[SlotProgress]:
    """The wave's live orders by slot, with sorted and needed units."""
    links = list(WaveOrder.objects.filter(wave=wave, active=True).select_related("order").order_by("slot"))
    ids = [link.order_id for link in links]
    needed = dict(
        OrderLine.objects.filter(order_id__in=ids, sku__isnull=False)
        .values("order_id")
        .annotate(n=Sum("quantity"))
        .values_list("order_id", "n")
    )
    done = dict(
        ScanRecord.objects.filter(wave=wave, step=FloorStep.SORT, ok=True, order_id__in=ids)
        .values("order_id")
        .annotate(n=Sum("quantity"))
        .values_list("order_id", "n")
    )
    return [
        SlotProgress(slot=link.slot, order=link.order, sorted=done.get(link.order_id, 0), needed=needed.get(link.order_id, 0))
        for link in links
    ]
