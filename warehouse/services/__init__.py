"""Every change on the warehouse floor goes through one of these functions.

Each takes keyword-only arguments and the acting user (``actor``), checks that the actor works in
the warehouse concerned (``FloorRefused`` with code ``not_your_warehouse`` otherwise), runs in one
transaction, and is safe to repeat: a request re-sent with the same ``request_id`` gets the first
answer. Order statuses change only through ``orders.services``.
"""

from warehouse.services.errors import FloorRefused
from warehouse.services.labels import parcel_assign_waybill, parcel_label
from warehouse.services.packing import expected_weight, pack_close, pack_scan
from warehouse.services.parcels import parcel_ship, parcel_weigh, parcel_weigh_override
from warehouse.services.photos import clean_photo, floor_photo_add
from warehouse.services.picking import SortResult, pick_scan, pick_short, sort_scan
from warehouse.services.stations import station_wave_dispatch, station_waves_build
from warehouse.services.waves import wave_build, wave_cancel, wave_reassign, wave_release

__all__ = [
    "FloorRefused",
    "SortResult",
    "clean_photo",
    "expected_weight",
    "floor_photo_add",
    "pack_close",
    "pack_scan",
    "parcel_assign_waybill",
    "parcel_label",
    "parcel_ship",
    "parcel_weigh",
    "parcel_weigh_override",
    "pick_scan",
    "pick_short",
    "sort_scan",
    "station_wave_dispatch",
    "station_waves_build",
    "wave_build",
    "wave_cancel",
    "wave_reassign",
    "wave_release",
]
