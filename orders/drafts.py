"""The intake draft: what any channel hands to ``order_intake``."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.masking import normalize_phone
from orders.models import Order, OrderLine, OrderSource
from orders.states import GiftKind

MAX_LINES = 500
MAX_QUANTITY = 100_000
#: The largest amount a money column holds (``DecimalField(max_digits=12, decimal_places=2)``):
#: every price, every total the order stores, and anything computed from them.
MAX_MONEY = Decimal("9999999999.99")


def _column(model, name: str) -> int:
    return model._meta.get_field(name).max_length


#: Longest value each text field of a draft may carry: read from the columns they are stored in.
TEXT_LIMITS = {
    "recipient.name": _column(Order, "recipient_name"),
    "recipient.phone": _column(Order, "phone"),
    "recipient.province": _column(Order, "province"),
    "recipient.city": _column(Order, "city"),
    "recipient.district": _column(Order, "district"),
    "recipient.street": _column(Order, "street"),
    "buyer_note": _column(Order, "buyer_note"),
    "seller_note": _column(Order, "seller_note"),
    "buyer_nick": _column(OrderSource, "buyer_nick"),
    "currency": _column(Order, "currency"),
}
EXTERNAL_ID_LIMIT = _column(OrderSource, "external_id")
SKU_CODE_LIMIT = _column(OrderLine, "sku_code")
TITLE_LIMIT = _column(OrderLine, "title")


class DraftInvalid(Exception):
    """The draft itself is malformed; nothing was written. ``errors`` maps a field path to a message."""

    code = "invalid_draft"

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class DraftLine:
    sku_code: str
    quantity: int
    unit_price: Decimal = Decimal("0")
    title: str = ""
    #: ``orders.states.GiftKind``: set by the shop's SKU mapping for a gift line.
    gift: str = ""


@dataclass(frozen=True)
class Recipient:
    name: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    street: str = ""

    def missing_parts(self) -> list[str]:
        """Address parts a carrier cannot do without."""
        labels = {"province": _("省"), "city": _("市"), "street": _("详细地址")}
        return [label for name, label in labels.items() if not getattr(self, name).strip()]


@dataclass(frozen=True)
class OrderDraft:
    """One platform order, as any channel adapter, import or API call describes it."""

    channel: str
    external_id: str
    recipient: Recipient
    lines: tuple[DraftLine, ...]
    paid: bool = False
    placed_at: datetime | None = None
    paid_at: datetime | None = None
    promised_ship_at: datetime | None = None
    shipping_fee: Decimal = Decimal("0")
    discount_amount: Decimal = Decimal("0")
    paid_amount: Decimal | None = None
    currency: str = "CNY"
    buyer_note: str = ""
    seller_note: str = ""
    priority: int = 0
    #: The buyer's account name on the platform (买家会员名), kept on the order's source.
    buyer_nick: str = ""
    #: The spreadsheet import (``channels.ImportJob``) this draft was read from, if any.
    import_job_id: int | None = None
    data: dict = field(default_factory=dict)

    @property
    def goods_amount(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal("0"))

    def normalized(self) -> "OrderDraft":
        """The same draft with the identifiers trimmed (a platform's " 123" and "123" are one order)
        and the phone as we store it (full-width digits made ASCII, see ``core.masking``); the draft
        itself when it is so already (imports hand over thousands)."""
        phone = self.recipient.phone
        plain_phone = phone if not isinstance(phone, str) or phone.isascii() and phone == phone.strip() else None
        if plain_phone is not None and all(
            _is_trimmed(v) for v in (self.channel, self.external_id, *(line.sku_code for line in self.lines))
        ):
            return self
        lines = tuple(replace(line, sku_code=_trimmed(line.sku_code)) for line in self.lines)
        recipient = self.recipient if plain_phone is not None else replace(self.recipient, phone=normalize_phone(phone))
        return replace(
            self,
            channel=_trimmed(self.channel),
            external_id=_trimmed(self.external_id),
            lines=lines,
            recipient=recipient,
        )

    def validate(self) -> None:
        """Raise ``DraftInvalid`` listing every malformed field. Writes nothing."""
        errors: dict[str, str] = {}
        if not str(self.channel or "").strip():
            errors["channel"] = _("缺少渠道")
        if not str(self.external_id or "").strip():
            errors["external_id"] = _("缺少平台订单号")
        elif len(self.external_id) > EXTERNAL_ID_LIMIT:
            errors["external_id"] = _("平台订单号不能超过 %(n)d 个字符") % {"n": EXTERNAL_ID_LIMIT}
        if not self.lines:
            errors["lines"] = _("订单至少要有一行商品")
        elif len(self.lines) > MAX_LINES:
            errors["lines"] = _("一张订单最多 %(n)d 行") % {"n": MAX_LINES}
        for i, line in enumerate(self.lines):
            if not str(line.sku_code or "").strip():
                errors[f"lines[{i}].sku_code"] = _("缺少商家编码")
            elif len(line.sku_code) > SKU_CODE_LIMIT:
                errors[f"lines[{i}].sku_code"] = _("商家编码不能超过 %(n)d 个字符") % {"n": SKU_CODE_LIMIT}
            if len(line.title or "") > TITLE_LIMIT:
                errors[f"lines[{i}].title"] = _("商品名称不能超过 %(n)d 个字符") % {"n": TITLE_LIMIT}
            if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or line.quantity <= 0:
                errors[f"lines[{i}].quantity"] = _("数量必须是正整数")
            elif line.quantity > MAX_QUANTITY:
                errors[f"lines[{i}].quantity"] = _("数量不能超过 %(n)d") % {"n": MAX_QUANTITY}
            if not _is_money(line.unit_price):
                errors[f"lines[{i}].unit_price"] = _money_error(line.unit_price, _("单价必须是不小于 0 的金额"))
            if line.gift not in GiftKind.values:
                errors[f"lines[{i}].gift"] = _("未知的赠品类型")
        for name in ("shipping_fee", "discount_amount"):
            if not _is_money(getattr(self, name)):
                errors[name] = _money_error(getattr(self, name), _("金额必须是不小于 0 的数字"))
        if self.paid_amount is not None and not _is_money(self.paid_amount):
            errors["paid_amount"] = _money_error(self.paid_amount, _("金额必须是不小于 0 的数字"))
        if self.import_job_id is not None and (isinstance(self.import_job_id, bool) or not isinstance(self.import_job_id, int)):
            errors["import_job_id"] = _("导入编号必须是整数")
        if not errors:
            errors.update(self._total_errors())
        if self.priority not in (0, 1, 2):
            errors["priority"] = _("优先级只能是 0、1、2")
        for name in ("placed_at", "paid_at", "promised_ship_at"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
                errors[name] = _("时间必须带时区")
        for path, limit in TEXT_LIMITS.items():
            holder = self.recipient if path.startswith("recipient.") else self
            value = getattr(holder, path.rpartition(".")[2]) or ""
            if len(value) > limit:
                errors[path] = _("不能超过 %(n)d 个字符") % {"n": limit}
        if errors:
            raise DraftInvalid(errors)


    def _total_errors(self) -> dict[str, str]:
        """The totals the order will store must fit its columns too: goods (sum of the lines) and
        the paid amount computed from it (goods + shipping − discount) when none is given."""
        too_big = _("订单金额合计 %(amount)s 超过上限 %(max)s")
        goods = self.goods_amount
        if goods > MAX_MONEY:
            return {"goods_amount": too_big % {"amount": goods, "max": MAX_MONEY}}
        if self.paid_amount is None and goods + self.shipping_fee - self.discount_amount > MAX_MONEY:
            paid = goods + self.shipping_fee - self.discount_amount
            return {"paid_amount": too_big % {"amount": paid, "max": MAX_MONEY}}
        return {}


def _is_trimmed(value) -> bool:
    return not isinstance(value, str) or value == value.strip()


def _trimmed(value) -> str:
    return value.strip() if isinstance(value, str) else value


def _is_money(value) -> bool:
    if not isinstance(value, Decimal):
        return False
    try:
        return value.is_finite() and value >= 0 and value == value.quantize(Decimal("0.01")) and value <= MAX_MONEY
    except InvalidOperation:
        return False


def _money_error(value, message: str) -> str:
    """``message``, or that the amount is over the limit when that is what is wrong with it."""
    if isinstance(value, Decimal) and value.is_finite() and value > MAX_MONEY:
        return _("金额不能超过 %(max)s") % {"max": MAX_MONEY}
    return message
