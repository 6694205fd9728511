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


#: Provinces as people write them without their suffix (the first part of an address string).
_PROVINCES = frozenset(
    [
        "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西", "山东",
        "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏",
        "宁夏", "新疆", "香港", "澳门",
    ]
)
_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
_REGION_SUFFIXES = ("省", "市", "自治区", "特别行政区", "区", "县", "旗", "自治州", "州", "盟", "地区")
#: An address written without spaces: province, city, district, then the street.
_JOINED = re.compile(
    r"^(?P<province>(?:北京|天津|上海|重庆)市?|[^\d\s]{2,3}?省|[^\d\s]{2,8}?自治区|[^\d\s]{2}特别行政区)"
    r"(?P<city>[^\d\s]{1,10}?(?:市|自治州|地区|盟))?"
    r"(?P<district>[^\d\s]{1,8}?(?:区|县|旗))?"
    r"(?P<street>.*)$"
)


def _is_region(part: str, first: bool) -> bool:
    if len(part) > 12 or any(ch.isdigit() for ch in part):
        return False
    return part.endswith(_REGION_SUFFIXES) or (first and part in _PROVINCES)


def split_address(text: str) -> tuple[str, str, str, str]:
    """(province, city, district, street) from one address string such as
    ``浙江省 杭州市 西湖区 文三路90号 3幢(310000)`` or ``浙江省杭州市西湖区文三路90号``; parts it
    cannot find are empty (the intake then holds the order for an incomplete address)."""
    text = _POSTCODE.sub("", text.translate(_FULL_WIDTH)).strip()
    parts = text.split()
    if len(parts) >= 4:
        return parts[0], parts[1], parts[2], " ".join(parts[3:])
    if len(parts) == 1:
        return _split_joined(parts[0])
    regions: list[str] = []
    for part in parts:
        if len(regions) == 3 or not _is_region(part, first=not regions):
            break
        regions.append(part)
    if not regions:
        return "", "", "", text
    province, city, district = (regions + ["", "", ""])[:3]
    return province, city, district, " ".join(parts[len(regions) :])


def _split_joined(text: str) -> tuple[str, str, str, str]:
    match = _JOINED.match(text)
    if not match:
        return "", "", "", text
    province, city, district, street = (match.group(name) or "" for name in ("province", "city", "district", "street"))
    if not city and province.startswith(_MUNICIPALITIES):
        # 北京市朝阳区…: the municipality is its own city, as the platforms send it.
        city = province if province.endswith("市") else f"{province}市"
    return province, city, district, street
