"""What every export format shares: its columns (an alias table), its statuses, and how a group of
rows (one order) becomes an ``OrderDraft`` or a list of row problems.

Every format maps its own headers onto the same field names, so one builder serves them all:

=============  ==========================================================
order          platform order number (rows with the same one are one order)
sku            the platform's item code (商家编码); mapped to ours by the shop's SKU mapping
fallback_sku   used when ``sku`` is empty (e.g. the platform's product id)
title          item title
quantity       units on this row
unit_price     listed price per unit; or ``list_amount``, the row's listed total, over the
               quantity; or ``line_amount`` (what the buyer paid for the row) plus the row's
               ``line_discount`` (shop discount), over the quantity
attributes     the item's variant (规格), shown after the title
name, phone    receiver (may come masked, or as a virtual number with an extension)
province…      address parts (``town``, the 街道, goes before the street); or ``address``, one
               string split into its parts
buyer          the buyer's platform account name (买家会员名), kept on the order's source
paid_amount    what the buyer paid for the whole order (first row); else the sum of line amounts
discount       the order's shop discount (first row); ``line_discount`` per row, summed
status         the platform's order status (see ``statuses``); ``after_sale`` may close it
sub_order…     identifiers the order has no column for, kept in its "created" event
=============  ==========================================================
"""

import functools
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels.connectors.base import PlatformStatus
from channels.imports import cells
from channels.imports.cells import CellInvalid
from orders.drafts import SKU_CODE_LIMIT, DraftLine, OrderDraft, Recipient

#: Text for each field when a message names it (the column it usually comes from).
FIELD_LABELS = {
    "order": gettext_lazy("订单号"),
    "sku": gettext_lazy("商家编码"),
    "quantity": gettext_lazy("数量"),
    "unit_price": gettext_lazy("单价"),
    "line_amount": gettext_lazy("商品金额"),
    "list_amount": gettext_lazy("商品总价"),
    "line_discount": gettext_lazy("店铺优惠"),
    "paid_amount": gettext_lazy("实付金额"),
    "shipping_fee": gettext_lazy("运费"),
    "discount": gettext_lazy("优惠"),
    "placed_at": gettext_lazy("下单时间"),
    "paid_at": gettext_lazy("付款时间"),
    "status": gettext_lazy("订单状态"),
}


@dataclass(frozen=True)
class RowProblem:
    row: int
    order: str
    reason: str
    #: Which of two files the row is in ("" for a single file).
    file: str = ""

    def as_dict(self) -> dict:
        return {"row": self.row, "order": self.order, "reason": self.reason, "file": self.file}


@dataclass
class ImportedOrder:
    """One platform order read from the file: a draft, or the problems that stop it."""

    external_id: str
    first_row: int
    last_row: int
    status: str = PlatformStatus.PAID
    draft: OrderDraft | None = None
    problems: list[RowProblem] = field(default_factory=list)
    row_count: int = 0


def status_key(text: str) -> str:
    return text.replace("，", ",").replace(" ", "").strip()


@dataclass(frozen=True)
class ExportFormat:
    code: str
    label: object  # a lazy translation
    #: The channel platform this export belongs to; None for our own template (any channel).
    platform: str | None
    #: field -> header names it may carry (compared through ``cells.header_key``).
    columns: dict[str, tuple[str, ...]]
    #: Headers that recognise the format: all must be present.
    signature: tuple[str, ...]
    #: Fields without which no row can be read.
    required: tuple[str, ...]
    #: Platform status text -> PlatformStatus; with no status column every order counts as paid.
    statuses: dict[str, str] = field(default_factory=dict)
    #: After-sale status text -> PlatformStatus that closes the order; other values leave it alone.
    after_sale: dict[str, str] = field(default_factory=dict)
    #: "orders" or "items" for the halves of a two-file export; "" for a one-file export.
    part: str = ""

    def matches(self, keys: set[str]) -> bool:
        return all(cells.header_key(name) in keys for name in self.signature)

    def bind(self, header: list[str]) -> dict[str, int]:
        """field -> column index for this header; raises ``MissingColumns`` for required ones."""
        keys = [cells.header_key(cell) for cell in header]
        index: dict[str, int] = {}
        for name, aliases in self.columns.items():
            for alias in aliases:
                key = cells.header_key(alias)
                if key in keys:
                    index[name] = keys.index(key)
                    break
        missing = [self.columns[name][0] for name in self.required if name not in index]
        if missing:
            raise MissingColumns(missing)
        return index

    def status_of(self, text: str) -> str | None:
        return self.statuses.get(status_key(text))


class MissingColumns(Exception):
    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


def values(cells_row: list[str], index: dict[str, int]) -> dict[str, str]:
    return {name: (cells_row[i] if i < len(cells_row) else "") for name, i in index.items()}


def build_order(
    fmt: ExportFormat,
    *,
    channel: str,
    external_id: str,
    head: tuple[int, dict[str, str]],
    items: list[tuple[int, dict[str, str]]],
    item_file: str = "",
) -> ImportedOrder:
    """One order from its order-level row ``head`` and its item rows (the same rows for a
    one-file export). A problem on any row that stops the order being read (an item without a
    code, a quantity, amount or date that cannot be read, an unknown status) makes the whole order
    invalid; an incomplete address does not: the intake holds that order (地址不完整), as it does
    for the API."""
    head_row, top = head
    rows = [head_row] + [n for n, _v in items]
    result = ImportedOrder(external_id, min(rows), max(rows), row_count=len(items))
    problems = result.problems

    def take(row: int, parse, *args, file: str = "", **kwargs):
        try:
            return parse(*args, **kwargs)
        except CellInvalid as exc:
            problems.append(RowProblem(row, external_id, str(exc), file))
            return None

    status = PlatformStatus.PAID
    if "status" in fmt.columns and "status" in top:
        status = fmt.status_of(top["status"])
        if status is None:
            problems.append(
                RowProblem(
                    head_row,
                    external_id,
                    _("未知的订单状态：%(value)s") % {"value": top["status"] or _("（空）")},
                )
            )
    labels = FIELD_LABELS  # lazy: translated only when a message needs one
    lines = []
    paid_total = Decimal("0")
    line_discounts = Decimal("0")
    extra: dict[str, list[str]] = {}
    for row, item in items:
        closed = fmt.after_sale.get(status_key(item.get("after_sale", "")))
        if closed and status is not None:
            status = closed
        if item.get("sub_order"):
            extra.setdefault("sub_orders", []).append(item["sub_order"])
        if item.get("sku") and item.get("fallback_sku"):
            # The platform's product id beside our code: not the line's code, kept for look-ups.
            extra.setdefault("product_ids", []).append(item["fallback_sku"])
        sku = item.get("sku") or item.get("fallback_sku", "")
        if not sku:
            problems.append(RowProblem(row, external_id, _("缺少商家编码"), item_file))
        elif len(sku) > SKU_CODE_LIMIT:
            problems.append(
                RowProblem(row, external_id, _("商家编码不能超过 %(n)d 个字符") % {"n": SKU_CODE_LIMIT}, item_file)
            )
        qty = take(row, cells.quantity, item.get("quantity", ""), labels["quantity"], file=item_file)
        discount = take(row, cells.money, item.get("line_discount", ""), labels["line_discount"], file=item_file)
        price = _listed_price(item, qty, discount, take=functools.partial(take, row, file=item_file))
        paid = take(row, cells.money, item.get("line_amount", ""), labels["line_amount"], file=item_file)
        if paid is not None:
            paid_total += paid
        if discount is not None:
            line_discounts += discount
        if sku and qty and price is not None:
            lines.append(DraftLine(sku_code=sku, quantity=qty, unit_price=price, title=_title(item)))
    paid_amount = take(head_row, cells.money, top.get("paid_amount", ""), labels["paid_amount"], default=None)
    shipping = take(head_row, cells.money, top.get("shipping_fee", ""), labels["shipping_fee"])
    discount = take(head_row, cells.money, top.get("discount", ""), labels["discount"])
    placed_at = take(head_row, cells.moment, top.get("placed_at", ""), labels["placed_at"])
    paid_at = take(head_row, cells.moment, top.get("paid_at", ""), labels["paid_at"])
    if problems or status is None:
        return result
    result.status = status
    if paid_amount is None and "line_amount" in fmt.columns:
        paid_amount = paid_total  # the rows' amounts are what the buyer paid for them
    data = {"platform": fmt.platform or "", "import": fmt.code, "platform_status": top.get("status", "")}
    if top.get("after_sale"):
        data["after_sale"] = top["after_sale"]
    result.draft = OrderDraft(
        channel=channel,
        external_id=external_id,
        recipient=_recipient(top),
        lines=tuple(lines),
        paid=status != PlatformStatus.UNPAID,
        placed_at=placed_at,
        paid_at=paid_at if status != PlatformStatus.UNPAID else None,
        shipping_fee=shipping or Decimal("0"),
        discount_amount=(discount or Decimal("0")) + line_discounts,
        paid_amount=paid_amount,
        buyer_note=top.get("buyer_note", "")[:500],
        seller_note=top.get("seller_note", "")[:500],
        buyer_nick=top.get("buyer", "")[:100],
        data={**data, **extra},
    )
    return result


def _listed_price(item: dict[str, str], qty: int | None, discount: Decimal | None, *, take) -> Decimal | None:
    """The unit price as listed: the row's price; or its listed total (``list_amount``) over the
    quantity; or what the buyer paid for the row plus the row's shop discount, over the quantity.
    The shop discount is the order's discount, never taken off the price."""
    labels = FIELD_LABELS
    if "unit_price" in item:
        return take(cells.money, item["unit_price"], labels["unit_price"])
    if item.get("list_amount"):
        amount = take(cells.money, item["list_amount"], labels["list_amount"])
    else:
        amount = take(cells.money, item.get("line_amount", ""), labels["line_amount"])
        if amount is not None and discount is not None:
            amount += discount
    return (amount / qty).quantize(Decimal("0.01")) if amount is not None and qty else None


def _title(item: dict[str, str]) -> str:
    """The item title with its variant (商品规格, 商品属性) after it: the order line's description."""
    title, variant = item.get("title", ""), item.get("attributes", "")
    if variant and variant not in title:
        title = f"{title}（{variant}）" if title else variant
    return title[:200]


def _recipient(top: dict[str, str]) -> Recipient:
    province, city, district, street = (top.get(k, "") for k in ("province", "city", "district", "street"))
    if top.get("address") and not (province and city):
        province, city, district, street = cells.split_address(top["address"])
    town = top.get("town", "")
    if town and not street.startswith(town):
        street = f"{town} {street}".strip()
    return Recipient(
        name=top.get("name", "")[:100],
        phone=top.get("phone", "")[:32],
        province=province[:32],
        city=city[:32],
        district=district[:32],
        street=street[:300],
    )
