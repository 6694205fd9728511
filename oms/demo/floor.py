"""The warehouse floor in the demo: standard boxes, a pretend floor worker, waves for the
``picker`` login, and the robot that works waves through the same floor services as a person.

The robot (user ``floor_demo``, 演示仓库) builds waves, releases them to itself and picks, sorts,
packs, weighs and ships them one step per round, scanning barcodes like a person (now and then
a wrong one, which is refused and recorded). Its labels come from the same place as a person's:
the weigh issues the waybill through the carrier services (the sandbox adapter's numbers), and
the dock scan ships with that waybill. In warehouses where people work (a ``FloorMember`` other
than the robot) it always leaves released waves for them.
"""

import contextlib
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Sum

from inventory.models import Sku, Warehouse
from oms.roles import SUPERVISOR
from orders.models import Order
from orders.states import OrderStatus
from warehouse.models import Box, FloorMember, Parcel, StationWave, Wave, WaveKind, WaveStatus
from warehouse.services import (
    FloorRefused,
    pack_close,
    pack_scan,
    parcel_label,
    parcel_ship,
    parcel_weigh,
    parcel_weigh_override,
    pick_scan,
    sort_scan,
    station_wave_dispatch,
    station_waves_build,
    wave_build,
    wave_release,
)

ROBOT_USERNAME = "floor_demo"
PICKER_USERNAME = "picker"
PICKER_WAREHOUSE = "HZ"
#: 邮政纸箱 outer sizes (mm) and a plausible tare (g); plus a mailer bag.
BOXES = (
    ("1号", 530, 290, 370, 520), ("2号", 530, 230, 290, 420), ("3号", 430, 210, 270, 330),
    ("4号", 350, 190, 230, 240), ("5号", 290, 170, 190, 170), ("6号", 260, 150, 180, 140),
    ("7号", 230, 130, 160, 110), ("8号", 210, 110, 140, 85), ("9号", 195, 105, 135, 75),
    ("10号", 175, 95, 115, 60), ("11号", 145, 85, 105, 45), ("12号", 130, 80, 90, 35),
)
#: Waves the demo builds: small enough for one person to walk in a few minutes.
WAVE_LIMITS = {"max_orders": 8, "max_units": 30}
#: Released waves left for people in a warehouse where people work.
LEFT_FOR_PEOPLE = 2


def ensure_boxes() -> None:
    if Box.objects.exists():
        return
    Box.objects.bulk_create(
        [Box(code=code, length_mm=length, width_mm=width, height_mm=height, tare_g=tare, position=i)
         for i, (code, length, width, height, tare) in enumerate(BOXES, start=1)]
        + [Box(code="快递袋", name="快递袋（软包）", tare_g=15, position=len(BOXES) + 1)]
    )


def robot_user():
    """The pretend floor worker: a supervisor (works in every warehouse, may let a parcel through)
    without a password, so nobody logs in as it."""
    user, created = get_user_model().objects.get_or_create(
        username=ROBOT_USERNAME, defaults={"first_name": "演示仓库", "is_staff": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    group = Group.objects.filter(name=SUPERVISOR).first()
    if group is not None:
        user.groups.add(group)
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def link_picker(user) -> None:
    """The ``picker`` demo login works in 杭州仓."""
    warehouse = Warehouse.objects.filter(code=PICKER_WAREHOUSE).first()
    if warehouse is not None:
        FloorMember.objects.get_or_create(user=user, warehouse=warehouse)


def _people_work_in(warehouse_id: int) -> bool:
    return FloorMember.objects.filter(warehouse_id=warehouse_id).exclude(user__username=ROBOT_USERNAME).exists()


def seed_floor() -> int:
    """Boxes, and waves of the seeded 待拣货 orders; in 杭州仓 a few released for people to pick.
    Returns how many waves were built."""
    ensure_boxes()
    robot = robot_user()
    picker = get_user_model().objects.filter(username=PICKER_USERNAME).first()
    if picker is not None:
        link_picker(picker)
    built = 0
    for warehouse in Warehouse.objects.filter(active=True).order_by("pk"):
        limits = dict(WAVE_LIMITS)
        if warehouse.code == PICKER_WAREHOUSE:
            # However few orders the day's seed leaves waiting here (it depends on the hour), two
            # of them make two waves: one released for the picker, one left 待拣货 to show.
            waiting = Order.objects.filter(warehouse=warehouse, status=OrderStatus.READY).count()
            limits["max_orders"] = min(limits["max_orders"], max(1, waiting // 2))
        waves = wave_build(warehouse=warehouse, actor=robot, **limits)
        built += len(waves)
        if warehouse.code == PICKER_WAREHOUSE:
            # Released waves are 拣货中; keep at least one wave of 待拣货 orders to show.
            for wave in waves[: min(LEFT_FOR_PEOPLE, len(waves) - 1)]:
                wave_release(wave=wave, actor=robot)
    return built


class FloorRobot:
    """One ``round`` moves each of the robot's waves (and their parcels) one step along."""

    def __init__(self, *, rng: random.Random, write=print, per_round: int = 5):
        self.rng, self.write, self.per_round = rng, write, per_round
        self.robot = robot_user()
        ensure_boxes()
        self.boxes = list(Box.objects.filter(active=True).exclude(length_mm=0).order_by("-position"))

    def round(self) -> None:
        for step in (self.dispatch, self.ship, self.weigh, self.pack, self.release, self.pick):
            try:
                step()
            except FloorRefused as exc:
                self.write(f"{step.__name__}: {exc.message}")

    # -- latest step first, so a wave moves about one step per round (released and picked in one) --
    def ship(self) -> None:
        parcels = Parcel.objects.filter(
            order__status=OrderStatus.PACKED, packed_by=self.robot, weighed_at__isnull=False,
            order__station__isnull=True,  # group-buy orders leave on their station's run
        ).select_related("order")[: self.per_round]
        for parcel in parcels:
            if not parcel.may_ship:
                continue
            try:
                if not parcel.waybill:  # the label was refused at the scale: try again, as a person would
                    parcel = parcel_label(order=parcel.order_id, actor=self.robot)
                parcel_ship(order=parcel.order, waybill=parcel.waybill, actor=self.robot)
            except FloorRefused as exc:
                self.write(f"{parcel.order.number}: {exc.message}")
                continue
            self.write(f"{parcel.order.number}: {parcel.carrier} {parcel.waybill}")

    def dispatch(self) -> None:
        """A station wave the robot packed and weighed in full goes on its delivery run."""
        runs = StationWave.objects.filter(
            dispatched_at=None, wave__assignee=self.robot, wave__status=WaveStatus.DONE
        ).select_related("wave", "station")
        for run in runs[: self.per_round]:
            waiting = Parcel.objects.filter(order__wave_links__wave=run.wave_id, order__status=OrderStatus.PACKED)
            if not waiting.exists() or waiting.filter(weighed_at=None).exists():
                continue
            result = station_wave_dispatch(station_wave=run, actor=self.robot)
            self.write(f"{run.wave.number}: 发往 {run.station.name} {len(result.shipped)} 单")

    def weigh(self) -> None:
        parcels = Parcel.objects.filter(order__status=OrderStatus.PACKED, packed_by=self.robot, weighed_at=None)
        for parcel in parcels[: self.per_round]:
            expected = parcel.expected_weight_g
            weight = max(1, round((expected or 500) * self.rng.uniform(0.98, 1.02)))
            try:
                parcel_weigh(order=parcel.order_id, weight_g=weight, actor=self.robot)
            except FloorRefused:
                parcel_weigh_override(order=parcel.order_id, reason="演示：已开箱核对", supervisor=self.robot)

    def pack(self) -> None:
        for wave in self._waves(WaveStatus.PICKED):
            orders = Order.objects.filter(wave_links__wave=wave, wave_links__active=True, status=OrderStatus.PICKING)
            for order in orders.order_by("wave_links__slot"):
                self._pack_order(wave, order)

    def _pack_order(self, wave: Wave, order: Order) -> None:
        lines = list(order.lines.select_related("sku"))
        if any(line.reserved_quantity < line.quantity for line in lines):
            return  # short-picked: left for ops
        for line in lines:
            for _ in range(line.quantity):
                if wave.kind == WaveKind.SINGLE_UNIT:
                    sort_scan(wave=wave, code=line.sku.barcode or line.sku.code, actor=self.robot)
                else:
                    pack_scan(order=order, code=line.sku.barcode or line.sku.code, actor=self.robot)
        units = sum(line.quantity for line in lines)
        box = self.boxes[min(len(self.boxes) - 1, units // 2)] if self.boxes else Box.objects.first()
        pack_close(order=order, box=box, actor=self.robot)

    def pick(self) -> None:
        for wave in self._waves(WaveStatus.RELEASED, WaveStatus.PICKING):
            for line in wave.lines.filter(done_at=None).select_related("sku").order_by("sequence"):
                if self.rng.random() < 0.03:
                    self._wrong_scan(line)
                code = line.sku.barcode or line.sku.code
                for _ in range(line.remaining):
                    try:
                        pick_scan(line=line, code=code, actor=self.robot)
                    except FloorRefused as exc:  # an order of the wave was cancelled meanwhile
                        self.write(f"{wave.number} {line.sku.code}: {exc.message}")
                        break

    def _wrong_scan(self, line) -> None:
        other = Sku.objects.exclude(pk=line.sku_id).exclude(barcode="").order_by("?").first()
        if other is not None:
            with contextlib.suppress(FloorRefused):  # refused and recorded, as it should be
                pick_scan(line=line, code=other.barcode, actor=self.robot)

    def release(self) -> None:
        for warehouse in Warehouse.objects.filter(active=True).order_by("pk"):
            with transaction.atomic():
                waiting = list(Wave.objects.filter(warehouse=warehouse, status=WaveStatus.OPEN).order_by("pk"))
                if not waiting:
                    waiting = wave_build(warehouse=warehouse, actor=self.robot, **WAVE_LIMITS)
                    waiting += station_waves_build(warehouse=warehouse, actor=self.robot)
            if not waiting:
                continue
            # The robot keeps one wave of its own going (so the demo always ships), then tops up
            # the released waves nobody has taken yet for the people of this warehouse.
            if not self._waves(WaveStatus.RELEASED, WaveStatus.PICKING, warehouse=warehouse):
                wave = wave_release(wave=waiting.pop(0), actor=self.robot, assignee=self.robot)
                self.write(f"{wave.number}: {wave.order_count} 单 / {wave.unit_count} 件")
            if _people_work_in(warehouse.pk):
                for_people = Wave.objects.filter(
                    warehouse=warehouse, status=WaveStatus.RELEASED, assignee__isnull=True
                ).count()
                while for_people < LEFT_FOR_PEOPLE and waiting:
                    wave_release(wave=waiting.pop(0), actor=self.robot)
                    for_people += 1

    def _waves(self, *statuses, warehouse=None) -> list[Wave]:
        waves = Wave.objects.filter(assignee=self.robot, status__in=statuses)
        if warehouse is not None:
            waves = waves.filter(warehouse=warehouse)
        return list(waves.order_by("pk")[: self.per_round])


def units_waiting_for_people() -> int:
    """Units in released waves nobody has taken yet (for the demo's summary line)."""
    return (
        Wave.objects.filter(status=WaveStatus.RELEASED, assignee__isnull=True).aggregate(n=Sum("unit_count"))["n"] or 0
    )
