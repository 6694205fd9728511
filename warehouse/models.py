"""Warehouse models. Carriers, rates and shipments live in ``models_carriers``."""

from warehouse.models_carriers import (
    AdapterKind,
    Carrier,
    CarrierPickup,
    CarrierRate,
    CarrierService,
    RateZone,
    ServiceLevel,
    Shipment,
    ShipmentStatus,
)

__all__ = [
    "AdapterKind",
    "Carrier",
    "CarrierPickup",
    "CarrierRate",
    "CarrierService",
    "RateZone",
    "ServiceLevel",
    "Shipment",
    "ShipmentStatus",
]
