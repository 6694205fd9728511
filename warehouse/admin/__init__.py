"""Floor admin: waves, scans, parcels, photos, boxes, floor staff and settings; carriers, rates and
shipments (``warehouse.carriers.admin``); the order page's panels are registered in ``WarehouseConfig.ready``."""

from warehouse.admin.records import FloorPhotoAdmin, ParcelAdmin, ScanRecordAdmin
from warehouse.admin.setup import BoxAdmin, FloorMemberAdmin, FloorSettingsAdmin
from warehouse.admin.stations import StationWaveAdmin
from warehouse.admin.waves import WaveAdmin
from warehouse.carriers import admin as carriers_admin  # noqa: F401  (registers the model admins)

__all__ = [
    "BoxAdmin",
    "FloorMemberAdmin",
    "FloorPhotoAdmin",
    "FloorSettingsAdmin",
    "ParcelAdmin",
    "ScanRecordAdmin",
    "StationWaveAdmin",
    "WaveAdmin",
]
