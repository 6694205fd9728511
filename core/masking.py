"""Masking of personal data shown to people without the right to see it in full."""


def mask_phone(phone: str) -> str:
    """'13812341234' -> '138****1234'."""
    phone = phone or ""
    if len(phone) >= 7:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * len(phone)


def mask_street(street: str) -> str:
    street = street or ""
    return f"{street[:3]}****" if street else ""


_VIRTUAL_SEPARATORS = ("-", "－", "转", ",", "，", "#", "_")


def is_privacy_phone(phone: str) -> bool:
    """A platform privacy number rather than the buyer's phone: masked ('139****1234') or a virtual
    number with an extension ('17098765432-5678', '17098765432转5678'). Such a number reaches the
    buyer only through the platform's own e-waybill, so it must not be printed as if it were a phone."""
    phone = (phone or "").strip()
    if "*" in phone:
        return True
    for separator in _VIRTUAL_SEPARATORS:
        number, found, extension = phone.partition(separator)
        if found and number.strip().isdigit() and extension.strip().isdigit():
            return len(number.strip()) == 11
    return False
