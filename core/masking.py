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
