"""The demo carriers and rate table (``seed_demo`` puts them in)."""

from decimal import Decimal

from oms.demo.carriers import CARRIERS, SERVICES, seed_carriers
from warehouse.carriers.provinces import PROVINCES
from warehouse.models.carriers import Carrier, CarrierPickup, CarrierRate, CarrierService, RateZone


def counts():
    return [model.objects.count() for model in (Carrier, CarrierService, CarrierPickup, RateZone, CarrierRate)]


def test_every_warehouse_prices_every_province_once_with_every_service(carriers, warehouse_hz, warehouse_gz):
    assert counts() == [len(CARRIERS), len(SERVICES), 2 * len(CARRIERS), 8, 8 * len(SERVICES)]
    for warehouse in (warehouse_hz, warehouse_gz):
        provinces = [p for zone in RateZone.objects.filter(warehouse=warehouse) for p in zone.provinces]
        assert sorted(provinces) == sorted(PROVINCES)
    assert RateZone.objects.get(warehouse=warehouse_hz, name="一区 省内").provinces == ["浙江"]
    assert RateZone.objects.get(warehouse=warehouse_gz, name="一区 省内").provinces == ["广东"]
    assert set(Carrier.objects.values_list("code", flat=True)) == {"SF", "JD", "ZTO", "YTO", "YUNDA", "JT", "EMS"}


def test_seeding_again_keeps_what_is_there(carriers):
    CarrierRate.objects.filter(service__name="中通标快").update(first_price="2.50")
    before = counts()

    seed_carriers()

    assert counts() == before
    prices = set(CarrierRate.objects.filter(service__name="中通标快").values_list("first_price", flat=True))
    assert prices == {Decimal("2.50")}
