"""Phones and streets as people without the right to see them in full are shown them, and phones
written the one way we store them.

``mask_phone`` is the one masking rule for a phone, whatever its format: a Chinese mobile with or
without ``+86``/``0086``, with spaces or dashes (``138****5678``, ``+86 137****5678``,
``138-****-5678``), a landline with its area code (``0571-****6666``), a platform's virtual
number with an extension. Every digit but a visible head (country code, the mobile's first three
digits or the area code) and the last four becomes ``*``; of eight digits or more at least four
are always hidden. ``mask_phones_in_text`` applies the same rule to every phone found in free text (an inbox
body, a note), so an order, a customer, the inbox, the notes and the API all mask alike.
"""

import re
import unicodedata

#: Something in free text that may be a phone: digits (any script's, so full-width ones too) grouped
#: the way mobiles and landlines are written. ``_IS_PHONE`` then decides on its ASCII form.
_CANDIDATE = re.compile(
    r"(?<![\dA-Za-z+\uff0b*])"
    r"(?:(?:[+\uff0b]|00|\uff10\uff10)?(?:86|\uff18\uff16)[ \-\uff0d]?)?"
    r"(?:\d{3}(?:[ \-\uff0d]?\d{4}){2}|[(\uff08]?\d{3,4}[)\uff09]?[ \-\uff0d]?\d{7,8})"
    r"(?![\dA-Za-z])"
)
#: A mobile (optionally +86/0086/86, digits grouped by spaces or dashes) or a landline with its
#: area code (``0571-88886666``, ``(010) 12345678``).
_IS_PHONE = re.compile(
    r"(?:(?:\+|00)?86[ \-]?)?1[3-9]\d(?:[ \-]?\d{4}){2}"
    r"|\(?0\d{2,3}\)?[ \-]?\d{7,8}"
)
#: Area codes of three digits: Beijing 010 and the 02x cities; every other area code has four.
_SHORT_AREA = re.compile(r"0(?:10|2\d)")


def normalize_phone(phone: str) -> str:
    """A phone as we store and search it: full-width digits and signs made ASCII (``１３８`` →
    ``138``, ``＋`` → ``+``, the ideographic space → a space), surrounding space trimmed."""
    return unicodedata.normalize("NFKC", phone or "").strip()


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``; every format as in the module docstring. A value with
    fewer than seven digits is hidden whole; one a platform masked already is kept as it came."""
    text = normalize_phone(phone)
    digits = [i for i, char in enumerate(text) if char.isdigit()]
    if "*" in text and len(digits) <= 7:
        return text
    if len(digits) < 7:
        return "*" * len(text)
    head = _visible_head(text, len(digits))
    head = max(0, min(head, len(digits) - 8))  # at least four digits hidden, the last four shown
    hidden = set(digits[head : len(digits) - 4])
    return "".join("*" if i in hidden else char for i, char in enumerate(text))


def _visible_head(text: str, count: int) -> int:
    """How many leading digits of ``text`` stay visible: the country code, then a mobile's first
    three digits or a landline's area code."""
    national = re.sub(r"\D", "", text)
    country = 0
    if text.startswith("+") or national.startswith("00"):
        country = 2 if national.lstrip("0").startswith("86") else 0
        country += len(national) - len(national.lstrip("0")) if national.startswith("00") else 0
    elif national.startswith("86") and count >= 13 and national[2] == "1":
        country = 2
    national = national[country:]
    if national.startswith("1"):
        return country + 3
    if national.startswith("0"):
        return country + (3 if _SHORT_AREA.match(national) else 4)
    return country


def mask_phones_in_text(text: str) -> str:
    """``text`` with every phone in it masked by ``mask_phone``."""
    if not text:
        return text or ""
    return _CANDIDATE.sub(_mask_match, text)


def _mask_match(match: re.Match) -> str:
    found = match.group(0)
    return mask_phone(found) if _IS_PHONE.fullmatch(normalize_phone(found)) else found


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
