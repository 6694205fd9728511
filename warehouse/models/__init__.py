"""Floor models: who works where, boxes and settings, waves and pick lists, scans, parcels, photos;
carriers, rates and shipments (``carriers``)."""

from warehouse.models.carriers import (
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
from warehouse.models.records import FloorPhoto, FloorStep, Parcel, ScanRecord, ShortReason
from warehouse.models.setup import Box, FloorMember, FloorSettings
from warehouse.models.stations import StationWave
from warehouse.models.waves import LIVE_WAVE_STATUSES, PickLine, Wave, WaveKind, WaveOrder, WaveStatus

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
    "LIVE_WAVE_STATUSES",
    "Box",
    "FloorMember",
    "FloorPhoto",
    "FloorSettings",
    "FloorStep",
    "Parcel",
    "PickLine",
    "ScanRecord",
    "ShortReason",
    "StationWave",
    "Wave",
    "WaveKind",
    "WaveOrder",
    "WaveStatus",
]
