"""Put the demo catalogue in the database: warehouses, bins, SKUs, stock rows with home bins,
opening stock (through ``stock_receive``) and channels. Safe to run again: what exists is kept."""

import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from channels.models import Channel
from inventory.models import Bin, Sku, StockLevel, Warehouse
from inventory.services import stock_receive
from oms.demo.catalog import CHANNELS, PRODUCTS, WAREHOUSES, DemoSku, bin_codes, demo_skus


@dataclass
class Catalogue:
    warehouses: list[Warehouse]
    channels: dict[str, Channel]
    skus: list[DemoSku]
    #: scarce SKU code -> the one warehouse that stocks it
    scarce_home: dict[str, Warehouse]


def build_catalogue(*, rng: random.Random, scale: float = 1.0) -> Catalogue:
    """Create what is missing; only stock rows created now get opening stock."""
    with transaction.atomic():
        warehouses = [
            Warehouse.objects.get_or_create(code=code, defaults={"name": name, "address": address, "provinces": provinces})[0]
            for code, name, address, provinces in WAREHOUSES
        ]
        channels = {
            code: Channel.objects.get_or_create(code=code, defaults={"name": name, "platform": platform})[0]
            for code, name, platform, _weight in CHANNELS
        }
        skus = demo_skus()
        _create_skus(skus)
        sku_ids = dict(Sku.objects.filter(code__in=[s.code for s in skus]).values_list("code", "id"))
        scarce_home = {s.code: rng.choice(warehouses) for s in skus if s.scarce}
        for warehouse in warehouses:
            bins = _create_bins(warehouse)
            _create_stock(warehouse, bins, skus, sku_ids, scarce_home, rng, scale)
    return Catalogue(warehouses=warehouses, channels=channels, skus=skus, scarce_home=scarce_home)


def _create_skus(skus: list[DemoSku]) -> None:
    existing = set(Sku.objects.filter(code__in=[s.code for s in skus]).values_list("code", flat=True))
    Sku.objects.bulk_create(
        Sku(code=s.code, barcode=s.barcode, name=s.name, category=s.category, unit_weight_g=s.weight_g)
        for s in skus
        if s.code not in existing
    )


def _create_bins(warehouse: Warehouse) -> dict[str, list[Bin]]:
    """Every zone's bins, numbered along the picking walk (zone A, then B, then the cold room C)."""
    existing = set(warehouse.bins.values_list("code", flat=True))
    sequence = 0
    new = []
    for category in PRODUCTS:
        for code in bin_codes(category):
            sequence += 10
            if code not in existing:
                new.append(Bin(warehouse=warehouse, code=code, pick_sequence=sequence))
    Bin.objects.bulk_create(new)
    by_code = {b.code: b for b in warehouse.bins.all()}
    return {category: [by_code[code] for code in bin_codes(category)] for category in PRODUCTS}


def _create_stock(warehouse, bins, skus, sku_ids, scarce_home, rng, scale) -> None:
    """A stock row per SKU with its home bin (fast movers nearest the start of the walk), then
    the opening stock as goods received. Scarce SKUs are stocked in one warehouse, a few units."""
    have = set(warehouse.stock_levels.values_list("sku_id", flat=True))
    new_levels = []
    for category, zone_bins in bins.items():
        in_category = sorted(
            (s for s in skus if s.category == category), key=lambda s: (-s.popularity, rng.random())
        )
        for demo, home in zip(in_category, zone_bins, strict=False):
            if sku_ids[demo.code] in have:
                continue
            new_levels.append(
                StockLevel(
                    sku_id=sku_ids[demo.code],
                    warehouse=warehouse,
                    home_bin=home,
                    reorder_level=5 if demo.scarce else int(10 + 8 * demo.popularity),
                )
            )
    StockLevel.objects.bulk_create(new_levels)
    by_id = {s_id: code for code, s_id in sku_ids.items()}
    demo_by_code = {s.code: s for s in skus}
    reference = f"PO{timezone.localdate():%Y%m%d}{warehouse.code}-OPEN"
    sku_objects = Sku.objects.in_bulk([level.sku_id for level in new_levels])
    for level in new_levels:
        demo = demo_by_code[by_id[level.sku_id]]
        if demo.scarce:
            quantity = rng.randint(2, 5) if scarce_home[demo.code] == warehouse else 0
        else:
            quantity = round(rng.uniform(0.8, 1.3) * (25 + 45 * demo.popularity) * scale)
        if quantity:
            stock_receive(sku=sku_objects[level.sku_id], warehouse=warehouse, quantity=quantity, reference=reference)
