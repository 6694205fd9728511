"""Read helpers for the floor: who works where, tasks, pick lists, progress. Nothing here writes."""

import functools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q, QuerySet, Sum

from inventory.models import Sku, Warehouse
from orders.models import Order, OrderLine
from warehouse.models import (
    FloorMember,
    FloorPhoto,
    FloorSettings,
    FloorStep,
    Parcel,
    PickLine,
    ScanRecord,
    Shipment,
    ShipmentStatus,
    Wave,
    WaveStatus,
)

#: Waves a picker has work in.
TASK_STATUSES = [WaveStatus.RELEASED, WaveStatus.PICKING, WaveStatus.PICKED]


#: Supervisors hold it: they act in every warehouse.
ALL_WAREHOUSES = ("warehouse", "all_warehouses")
#: Stands for "every warehouse" in ``floor_access``'s one query (no warehouse has this id).
_EVERYWHERE = 0


@dataclass(frozen=True)
class FloorAccess:
    """The warehouses one user works in: all of them, or those of their ``FloorMember`` links."""

    everywhere: bool
    warehouse_ids: frozenset[int]

    def allows(self, warehouse_id: int | None) -> bool:
        return warehouse_id is not None and (self.everywhere or warehouse_id in self.warehouse_ids)


NO_ACCESS = FloorAccess(everywhere=False, warehouse_ids=frozenset())


@functools.cache
def _access_sql() -> str:
    """One statement: the user's FloorMember warehouses, and a 0 row if they hold
    ``warehouse.all_warehouses`` directly or through a group. Written out because every floor
    request asks it, and building it with the ORM (a union of three joined queries) cost more
    CPU than running it."""
    user_perms = get_user_model().user_permissions.through._meta.db_table
    user_groups = get_user_model().groups.through._meta.db_table
    group_perms = Group.permissions.through._meta.db_table
    return (
        f"SELECT warehouse_id FROM {FloorMember._meta.db_table} WHERE user_id = %s "  # noqa: S608 - table names only
        f"UNION ALL SELECT {_EVERYWHERE} FROM {Permission._meta.db_table} p "
        f"JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id "
        "WHERE ct.app_label = %s AND p.codename = %s AND ("
        f"p.id IN (SELECT permission_id FROM {user_perms} WHERE user_id = %s) OR "
        f"p.id IN (SELECT gp.permission_id FROM {group_perms} gp JOIN {user_groups} ug ON ug.group_id = gp.group_id "
        "WHERE ug.user_id = %s))"
    )


def floor_access(user) -> FloorAccess:
    """Where ``user`` may see and act on the floor, in one query (none for a superuser), kept on
    the user object for the rest of the request, as Django keeps its permission cache: a view and
    the service it calls ask once. Superusers and holders of ``warehouse.all_warehouses``
    (supervisors) work everywhere; an anonymous or inactive user nowhere."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_floor_access", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        access = FloorAccess(everywhere=True, warehouse_ids=frozenset())
    else:
        with connection.cursor() as cursor:
            cursor.execute(_access_sql(), [user.pk, *ALL_WAREHOUSES, user.pk, user.pk])
            ids = {row[0] for row in cursor.fetchall()}
        access = FloorAccess(everywhere=_EVERYWHERE in ids, warehouse_ids=frozenset(ids - {_EVERYWHERE}))
    user._floor_access = access
    return access


def works_everywhere(user) -> bool:
    """Superusers and holders of ``warehouse.all_warehouses`` (supervisors) act in every warehouse."""
    return floor_access(user).everywhere


def warehouses_for(user) -> QuerySet[Warehouse]:
    """The warehouses ``user`` may see and act in: their ``FloorMember`` links (every warehouse
    for supervisors and superusers; none for an anonymous or inactive user)."""
    access = floor_access(user)
    if access.everywhere:
        return Warehouse.objects.all()
    return Warehouse.objects.filter(pk__in=access.warehouse_ids)


def warehouses_shown_in_admin(user) -> QuerySet[Warehouse]:
    """Admin lists (read-only): floor staff see their own warehouses; office staff with no floor
    link (ops) see every warehouse. Acting still needs ``may_work_in``."""
    access = floor_access(user)
    if access.everywhere or not access.warehouse_ids:
        return Warehouse.objects.all()
    return warehouses_for(user)


def may_work_in(user, warehouse_id: int | None) -> bool:
    return floor_access(user).allows(warehouse_id)


def in_my_warehouses(queryset: QuerySet, user, field: str = "warehouse_id") -> QuerySet:
    """``queryset`` limited to rows whose ``field`` is one of the user's warehouses."""
    access = floor_access(user)
    return queryset if access.everywhere else queryset.filter(**{f"{field}__in": access.warehouse_ids})


def floor_settings_for(warehouse_id: int) -> FloorSettings:
    """The warehouse's settings row, or an unsaved one with the defaults."""
    found = FloorSettings.objects.filter(warehouse_id=warehouse_id).first()
    return found or FloorSettings(warehouse_id=warehouse_id)


def tasks_for(user) -> QuerySet[Wave]:
    """我的任务: released or running waves in the user's warehouses, assigned to them or to nobody,
    most urgent first."""
    return (
        Wave.objects.filter(warehouse__in=warehouses_for(user), status__in=TASK_STATUSES)
        .filter(Q(assignee=user) | Q(assignee__isnull=True))
        .select_related("warehouse", "assignee")
        .order_by("released_at", "id")
    )


def wave_for(user, pk: int) -> Wave | None:
    """The wave if ``user`` may see it (their warehouse), else None (as if it did not exist)."""
    return in_my_warehouses(Wave.objects.filter(pk=pk), user).select_related("warehouse").first()


def pick_list(wave: Wave) -> list[PickLine]:
    """The wave's lines in walking order, with SKU and bin."""
    return list(wave.lines.select_related("sku", "bin").order_by("sequence"))


def order_for(user, number: str) -> Order | None:
    """The order with this internal number, if it is in one of the user's warehouses."""
    number = (number or "").strip()
    if not number:
        return None
    return Order.objects.filter(number=number, warehouse__in=warehouses_for(user)).select_related("warehouse").first()


def parcel_by_waybill(user, waybill: str) -> Parcel | None:
    """The parcel a scanned label belongs to, if it is in one of the user's warehouses."""
    waybill = (waybill or "").strip()
    if not waybill:
        return None
    return (
        Parcel.objects.filter(waybill=waybill, order__warehouse__in=warehouses_for(user))
        .select_related("order", "box")
        .first()
    )


@dataclass(frozen=True)
class PackLine:
    sku: Sku
    needed: int
    scanned: int

    @property
    def done(self) -> bool:
        return self.scanned >= self.needed


@dataclass(frozen=True)
class PackProgress:
    """What a pack station sees for one order: each SKU, how many are needed and scanned."""

    order: Order
    lines: list[PackLine]

    @property
    def complete(self) -> bool:
        return all(line.done for line in self.lines)

    @property
    def scanned(self) -> int:
        return sum(min(line.scanned, line.needed) for line in self.lines)

    @property
    def needed(self) -> int:
        return sum(line.needed for line in self.lines)


def pack_progress(order: Order) -> PackProgress:
    needed: dict[int, int] = {}
    for sku_id, quantity in OrderLine.objects.filter(order=order, sku__isnull=False).values_list("sku_id", "quantity"):
        needed[sku_id] = needed.get(sku_id, 0) + quantity
    scanned = dict(
        ScanRecord.objects.filter(order=order, step=FloorStep.PACK, ok=True, sku__isnull=False)
        .values("sku")
        .annotate(n=Sum("quantity"))
        .values_list("sku", "n")
    )
    skus = Sku.objects.in_bulk(list(needed))
    lines = [PackLine(sku=skus[pk], needed=qty, scanned=scanned.get(pk, 0)) for pk, qty in needed.items()]
    lines.sort(key=lambda line: line.sku.code)
    return PackProgress(order=order, lines=lines)


@dataclass(frozen=True)
class TimelineEntry:
    """One floor step on an order's page: who, when, what, and whether it was accepted."""

    at: object
    step: str
    actor: object
    ok: bool
    text: str
    code: str = ""
    photo: object = None


def order_timeline(order: Order) -> tuple[list[TimelineEntry], Parcel | None]:
    """Every scan, short pick and photo for the order (and its waves' pick lines for its SKUs),
    oldest first, with the parcel (box, weights, carrier, waybill)."""
    wave_ids = list(order.wave_links.values_list("wave_id", flat=True))
    sku_ids = list(order.lines.exclude(sku=None).values_list("sku_id", flat=True))
    scans = (
        ScanRecord.objects.filter(Q(order=order) | Q(wave_id__in=wave_ids, line__sku_id__in=sku_ids, order=None))
        .select_related("actor", "sku", "wave")
        .order_by("at", "id")
    )
    entries = [
        TimelineEntry(at=s.at, step=s.get_step_display(), actor=s.actor, ok=s.ok, code=s.code, text=_scan_text(s))
        for s in scans
    ]
    photos = FloorPhoto.objects.filter(Q(order=order) | Q(wave_id__in=wave_ids, order=None)).select_related("actor")
    entries += [
        TimelineEntry(at=p.at, step=p.get_step_display(), actor=p.actor, ok=True, text="", photo=p) for p in photos
    ]
    entries.sort(key=lambda e: e.at)
    parcel = Parcel.objects.filter(order=order).select_related("box", "override_by").first()
    return entries, parcel


def _scan_text(scan: ScanRecord) -> str:
    parts = []
    if scan.wave_id:
        parts.append(scan.wave.number)
    if scan.sku_id:
        parts.append(f"{scan.sku.code} {scan.sku.name}")
    if scan.quantity and scan.quantity != 1:
        parts.append(f"× {scan.quantity}")
    if scan.message:
        parts.append(scan.message)
    elif scan.data.get("slot"):
        parts.append(f"#{scan.data['slot']}")
    return " · ".join(parts)


@dataclass(frozen=True)
class PickWalk:
    """Where a picker is in a wave: its lines in walking order; the line to pick now is the first
    not done (None when all are), with the progress the page shows (第 3/12 行, 已拣 7/20 件).
    The one place that rule is written."""

    wave: Wave
    lines: tuple[PickLine, ...]

    @property
    def line(self) -> PickLine | None:
        return next((line for line in self.lines if line.done_at is None), None)

    @property
    def lines_done(self) -> int:
        return sum(1 for line in self.lines if line.done_at is not None)

    @property
    def lines_total(self) -> int:
        return len(self.lines)

    @property
    def units_picked(self) -> int:
        return sum(line.picked for line in self.lines)

    @property
    def units_total(self) -> int:
        return sum(line.quantity for line in self.lines)

    def after(self, scanned: PickLine) -> "PickWalk":
        """The walk with one line as a scan left it (no need to read the wave again)."""
        return PickWalk(wave=self.wave, lines=tuple(scanned if ln.pk == scanned.pk else ln for ln in self.lines))


def labels_issued(wave: Wave) -> int:
    """How many of the wave's orders have their waybill issued (their labels can be printed)."""
    return Shipment.objects.filter(
        order__wave_links__wave=wave, order__wave_links__active=True, status=ShipmentStatus.ISSUED
    ).count()


def pick_walk_for(user, pk: int) -> PickWalk | None:
    """The walk of wave ``pk`` if ``user`` may see it (their warehouse), else None (as if it did
    not exist): its lines with SKU, bin and the wave in one query (the scan's hot path)."""
    lines = list(
        in_my_warehouses(PickLine.objects.filter(wave_id=pk), user, "wave__warehouse_id")
        .select_related("sku", "bin", "wave")
        .order_by("sequence")
    )
    if not lines:  # not theirs, or a wave whose every line is gone
        wave = wave_for(user, pk)
        return None if wave is None else PickWalk(wave=wave, lines=())
    for line in lines[1:]:
        line.wave = lines[0].wave
    return PickWalk(wave=lines[0].wave, lines=tuple(lines))


def pick_walk(wave: Wave) -> PickWalk:
    """The wave's pick walk, its lines with SKU, bin and this wave, in one query."""
    lines = pick_list(wave)
    for line in lines:
        line.wave = wave
    return PickWalk(wave=wave, lines=tuple(lines))
