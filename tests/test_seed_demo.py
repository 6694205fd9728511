"""``manage.py seed_demo``: a small run shows every status, and the books balance."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone

from channels.models import Channel
from inventory.models import Bin, Sku, StockLevel, StockMovement, Warehouse
from oms.demo.catalog import ean13
from orders.models import Order, OrderEvent, OrderLine
from orders.states import ExceptionReason, HoldReason, OrderStatus
from warehouse.models import Carrier, CarrierRate, CarrierService, RateZone

pytestmark = pytest.mark.django_db


def test_if_empty_seeds_an_empty_database():
    """First in the file: it needs the database before the module's seeded fixture fills it."""
    call_command("seed_demo", "--if-empty", "--orders", "15", "--seed", "3", stdout=StringIO())
    assert Order.objects.count() == 15


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One small seeded database shared by this module's tests, rolled back at the end."""
    out = StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--orders", "60", "--seed", "7", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_every_status_has_orders(seeded):
    statuses = set(Order.objects.values_list("status", flat=True))
    assert statuses == set(OrderStatus.values)
    assert Order.objects.count() == 60
    held = set(Order.objects.filter(status=OrderStatus.ON_HOLD).values_list("hold_reason", flat=True))
    assert {HoldReason.UNKNOWN_SKU, HoldReason.BAD_ADDRESS, HoldReason.OUT_OF_STOCK} <= held


def test_catalogue(seeded):
    assert sorted(Warehouse.objects.values_list("code", flat=True)) == ["CD", "GZ", "HZ"]
    assert Warehouse.objects.get(code="HZ").provinces == ["浙江", "上海", "江苏", "安徽"]
    assert sorted(Channel.objects.values_list("code", flat=True)) == ["aliexpress", "douyin", "jd", "pinduoduo", "taobao"]
    assert 180 <= Sku.objects.count() <= 220
    assert set(Sku.objects.values_list("category", flat=True)) == {"家居", "母婴", "生鲜"}
    for barcode in Sku.objects.values_list("barcode", flat=True):
        assert len(barcode) == 13 and ean13(barcode[:12]) == barcode
    # every SKU has a home bin in every warehouse, in that warehouse
    assert StockLevel.objects.count() == 3 * Sku.objects.count()
    assert not StockLevel.objects.filter(Q(home_bin=None) | ~Q(home_bin__warehouse=F("warehouse"))).exists()
    assert Bin.objects.filter(warehouse__code="HZ").values("pick_sequence").distinct().count() == Bin.objects.filter(
        warehouse__code="HZ"
    ).count()


def test_carriers_and_a_rate_table_for_every_warehouse(seeded):
    assert Carrier.objects.count() == 7
    for warehouse in Warehouse.objects.all():
        assert warehouse.phone
        assert RateZone.objects.filter(warehouse=warehouse).count() == 4
        assert CarrierRate.objects.filter(zone__warehouse=warehouse).count() == 4 * CarrierService.objects.count()
    assert RateZone.objects.get(warehouse__code="CD", name="一区 省内").provinces == ["四川"]


def test_ledger_balances(seeded):
    """Each stock level equals the sum of its movements; what orders hold equals what is reserved."""
    sums = StockMovement.objects.values("stock_level").annotate(
        on_hand=Sum("delta_on_hand"), reserved=Sum("delta_reserved")
    )
    by_level = {row["stock_level"]: (row["on_hand"], row["reserved"]) for row in sums}
    for level in StockLevel.objects.all():
        assert (level.on_hand, level.reserved) == by_level.get(level.pk, (0, 0)), level
        assert 0 <= level.reserved <= level.on_hand
    held = dict(
        OrderLine.objects.filter(reserved_quantity__gt=0)
        .values_list("stock_level")
        .annotate(n=Sum("reserved_quantity"))
    )
    assert held == dict(StockLevel.objects.filter(reserved__gt=0).values_list("pk", "reserved"))
    assert StockMovement.objects.filter(reason="ship").exists()


def test_orders_moved_only_through_the_services(seeded):
    """Every order's event chain starts with its intake and ends in its current status."""
    for order in Order.objects.prefetch_related("events"):
        events = list(order.events.all())
        assert events[0].action == "created"
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status
        assert events[-1].to_status == order.status
    shipped = Order.objects.filter(status__in=[OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED])
    assert not shipped.filter(Q(carrier="") | Q(tracking_number="")).exists()
    assert OrderEvent.objects.filter(action="ship").count() >= shipped.count()


def test_orders_spread_over_the_last_fortnight(seeded):
    now = timezone.now()
    span = Order.objects.aggregate(first=Min("placed_at"), last=Max("placed_at"))
    assert now - timedelta(days=14) <= span["first"] < now - timedelta(days=5)
    assert now - timedelta(days=1) < span["last"] <= now
    assert Order.objects.values("province").distinct().count() >= 8
    # 60 random orders over five channels: every channel cannot be guaranteed, most can.
    assert Order.objects.values("channel").annotate(n=Count("id")).count() >= 3


def test_summary_and_if_empty(seeded):
    assert "60 orders" in seeded
    assert "待审核 pending_review" in seeded
    before = (Order.objects.count(), StockMovement.objects.count(), Sku.objects.count())
    out = StringIO()
    call_command("seed_demo", "--if-empty", "--orders", "60", stdout=out)
    assert "nothing to do" in out.getvalue()
    assert (Order.objects.count(), StockMovement.objects.count(), Sku.objects.count()) == before


def test_the_demo_leaves_a_few_real_exceptions(seeded):
    flagged = Order.objects.exclude(exception_reason="")
    assert flagged.count() >= 2
    assert {ExceptionReason.LATE_ADDRESS_CHANGE, ExceptionReason.LATE_REFUND} <= set(
        flagged.values_list("exception_reason", flat=True)
    )
    for order in flagged:
        assert order.status in (OrderStatus.PACKED, OrderStatus.SHIPPED) and order.exception_note
        assert order.events.filter(action="flag_exception").exists()


def test_the_history_is_spread_over_the_days_it_covers(seeded):
    now = timezone.now()
    assert not OrderEvent.objects.filter(at__gt=now).exists()
    for order in Order.objects.prefetch_related("events"):
        times = [event.at for event in sorted(order.events.all(), key=lambda e: e.id)]
        assert times == sorted(times), order.number
        assert times[0] >= order.placed_at and order.created_at == times[0]
    # Not every shipment "today": the fortnight's shipments are spread over the fortnight.
    ships = OrderEvent.objects.filter(action="ship")
    assert ships.aggregate(first=Min("at"))["first"] < now - timedelta(days=3)
