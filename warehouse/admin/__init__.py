"""Floor admin: waves, scans, parcels, photos, boxes, floor staff and settings; the order page's
floor timeline is registered in ``WarehouseConfig.ready``."""

from warehouse.admin.records import FloorPhotoAdmin, ParcelAdmin, ScanRecordAdmin
from warehouse.admin.setup import BoxAdmin, FloorMemberAdmin, FloorSettingsAdmin
from warehouse.admin.waves import WaveAdmin

__all__ = [
    "BoxAdmin",
    "FloorMemberAdmin",
    "FloorPhotoAdmin",
    "FloorSettingsAdmin",
    "ParcelAdmin",
    "ScanRecordAdmin",
    "WaveAdmin",
]
