"""Cell values as sellers' spreadsheets hold them, made into text, numbers, times and addresses.

Each parser raises ``CellInvalid`` with a message for people; the readers turn it into a row problem.
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from orders.drafts import EXTERNAL_ID_LIMIT


class CellInvalid(ValueError):
    """One cell cannot be read; the message says why, in the user's language."""


#: First characters that may start an Excel trick (or a stray BOM) and need the slow path.
_TRICKS = frozenset("='\ufeff")
_FULL_WIDTH = str.maketrans({"（": "(", "）": ")", "：": ":", "　": " ", "\u00a0": " "})
_FLOAT_SHAPED = re.compile(r"^\d+(\.\d+)?[eE][+-]?\d+$|^\d+\.\d+$")
_POSTCODE = re.compile(r"\s*[(（]\s*\d{6}\s*[)）]\s*$")
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
)


def as_text(value) -> str:
    """A cell as text: what Excel shows, without the tricks used to keep long numbers intact
    (``="123"``, a leading ``'`` or tab)."""
    if type(value) is str:
        text = value.strip()
        if not text or text[0] not in _TRICKS:
            return text
    elif value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip().strip("\ufeff")
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return text.lstrip("'\t").strip()


def header_key(value) -> str:
    """A header cell reduced to what identifies it: full-width brackets made half-width, no spaces,
    no required-marks."""
    return re.sub(r"\s+", "", as_text(value).translate(_FULL_WIDTH)).strip("*").lower()


def order_number(text: str) -> str:
    """An order number; refuses one that Excel stored as a number and so lost digits."""
    if not text:
        raise CellInvalid(_("缺少订单号"))
    if _FLOAT_SHAPED.match(text):
        raise CellInvalid(
            _("订单号 %(value)s 被 Excel 存成了数字，已丢失位数：请把该列设为文本后重新导出")
            % {"value": text}
        )
    if len(text) > EXTERNAL_ID_LIMIT:
        raise CellInvalid(_("订单号不能超过 %(n)d 个字符") % {"n": EXTERNAL_ID_LIMIT})
    return text


def quantity(text: str, label) -> int:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value != value.to_integral_value() or value <= 0:
        raise CellInvalid(
            _("%(column)s 不是正整数：%(value)s") % {"column": label, "value": text or _("（空）")}
        )
    if value > 100_000:
        raise CellInvalid(_("%(column)s 太大：%(value)s") % {"column": label, "value": text})
    return int(value)


def money(text: str, label, *, default: Decimal | None = Decimal("0")) -> Decimal | None:
    cleaned = text.replace(",", "").replace("¥", "").replace("￥", "").replace("元", "").strip()
    if not cleaned:
        return default
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value >= Decimal("10000000000"):
        raise CellInvalid(_("%(column)s 不是金额：%(value)s") % {"column": label, "value": text})
    return value.quantize(Decimal("0.01"))


def moment(text: str, label) -> datetime | None:
    """A local time (Asia/Shanghai) as the platforms write it; empty is None."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)  # the usual 2026-11-22 10:00:00, fast
    except ValueError:
        pass
    else:
        return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
    raise CellInvalid(_("%(column)s 不是日期时间：%(value)s") % {"column": label, "value": text})


def split_address(text: str) -> tuple[str, str, str, str]:
    """(province, city, district, street) from one address string such as
    ``浙江省 杭州市 西湖区 文三路90号 3幢(310000)``; parts it cannot find are empty."""
    text = _POSTCODE.sub("", text.translate(_FULL_WIDTH)).strip()
    parts = text.split()
    if len(parts) >= 4:
        return parts[0], parts[1], parts[2], " ".join(parts[3:])
    if len(parts) == 3:
        return parts[0], parts[1], "", parts[2]
    return "", "", "", text
