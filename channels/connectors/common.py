"""Small readers the platform adapters share: required fields, money, quantities, times, item
codes and addresses. Each raises ``PayloadInvalid`` with a Chinese message that names the field,
so a payload that cannot be read stays in the inbox with a reason a person can act on."""

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from channels.connectors.base import PayloadInvalid, PlatformStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
#: Statuses in which the buyer has paid (the draft's ``paid``).
PAID_STATUSES = {PlatformStatus.PAID, PlatformStatus.SHIPPED, PlatformStatus.COMPLETED, PlatformStatus.REFUNDING}
#: What platforms send for "no time yet" (JD's pay-confirm time before payment, for one).
_NULL_TIMES = {"", "0", "0000-00-00 00:00:00", "0001-01-01 00:00:00", "1970-01-01 00:00:00", "1970-01-01 08:00:00"}
_ADDRESSES = Path(__file__).parent / "fixtures" / "addresses.json"


class Reader:
    """Reads one platform's payload, naming the platform in every error message."""

    def __init__(self, platform_label: str):
        self.label = platform_label

    def fail(self, field: str, problem: str) -> PayloadInvalid:
        return PayloadInvalid(
            _("%(platform)s订单的字段 %(field)s %(problem)s") % {"platform": self.label, "field": field, "problem": problem}
        )

    def order(self, payload) -> dict:
        if not isinstance(payload, dict):
            raise PayloadInvalid(_("内容不是一个订单对象"))
        return payload

    def required(self, data: dict, key: str, path: str = "") -> object:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise PayloadInvalid(
                _("不是有效的%(platform)s订单：缺少字段 %(field)s") % {"platform": self.label, "field": path or key}
            )
        return value

    def ident(self, data: dict, key: str, path: str = "") -> str:
        """A required identifier (order number, line id): numbers and strings both become text."""
        value = self.required(data, key, path)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.fail(path or key, _("不是有效的编号"))
        return str(value).strip()

    def obj(self, data: dict, key: str, path: str = "", *, required: bool = False) -> dict:
        value = self.required(data, key, path) if required else data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(path or key, _("应当是一个对象"))
        return value

    def items(self, data: dict, key: str, path: str = "") -> list[dict]:
        """A required, non-empty list of objects (an order's item lines)."""
        value = self.required(data, key, path)
        if not isinstance(value, list) or not value or not all(isinstance(row, dict) for row in value):
            raise self.fail(path or key, _("应当是非空的商品列表"))
        return value

    def quantity(self, data: dict, key: str, path: str) -> int:
        value = self.required(data, key, path)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(path, _("不是正整数数量：%(value)s") % {"value": value})
        return value

    def money(self, data: dict, key: str, path: str = "", *, default: str | None = None) -> Decimal:
        """An amount in yuan given as text or a number (``"59.00"``, ``59.9``), exact to the fen."""
        value = data.get(key)
        if value is None or value == "":
            if default is None:
                self.required(data, key, path)
            return Decimal(default)
        return self._decimal(value, path or key)

    def fen(self, data: dict, key: str, path: str = "", *, default: int | None = None) -> Decimal:
        """An amount in fen (integer cents) → Decimal yuan, exactly: 1990 → 19.90."""
        value = data.get(key)
        if value is None or value == "":
            if default is None:
                self.required(data, key, path)
            value = default
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(path or key, _("不是以分为单位的金额：%(value)s") % {"value": value})
        return (Decimal(value) / 100).quantize(CENT)

    def _decimal(self, value, path: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(path, _("不是金额：%(value)s") % {"value": value})
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
            raise self.fail(path, _("不是金额：%(value)s") % {"value": value})
        return amount.quantize(CENT)

    def local_time(self, data: dict, key: str, path: str = "", *, zone: ZoneInfo = SHANGHAI) -> datetime | None:
        """``"2024-11-11 00:00:03"`` in the platform's zone (ISO text with an offset is kept as is)."""
        value = data.get(key)
        if value is None or (isinstance(value, str) and value.strip() in _NULL_TIMES):
            return None
        if not isinstance(value, str):
            raise self.fail(path or key, _("不是时间：%(value)s") % {"value": value})
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise self.fail(path or key, _("不是时间：%(value)s") % {"value": value}) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)

    def epoch_time(self, data: dict, key: str, path: str = "") -> datetime | None:
        """Seconds since 1970 (0 or missing = none yet)."""
        value = data.get(key)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if value is None or value == "" or value == 0:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(path or key, _("不是时间戳：%(value)s") % {"value": value})
        return datetime.fromtimestamp(value, tz=SHANGHAI)

    def status(self, value, table: dict, path: str) -> str:
        """The platform status through the adapter's table; an unknown one is refused, not guessed."""
        key = str(value).strip() if value is not None else ""
        if key not in table:
            raise self.fail(path, _("是无法识别的订单状态：%(value)s") % {"value": value})
        return table[key]


def text(value) -> str:
    """Any optional text field: None → "", numbers → their text, surrounding spaces dropped."""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def item_code(*candidates) -> str:
    """The first non-empty code: adapters pass the seller's own codes first, then the platform's ids."""
    for value in candidates:
        code = text(value)
        if code and code != "0":
            return code
    return ""


def strip_prefixes(address: str, *parts: str) -> str:
    """A full address with its leading province/city/district/town removed, in that order, where present."""
    rest = address.strip()
    for part in parts:
        part = (part or "").strip()
        if part and rest.startswith(part):
            rest = rest[len(part) :].lstrip()
    return rest


def join_street(town: str, detail: str) -> str:
    """Street level (乡镇/街道) in front of the detail, unless the detail already starts with it."""
    town, detail = (town or "").strip(), (detail or "").strip()
    if town and not detail.startswith(town):
        return f"{town}{detail}"
    return detail


def local_text(moment: datetime | None, zone: ZoneInfo = SHANGHAI) -> str:
    """An aware time → ``"2024-11-11 00:00:03"`` in the platform's zone ("" for none)."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def yuan(amount) -> str:
    return str(Decimal(str(amount)).quantize(CENT))


def to_fen(amount) -> int:
    return int((Decimal(str(amount)) * 100).to_integral_value())


def discount(goods: Decimal, shipping: Decimal, paid: Decimal | None) -> Decimal:
    """What the buyer did not pay of goods + shipping (coupons, promotions); never below zero."""
    if paid is None:
        return Decimal("0.00")
    return max(goods + shipping - paid, Decimal("0.00")).quantize(CENT)


def sample_lines(lines) -> list[tuple[str, int, Decimal, str]]:
    """``sample_payload`` lines: (code, quantity, price) or (code, quantity, price, title)."""
    rows = []
    for line in lines:
        code, quantity, price = line[0], int(line[1]), Decimal(str(line[2])).quantize(CENT)
        title = line[3] if len(line) > 3 and line[3] else f"{code} 商品"
        rows.append((code, quantity, price, title))
    return rows


@cache
def shared_addresses() -> tuple[dict, ...]:
    """Awkward but real Chinese addresses every adapter's fixtures and the simulator draw on."""
    with _ADDRESSES.open(encoding="utf-8") as handle:
        return tuple(json.load(handle))


def sample_recipient(recipient: dict) -> dict:
    """Recipient overrides for ``sample_payload`` on top of a plain Hangzhou address."""
    base = {"name": "王小明", "phone": "13812345678", "province": "浙江省", "city": "杭州市", "district": "西湖区",
            "street": "文三路 90 号东部软件园 2 号楼"}
    unknown = set(recipient) - set(base)
    if unknown:
        raise TypeError(f"unknown recipient fields: {sorted(unknown)}")
    return {**base, **{k: v for k, v in recipient.items() if v is not None}}
