"""Waves: build them from 待拣货 orders, release them to a picker, reassign, cancel.

Building locks the warehouse row, so two supervisors building at once queue instead of putting
one order in two waves (the partial unique index on live ``WaveOrder`` rows is the backstop).
Releasing moves each order to 拣货中 through ``order_start_picking``; cancelling moves them back
through ``order_stop_picking``. The floor never changes an order's status any other way.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.models import Warehouse
from orders.models import Order, OrderLine, Priority
from orders.services import OrderActionRefused, order_start_picking, order_stop_picking
from orders.states import GiftKind, OrderStatus
from warehouse.carriers.proposal import PlannedParcel, planned_carriers
from warehouse.models import LIVE_WAVE_STATUSES, PickLine, Wave, WaveKind, WaveOrder, WaveStatus
from warehouse.selectors import floor_settings_for, may_work_in
from warehouse.services.common import check_access
from warehouse.services.errors import FloorRefused
from warehouse.services.wave_rows import insert_links, write_pick_lines


@dataclass
class _Candidate:
    pk: int
    carrier: str
    priority: int
    #: (sku_id, stock_level_id, quantity) per order line
    lines: list[tuple[int, int, int]]
    units: int = 0

    def __post_init__(self):
        self.units = sum(quantity for _sku, _level, quantity in self.lines)


def wave_build(
    *,
    warehouse: Warehouse | int,
    actor,
    max_orders: int | None = None,
    max_units: int | None = None,
    ship_by: datetime | None = None,
) -> list[Wave]:
    """Put the warehouse's 待拣货 orders that are in no live wave into new waves (status 待下发).

    Rules, in this order: only orders fully reserved in this warehouse and without an open
    exception; with ``ship_by``, only orders promised to ship by then (or with no promise);
    urgent (加急/特急) orders and orders bigger than ``max_units`` each get a wave of their own
    (按单拣货, one tote); the rest are grouped by carrier (one pickup cut-off per wave: the carrier
    the label will most likely name, ``carriers.proposal.planned_carriers``), one-line
    one-unit orders apart (单品单件) from the others (批量拣货 with slots), most urgent and
    earliest promised first, at most ``max_orders`` orders and ``max_units`` units a wave
    (defaults: the warehouse's floor settings). Each wave's pick list sums the units per SKU and
    bin, sorted by the bins' pick sequence. Returns the new waves (none when no order waits).
    """
    warehouse_id = warehouse.pk if isinstance(warehouse, Warehouse) else int(warehouse)
    check_access(actor, warehouse_id)
    settings = floor_settings_for(warehouse_id)
    max_orders = max_orders or settings.wave_max_orders
    max_units = max_units or settings.wave_max_units
    if max_orders <= 0 or max_units <= 0:
        raise FloorRefused(_("波次上限必须大于 0"), code="invalid_limits")
    with transaction.atomic():
        locked = Warehouse.objects.select_for_update().get(pk=warehouse_id)
        _drop_stale_links(warehouse_id)
        candidates = _candidates(warehouse_id, ship_by)
        groups = _group(candidates, max_orders=max_orders, max_units=max_units)
        if not groups:
            return []
        return _create_waves(locked, groups, actor)


def _drop_stale_links(warehouse_id: int) -> None:
    """An order taken out of picking by ops (held, then released back to 待拣货) still has its
    link to the wave it left; it may go into a new wave now."""
    stale = WaveOrder.objects.filter(
        active=True,
        wave__warehouse_id=warehouse_id,
        wave__status__in=[WaveStatus.RELEASED, WaveStatus.PICKING, WaveStatus.PICKED],
        order__status=OrderStatus.READY,
    )
    wave_ids = sorted(set(stale.values_list("wave_id", flat=True)))
    stale.update(active=False, left_reason=_("订单已离开拣货"))
    for wave_id in wave_ids:
        wave_refresh(wave_id)  # a wave left with nothing to pack is finished


def _candidates(warehouse_id: int, ship_by: datetime | None, *, stations: bool = False) -> list[_Candidate]:
    """The orders a wave may take; group-buy station orders only when ``stations`` (they go in
    waves of their own station, ``warehouse.services.stations``), never mixed with parcels."""
    orders = Order.objects.filter(
        warehouse_id=warehouse_id, status=OrderStatus.READY, exception_reason="", station__isnull=not stations
    ).exclude(pk__in=WaveOrder.objects.filter(active=True).values("order_id"))
    if ship_by is not None:
        orders = orders.filter(Q(promised_ship_at__lte=ship_by) | Q(promised_ship_at__isnull=True))
    rows = list(
        orders.order_by(F("priority").desc(), F("promised_ship_at").asc(nulls_last=True), "paid_at", "pk").values_list(
            "pk", "carrier", "priority", "province"
        )
    )
    if not rows:
        return []
    lines: dict[int, list[tuple[int, int, int]]] = {}
    weights: dict[int, int] = {}
    incomplete: set[int] = set()
    for order_id, sku_id, level_id, quantity, reserved, line_warehouse, unit_weight in (
        OrderLine.objects.filter(order__in=orders)
        .exclude(gift=GiftKind.NOT_SHIPPED)  # a gift the shop does not ship is not picked
        .values_list(
            "order_id", "sku_id", "stock_level_id", "quantity", "reserved_quantity", "warehouse_id", "sku__unit_weight_g"
        )
    ):
        if sku_id is None or level_id is None or reserved != quantity or line_warehouse != warehouse_id:
            incomplete.add(order_id)
        else:
            lines.setdefault(order_id, []).append((sku_id, level_id, quantity))
            weights[order_id] = weights.get(order_id, 0) + (unit_weight or 0) * quantity
    waiting = [row for row in rows if row[0] in lines and row[0] not in incomplete]
    planned = {} if stations else planned_carriers(
        warehouse_id=warehouse_id,
        parcels=[PlannedParcel(pk, province, priority, weights[pk]) for pk, carrier, priority, province in waiting if not carrier],
    )
    return [
        _Candidate(pk=pk, carrier=carrier or planned.get(pk, ""), priority=priority, lines=lines[pk])
        for pk, carrier, priority, _province in waiting
    ]


def _group(candidates: list[_Candidate], *, max_orders: int, max_units: int) -> list[tuple[str, str, list[_Candidate]]]:
    """(kind, carrier, orders) per wave, in the order the waves should be worked."""
    waves: list[tuple[str, str, list[_Candidate]]] = []
    open_groups: dict[tuple[str, str], tuple[list[_Candidate], list[int]]] = {}
    for candidate in candidates:
        if candidate.priority >= Priority.HIGH or candidate.units > max_units:
            waves.append((WaveKind.ORDER, candidate.carrier, [candidate]))
            continue
        single = len(candidate.lines) == 1 and candidate.units == 1
        key = (WaveKind.SINGLE_UNIT if single else WaveKind.BATCH, candidate.carrier)
        group, units = open_groups.get(key, (None, [0]))
        if group is None or len(group) >= max_orders or units[0] + candidate.units > max_units:
            group, units = [], [0]
            open_groups[key] = (group, units)
            waves.append((key[0], key[1], group))
        group.append(candidate)
        units[0] += candidate.units
    return waves


def _next_numbers(warehouse: Warehouse, count: int) -> list[str]:
    """``W20261122-HZ-0007``: per warehouse and local day, under the warehouse lock."""
    prefix = f"W{timezone.localdate():%Y%m%d}-{warehouse.code}-"
    last = (
        Wave.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    )
    start = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return [f"{prefix}{n:04d}" for n in range(start, start + count)]


def _create_waves(warehouse: Warehouse, groups, actor) -> list[Wave]:
    numbers = _next_numbers(warehouse, len(groups))
    waves = [
        Wave(
            number=number,
            warehouse=warehouse,
            kind=kind,
            carrier=carrier,
            order_count=len(members),
            unit_count=sum(member.units for member in members),
            created_by=actor,
        )
        for number, (kind, carrier, members) in zip(numbers, groups, strict=True)
    ]
    Wave.objects.bulk_create(waves)
    insert_links(
        (wave.pk, member.pk, slot)
        for wave, (_kind, _carrier, members) in zip(waves, groups, strict=True)
        for slot, member in enumerate(members, start=1)
    )
    write_pick_lines([wave.pk for wave in waves])
    return waves


def _check_assignee(assignee, warehouse_id: int) -> None:
    if assignee is not None and not may_work_in(assignee, warehouse_id):
        raise FloorRefused(
            _("%(user)s 不在该仓库作业，不能领取该波次") % {"user": assignee.get_username()}, code="not_a_member"
        )


def _lock_wave(wave: Wave | int, *, with_orders: bool = False) -> Wave:
    """The wave row, locked. ``with_orders`` first locks its orders (pk order): the scan services
    lock orders before the wave, so taking them in the same order here cannot deadlock."""
    pk = wave.pk if isinstance(wave, Wave) else int(wave)
    if with_orders:
        ids = WaveOrder.objects.filter(wave_id=pk, active=True).values("order_id")
        list(Order.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    return Wave.objects.select_for_update().get(pk=pk)


def wave_release(*, wave: Wave | int, actor, assignee=None) -> Wave:
    """Hand an open wave to the floor (to ``assignee``, or to whoever takes it first): each order
    goes to 拣货中 through ``order_start_picking``. An order that moved on meanwhile (cancelled,
    held) is taken out of the wave and the pick list is recomputed from the rest; a wave left
    with no order is cancelled. Locks the wave row, then each order row in pk order."""
    with transaction.atomic():
        locked = _lock_wave(wave, with_orders=True)
        check_access(actor, locked.warehouse_id)
        _check_assignee(assignee, locked.warehouse_id)
        if locked.status != WaveStatus.OPEN:
            raise FloorRefused(
                _("波次 %(number)s 当前为「%(status)s」，不能下发")
                % {"number": locked.number, "status": locked.get_status_display()},
                code="wave_not_open",
            )
        links = list(locked.wave_orders.filter(active=True).order_by("order_id"))
        dropped = []
        for link in links:
            try:
                order_start_picking(
                    order=link.order_id, actor=actor, expected_status=OrderStatus.READY,
                    note=_("波次 %(number)s") % {"number": locked.number},
                )
            except OrderActionRefused as exc:
                link.active, link.left_reason = False, exc.message[:200]
                dropped.append(link)
        now = timezone.now()
        if dropped:
            WaveOrder.objects.bulk_update(dropped, ["active", "left_reason"])
            _rebuild_pick_list(locked)
        if len(dropped) == len(links):
            locked.status, locked.finished_at = WaveStatus.CANCELLED, now
            locked.save(update_fields=["status", "finished_at", "order_count", "unit_count"])
            return locked
        locked.status, locked.assignee, locked.released_at = WaveStatus.RELEASED, assignee, now
        locked.save(update_fields=["status", "assignee", "released_at", "order_count", "unit_count"])
    return locked


def _rebuild_pick_list(wave: Wave) -> None:
    """The pick list of the orders still in an unreleased wave."""
    PickLine.objects.filter(wave=wave).delete()
    write_pick_lines([wave.pk])
    order_ids = list(wave.wave_orders.filter(active=True).values_list("order_id", flat=True))
    wave.order_count = len(order_ids)
    wave.unit_count = (
        OrderLine.objects.filter(order_id__in=order_ids)
        .exclude(gift=GiftKind.NOT_SHIPPED)
        .aggregate(n=Sum("quantity"))["n"]
        or 0
    )


def wave_reassign(*, wave: Wave | int, assignee, actor) -> Wave:
    """Give a live wave to another picker of its warehouse (or to nobody: ``assignee=None``)."""
    with transaction.atomic():
        locked = _lock_wave(wave)
        check_access(actor, locked.warehouse_id)
        _check_assignee(assignee, locked.warehouse_id)
        if locked.status not in LIVE_WAVE_STATUSES:
            raise FloorRefused(
                _("波次 %(number)s 已%(status)s，不能改派")
                % {"number": locked.number, "status": locked.get_status_display()},
                code="wave_closed",
            )
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
    return locked


def wave_cancel(*, wave: Wave | int, actor, note: str = "") -> Wave:
    """Cancel a live wave: its orders still in 拣货中 go back to 待拣货 (``order_stop_picking``),
    ready for the next wave; orders already packed stay packed. Picked goods go back to their bins.
    Locks the wave row, then each order row in pk order."""
    with transaction.atomic():
        locked = _lock_wave(wave, with_orders=True)
        check_access(actor, locked.warehouse_id)
        if locked.status not in LIVE_WAVE_STATUSES:
            raise FloorRefused(
                _("波次 %(number)s 已%(status)s，不能取消")
                % {"number": locked.number, "status": locked.get_status_display()},
                code="wave_closed",
            )
        reason = note.strip()[:200] or _("波次取消")
        if locked.status != WaveStatus.OPEN:
            picking = locked.wave_orders.filter(active=True, order__status=OrderStatus.PICKING).order_by("order_id")
            for order_id in picking.values_list("order_id", flat=True):
                try:
                    order_stop_picking(
                        order=order_id, actor=actor, expected_status=OrderStatus.PICKING,
                        note=_("波次 %(number)s 取消") % {"number": locked.number},
                    )
                except OrderActionRefused:
                    continue  # moved on meanwhile (cancelled by ops): nothing to give back
        locked.wave_orders.filter(active=True).update(active=False, left_reason=reason)
        locked.status, locked.finished_at = WaveStatus.CANCELLED, timezone.now()
        locked.save(update_fields=["status", "finished_at"])
    return locked


def wave_refresh(wave_id: int) -> None:
    """Close a running wave once none of its orders is still in picking (inside the caller's
    transaction, after a pack or a short pick): status 已完成 and its links released."""
    wave = Wave.objects.select_for_update().get(pk=wave_id)
    if wave.status not in (WaveStatus.RELEASED, WaveStatus.PICKING, WaveStatus.PICKED):
        return
    if wave.wave_orders.filter(active=True, order__status=OrderStatus.PICKING).exists():
        return
    wave.wave_orders.filter(active=True).update(active=False, left_reason=_("波次完成"))
    wave.status, wave.finished_at = WaveStatus.DONE, timezone.now()
    wave.save(update_fields=["status", "finished_at"])
