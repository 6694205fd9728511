"""Demo carriers, services, pickup times and a rate table for every warehouse.

Figures are what a small seller with a few hundred parcels a day is typically quoted (2025):
通达 (中通, 圆通, 韵达) and 极兔 around ¥3 for the first kilo in-province, 顺丰 and 京东 four to six
times that, EMS between them and strongest in remote provinces. Zones are counted from each
warehouse: 一区 its own province, 二区 the rest of its region, 三区 the rest of the mainland,
四区 the remote provinces. Safe to run again: what exists is kept.
"""

from datetime import time
from decimal import Decimal

from django.db import transaction

from inventory.models import Warehouse
from warehouse.carriers.provinces import PROVINCES, province_of
from warehouse.models import Carrier, CarrierPickup, CarrierRate, CarrierService, RateZone, ServiceLevel

S, E = ServiceLevel.STANDARD, ServiceLevel.EXPRESS

#: code, name, short name, pickup cut-off
CARRIERS = (
    ("SF", "顺丰速运", "顺丰", time(18, 30)),
    ("JD", "京东物流", "京东", time(18, 0)),
    ("ZTO", "中通快递", "中通", time(17, 30)),
    ("YTO", "圆通速递", "圆通", time(17, 30)),
    ("YUNDA", "韵达快递", "韵达", time(17, 0)),
    ("JT", "极兔速递", "极兔", time(17, 0)),
    ("EMS", "邮政EMS", "EMS", time(16, 30)),
)

#: carrier, service, level, divisor, then per zone 一..四: (first kg price, each further kg, days)
SERVICES = (
    ("SF", "顺丰标快", S, 6000, [("12", "2", 1), ("15", "5", 2), ("18", "6", 2), ("23", "13", 3)]),
    ("SF", "顺丰特快", E, 6000, [("18", "3", 1), ("22", "8", 1), ("23", "10", 1), ("28", "18", 2)]),
    ("JD", "京东标快", S, 8000, [("10", "2", 1), ("12", "4", 2), ("15", "5", 2), ("20", "12", 4)]),
    ("JD", "京东特快", E, 6000, [("15", "3", 1), ("18", "6", 1), ("21", "8", 1), ("25", "15", 2)]),
    ("ZTO", "中通标快", S, 8000, [("3.0", "1", 1), ("3.5", "1.5", 2), ("5.5", "4", 3), ("12", "10", 5)]),
    ("YTO", "圆通标快", S, 8000, [("2.9", "1", 1), ("3.4", "1.5", 2), ("5.3", "4", 3), ("12", "10", 5)]),
    ("YUNDA", "韵达标快", S, 8000, [("2.8", "1", 2), ("3.3", "1.5", 2), ("5.2", "4", 3), ("12", "10", 5)]),
    ("JT", "极兔标快", S, 8000, [("2.7", "1", 2), ("3.2", "1.5", 3), ("5.0", "4", 4), ("11", "10", 6)]),
    ("EMS", "邮政快递包裹", S, 8000, [("5", "2", 2), ("6", "3", 3), ("8", "5", 4), ("12", "8", 5)]),
    ("EMS", "EMS标准快递", E, 6000, [("12", "5", 1), ("16", "8", 2), ("20", "10", 2), ("25", "15", 3)]),
)

ZONE_NAMES = ("一区 省内", "二区 邻近", "三区 全国", "四区 偏远")

#: demo warehouse code -> phone printed as the sender's on labels
WAREHOUSE_PHONES = {"HZ": "0571-86880001", "GZ": "020-36660002", "CD": "028-85990003"}


def home_province(warehouse: Warehouse) -> str | None:
    """The province a warehouse ships from: the start of its address, else the first it serves."""
    for name in PROVINCES:
        if warehouse.address.startswith(name):
            return name
    for name in warehouse.provinces or []:
        province = province_of(name)
        if province is not None:
            return province.name
    return None


def zone_provinces(home: str) -> list[list[str]]:
    """The provinces of 一区..四区 as seen from ``home``."""
    region = PROVINCES[home].region
    near = [p.name for p in PROVINCES.values() if p.region == region and p.name != home and not p.remote]
    remote = [p.name for p in PROVINCES.values() if p.remote and p.name != home]
    rest = [p.name for p in PROVINCES.values() if p.name not in {home, *near, *remote}]
    return [[home], near, rest, remote]


def seed_carriers() -> None:
    """Create the carriers, services, pickups, zones and rates that are missing."""
    with transaction.atomic():
        carriers = {}
        for code, name, short_name, _cutoff in CARRIERS:
            carriers[code] = Carrier.objects.get_or_create(code=code, defaults={"name": name, "short_name": short_name})[0]
        services = []
        for code, name, level, divisor, prices in SERVICES:
            service = CarrierService.objects.get_or_create(
                carrier=carriers[code], name=name, defaults={"level": level, "volumetric_divisor": divisor}
            )[0]
            services.append((service, prices))
        for warehouse in Warehouse.objects.filter(active=True):
            if not warehouse.phone and warehouse.code in WAREHOUSE_PHONES:
                warehouse.phone = WAREHOUSE_PHONES[warehouse.code]
                warehouse.save(update_fields=["phone"])
            for code, _name, _short, cutoff in CARRIERS:
                CarrierPickup.objects.get_or_create(carrier=carriers[code], warehouse=warehouse, defaults={"cutoff": cutoff})
            home = home_province(warehouse)
            if home is None:
                continue
            for index, (name, provinces) in enumerate(zip(ZONE_NAMES, zone_provinces(home), strict=True)):
                zone = RateZone.objects.get_or_create(
                    warehouse=warehouse, name=name, defaults={"provinces": provinces, "sequence": index + 1}
                )[0]
                for service, prices in services:
                    first, step, days = prices[index]
                    CarrierRate.objects.get_or_create(
                        service=service,
                        zone=zone,
                        defaults={"first_price": Decimal(first), "step_price": Decimal(step), "transit_days": days},
                    )
