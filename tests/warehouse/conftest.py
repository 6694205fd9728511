"""A small warehouse floor: Hangzhou with bins along a walk, SKUs with barcodes and weights,
pickers of two warehouses, a supervisor, boxes, and orders made ready through the services."""

import pytest
from django.contrib.auth.models import Permission

from inventory.models import Bin, Sku, StockLevel
from inventory.services import stock_receive
from orders.models import Order, Priority
from orders.services import order_approve, order_intake
from orders.states import OrderStatus
from warehouse.models import Box, FloorMember
from warehouse.services import pack_close, pack_scan, pick_scan, wave_build, wave_release

#: (code, barcode, name, unit weight g, bin code, pick sequence). Bin codes do not sort like the
#: walk, so a pick list sorted by code would be wrong.
FLOOR_SKUS = [
    ("F001", "6901234500011", "竹纤维毛巾", 120, "C-01", 30),
    ("F002", "6901234500028", "婴儿湿巾 80 抽", 450, "A-07", 10),
    ("F003", "6901234500035", "保温杯 500ml", 380, "B-02", 20),
    ("F004", "6901234500042", "陶瓷碗 4 只装", 900, "A-01", 5),
    ("F005", "6901234500059", "无重量样品", 0, "D-09", 40),
]


@pytest.fixture
def floor_skus(warehouse_hz, warehouse_gz):
    skus = []
    for code, barcode, name, weight, bin_code, sequence in FLOOR_SKUS:
        sku = Sku.objects.create(code=code, barcode=barcode, name=name, unit_weight_g=weight)
        for warehouse in (warehouse_hz, warehouse_gz):
            bin_ = Bin.objects.create(warehouse=warehouse, code=bin_code, pick_sequence=sequence)
            stock_receive(sku=sku, warehouse=warehouse, quantity=100, reference="opening")
            # The home bin is catalogue set-up (the demo builder sets it the same way).
            StockLevel.objects.filter(sku=sku, warehouse=warehouse).update(home_bin=bin_)
        skus.append(sku)
    return skus


@pytest.fixture
def sku_by_code(floor_skus):
    return {sku.code: sku for sku in floor_skus}


@pytest.fixture
def picker_hz(make_member, warehouse_hz):
    user = make_member("picker", "picker_hz")
    FloorMember.objects.create(user=user, warehouse=warehouse_hz)
    return user


@pytest.fixture
def picker_gz(make_member, warehouse_gz):
    user = make_member("picker", "picker_gz")
    FloorMember.objects.create(user=user, warehouse=warehouse_gz)
    return user


@pytest.fixture
def supervisor(make_member):
    return make_member("supervisor", "supervisor_floor")


@pytest.fixture
def boxes(db):
    return {
        "3号": Box.objects.create(code="3号", length_mm=430, width_mm=210, height_mm=270, tare_g=200, position=3),
        "8号": Box.objects.create(code="8号", length_mm=210, width_mm=110, height_mm=140, tare_g=60, position=8),
    }


@pytest.fixture
def ready_order(floor_skus, make_draft):
    """``ready_order([("F001", 2)], priority=..., province=...)``: taken in and approved (待拣货)."""

    def make(lines, *, priority: int = Priority.NORMAL, carrier: str = "", **draft) -> Order:
        result = order_intake(draft=make_draft(lines, **draft))
        order = order_approve(order=result.order)
        assert order.status == OrderStatus.READY, order.hold_note
        if priority or carrier:
            # Set-up only: the intake takes no priority from a draft and W2's proposal sets the carrier.
            Order.objects.filter(pk=order.pk).update(priority=priority, carrier=carrier)
        return Order.objects.get(pk=order.pk)

    return make


@pytest.fixture
def released_wave(ready_order, picker_hz, supervisor):
    """``released_wave([[("F001", 2)], ...])``: those orders built into one wave, released to picker_hz."""

    def make(orders_lines, **build):
        orders = [ready_order(lines) for lines in orders_lines]
        waves = wave_build(warehouse=orders[0].warehouse_id, actor=supervisor, **build)
        assert len(waves) == 1, [w.kind for w in waves]
        wave = wave_release(wave=waves[0], actor=supervisor, assignee=picker_hz)
        return wave, [Order.objects.get(pk=o.pk) for o in orders]

    return make


def pick_all(wave, actor):
    """Scan every line of the wave complete."""
    for line in wave.lines.select_related("sku").order_by("sequence"):
        for _ in range(line.quantity - line.picked):
            pick_scan(line=line, code=line.sku.barcode, actor=actor)


def pack_all(order, actor, box):
    """Scan each unit of the order, then close the box."""
    for line in order.lines.select_related("sku"):
        for _ in range(line.quantity):
            pack_scan(order=order, code=line.sku.barcode, actor=actor)
    return pack_close(order=order, box=box, actor=actor)


@pytest.fixture
def grant(db):
    def give(user, *perms):
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return type(user).objects.get(pk=user.pk)

    return give
