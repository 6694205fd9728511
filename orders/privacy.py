"""Platform privacy numbers: what a receiver's phone and name really are.

Platforms that protect their buyers hand out masked phones (``139****1234``), virtual numbers
that ring the buyer through an extension (``17098765432-5678``, ``17098765432转5678``) and masked
names (``张**``). None of them is the buyer's phone: such an order never makes or joins a
``Customer`` (a later order from the same virtual number is not the same buyer), and its label
can only be printed through the platform's own e-waybill service, which decrypts the receiver at
print time (``Order.needs_platform_waybill``).
"""

import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class PhonePrivacy(models.TextChoices):
    PLAIN = "", _("明文")
    MASKED = "masked", _("打码")
    VIRTUAL = "virtual", _("虚拟号")


_MASK = re.compile(r"[*＊•●]")
#: An 11-digit mobile number (optionally +86) with an extension after -, 转, #, comma or space.
_VIRTUAL = re.compile(r"^(?:\+?86[-\s]?)?(1\d{10})\s*(?:[-_#,，~]|转|ext\.?)\s*(\d{1,6})$", re.IGNORECASE)


@dataclass(frozen=True)
class Contact:
    """A receiver's phone as stored on the order: the number, its extension, what kind it is."""

    phone: str
    extension: str = ""
    privacy: str = PhonePrivacy.PLAIN


def classify_contact(name: str, phone: str) -> Contact:
    """What ``phone`` (and ``name``) as sent by a platform really are.

    A virtual number keeps its 11 digits as the phone and its extension apart; a masked phone is
    kept as sent; a masked name with any phone makes the contact masked too (the platform hides
    the receiver, so the label must come from the platform)."""
    phone = (phone or "").strip()
    virtual = _VIRTUAL.match(phone)
    if virtual:
        return Contact(virtual.group(1), virtual.group(2), PhonePrivacy.VIRTUAL)
    if _MASK.search(phone) or _MASK.search(name or ""):
        return Contact(phone, "", PhonePrivacy.MASKED)
    return Contact(phone)

