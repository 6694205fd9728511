"""A local stand-in for a carrier's e-waybill API: well-formed numbers, a plausible 三段码 and hub.

Numbers follow each carrier's usual shape (docs in FLOOR.md) and are derived from the carrier and
the request's reference, so the same request always gets the same waybill, as a real carrier API
does for the same order id, and different references practically never collide (a collision is
still refused by the database's unique constraint on carrier + number).
"""

import hashlib

from django.utils.translation import gettext as _

from warehouse.carriers.adapters import CarrierAdapter, IssuedWaybill, WaybillError, WaybillRequest
from warehouse.carriers.provinces import province_of

#: carrier code -> (fixed prefix, number of random digits after it)
NUMBER_SHAPES = {
    "SF": ("SF", 13),  # SF + 13 digits
    "JD": ("JDVA", 11),  # JD + 13 characters
    "YTO": ("YT", 13),
    "JT": ("JT", 13),
    "ZTO": ("7", 13),  # 14 digits, often starting with 7
    "YUNDA": ("43", 11),  # 13 digits
    "STO": ("77", 11),  # 13 digits
    "EMS": ("11", 11),  # 13 digits (domestic)
}
#: a carrier added in admin that the sandbox knows nothing about: 14 plain digits
DEFAULT_SHAPE = ("", 14)


def _digits(seed: str, count: int) -> str:
    value = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    return str(value % 10**count).zfill(count)


class SandboxAdapter(CarrierAdapter):
    def issue(self, request: WaybillRequest) -> IssuedWaybill:
        province = province_of(request.province)
        if province is None:
            raise WaybillError(_("无法识别收件省份「%(province)s」，不能出面单") % {"province": request.province})
        prefix, count = NUMBER_SHAPES.get(request.carrier_code, DEFAULT_SHAPE)
        number = prefix + _digits(f"{request.carrier_code}|{request.reference}", count)
        route = _digits(f"{request.carrier_code}|{request.city}|{request.district}", 4)
        desk = _digits(f"{request.carrier_code}|{request.district}|{request.street}", 3)
        letter = "ABCDEFGHJKLMNPQRSTUVWXYZ"[int(route) % 24]
        sort_code = f"{province.postcode} {letter}{route[:2]}-{route[2:]} {desk}"
        return IssuedWaybill(number=number, sort_code=sort_code, hub=_("%(city)s转运中心") % {"city": province.capital})

    def cancel(self, *, carrier_code: str, number: str) -> None:
        """Nothing to tell: sandbox numbers are derived, not held anywhere."""
