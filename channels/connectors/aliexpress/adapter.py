"""AliExpress (速卖通): the order of ``aliexpress.solution.order.info.get`` /
``aliexpress.solution.order.get``, and ``aliexpress.solution.order.fulfill``.

Amounts are ``{"amount": "12.99", "currency_code": "USD"}`` and keep their currency (USD unless
the order says otherwise). Times (``gmt_create``, ``gmt_pay_success``, ``gmt_modified``) are
local text in US Pacific time, as AliExpress gives them. ``FINISH`` closes every order: with the
buyer having accepted the goods (``end_reason`` empty or ``buyer_accept_goods…``) it is
completed, with any other end reason (cancelled, pay timeout, not shipped in time, risk
rejection) it was closed. An order in AliExpress's payment risk check (``RISK_CONTROL``) waits
like an unpaid one. A cancellation request, a dispute or a frozen order is a refund in progress.

Item code: ``sku_code`` (the seller's merchant code), else the platform ``product_id``. The
receiver's country and postcode go into the draft's data (our recipient has no such fields).
"""

import zlib
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels.connectors import carriers
from channels.connectors.base import Connector, ParsedOrder, PayloadInvalid, PlatformStatus, PollPage, Request
from channels.connectors.common import (
    PAID_STATUSES,
    Reader,
    discount,
    item_code,
    join_street,
    local_text,
    sample_lines,
    sample_recipient,
    text,
    yuan,
)
from orders.drafts import DraftLine, OrderDraft, Recipient

PACIFIC = ZoneInfo("America/Los_Angeles")
S = PlatformStatus
STATUSES = {
    "PLACE_ORDER_SUCCESS": S.UNPAID,
    "WAIT_SELLER_EXAMINE_MONEY": S.UNPAID,
    "RISK_CONTROL": S.UNPAID,
    "WAIT_SELLER_SEND_GOODS": S.PAID,
    "SELLER_PART_SEND_GOODS": S.PAID,
    "WAIT_BUYER_ACCEPT_GOODS": S.SHIPPED,
    "FUND_PROCESSING": S.COMPLETED,
    "FINISH": S.COMPLETED,
    "IN_CANCEL": S.REFUNDING,
    "IN_ISSUE": S.REFUNDING,
    "IN_FROZEN": S.REFUNDING,
}
SAMPLE_STATUS = {
    S.UNPAID: ("PLACE_ORDER_SUCCESS", ""),
    S.PAID: ("WAIT_SELLER_SEND_GOODS", ""),
    S.REFUNDING: ("IN_CANCEL", ""),
    S.SHIPPED: ("WAIT_BUYER_ACCEPT_GOODS", ""),
    S.COMPLETED: ("FINISH", "buyer_accept_goods"),
    S.CANCELLED: ("FINISH", "buyer_cancel_order"),
}

read = Reader(gettext_lazy("速卖通"))


class AliexpressConnector(Connector):
    platform = "aliexpress"

    def parse(self, payload: dict, *, channel_code: str) -> ParsedOrder:
        order = read.order(payload)
        envelope = order.get("aliexpress_solution_order_info_get_response")
        if isinstance(envelope, dict):
            result = read.obj(envelope, "result", "aliexpress_solution_order_info_get_response.result", required=True)
            order = read.obj(result, "data", "result.data", required=True)
        external_id = read.ident(order, "order_id")
        raw_status = text(read.required(order, "order_status"))
        status = read.status(raw_status, STATUSES, "order_status")
        end_reason = text(order.get("end_reason"))
        if raw_status == "FINISH" and end_reason and not end_reason.startswith("buyer_accept_goods"):
            status = S.CANCELLED
        children = order.get("child_order_list")
        if isinstance(children, dict):
            rows = read.items(children, "global_aeop_tp_child_order_dto", "child_order_list.global_aeop_tp_child_order_dto")
        else:
            rows = read.items(order, "child_order_list")
        lines, currencies = [], set()
        for i, row in enumerate(rows):
            path = f"child_order_list[{i}]"
            code = item_code(row.get("sku_code"), row.get("product_id"))
            if not code:
                raise read.fail(f"{path}.sku_code", _("为空，且没有 product_id"))
            price = read.obj(row, "product_price", f"{path}.product_price", required=True)
            currencies.add(text(price.get("currency_code")))
            lines.append(DraftLine(
                sku_code=code,
                quantity=read.quantity(row, "product_count", f"{path}.product_count"),
                unit_price=read.money(price, "amount", f"{path}.product_price.amount"),
                title=text(row.get("product_name")),
            ))
            if text(row.get("issue_status")) == "IN_ISSUE" and status in (S.PAID, S.SHIPPED, S.COMPLETED):
                status = S.REFUNDING
        total = read.obj(order, "order_amount")
        currency = text(total.get("currency_code")) or next((c for c in sorted(currencies) if c), "USD")
        if currencies - {"", currency}:
            raise read.fail("child_order_list.product_price.currency_code", _("与订单币种 %(currency)s 不一致") % {
                "currency": currency})
        shipping_amount = read.obj(order, "logistics_amount")
        shipping = read.money(shipping_amount, "amount", "logistics_amount.amount", default="0")
        pay = read.obj(order, "pay_amount")
        paid_amount = read.money(pay, "amount", "pay_amount.amount") if text(pay.get("amount")) else None
        goods = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
        address = read.obj(order, "receipt_address")
        mobile, country_code = text(address.get("mobile_no")), text(address.get("phone_country"))
        street = ", ".join(p for p in (text(address.get("detail_address")), text(address.get("address2"))) if p)
        draft = OrderDraft(
            channel=channel_code,
            external_id=external_id,
            recipient=Recipient(
                name=text(address.get("contact_person")),
                phone=f"+{country_code.lstrip('+')} {mobile}" if country_code and mobile else mobile,
                province=text(address.get("province")),
                city=text(address.get("city")),
                district="",
                street=street,
            ),
            lines=tuple(lines),
            paid=status in PAID_STATUSES,
            placed_at=read.local_time(order, "gmt_create", zone=PACIFIC),
            paid_at=read.local_time(order, "gmt_pay_success", zone=PACIFIC),
            shipping_fee=shipping,
            discount_amount=discount(goods, shipping, paid_amount),
            paid_amount=paid_amount,
            currency=currency,
            buyer_note=text(order.get("memo")),
            data={
                "platform": self.platform,
                "platform_status": raw_status if not end_reason else f"{raw_status}:{end_reason}",
                "receiver_country": text(address.get("country")),
                "receiver_zip": text(address.get("zip")),
            },
        )
        return ParsedOrder(draft=draft, status=status,
                           updated_at=read.local_time(order, "gmt_modified", zone=PACIFIC))

    def poll_request(self, *, credentials: dict, cursor: str, page_size: int = 100) -> Request:
        return Request("POST", "/sync", params=_common(credentials, "aliexpress.solution.order.get"), json={
            "param0": {"page_size": page_size, "cursor": cursor, "order_status_list": sorted(STATUSES)},
        })

    def parse_poll_response(self, data: dict, *, cursor: str) -> PollPage:
        result = _result(data, "aliexpress_solution_order_get_response")
        if result.get("success") is False:
            raise PayloadInvalid(_("速卖通拒绝了请求：%(reason)s") % {"reason": text(result.get("error_message"))})
        target = result.get("target_list") or {}
        orders = target.get("order_dto", []) if isinstance(target, dict) else target
        if not isinstance(orders, list):
            raise PayloadInvalid(_("速卖通拉单接口返回的内容无法识别"))
        return PollPage(payloads=orders, next_cursor=text(result.get("next_cursor")) or cursor,
                        has_more=result.get("has_more") is True)

    def shipment_request(self, *, credentials: dict, external_id: str, carrier: str, tracking_number: str) -> Request:
        return Request("POST", "/sync", params=_common(credentials, "aliexpress.solution.order.fulfill"), json={
            "out_ref": external_id,
            "service_name": carriers.platform_code(self.platform, carrier),
            "logistics_no": tracking_number,
            "send_type": "all",
        })

    def check_shipment_response(self, data: dict) -> None:
        result = _result(data, "aliexpress_solution_order_fulfill_response")
        if result.get("result_success") is not True:
            reason = text(result.get("result_error_desc")) or text(result.get("result_error_code"))
            raise PayloadInvalid(_("速卖通拒绝了发货：%(reason)s") % {"reason": reason or str(data)[:200]})

    def sample_payload(self, *, external_id, lines, status=S.PAID, updated_at=None, placed_at=None, paid_at=None,
                       tracking=None, **recipient) -> dict:
        who = sample_recipient(recipient)
        updated_at = updated_at or timezone.now()
        placed_at = placed_at or updated_at
        if status in PAID_STATUSES:
            paid_at = paid_at or placed_at
        rows = sample_lines(lines)
        goods = sum((price * quantity for _c, quantity, price, _t in rows), Decimal("0"))
        order_status, end_reason = SAMPLE_STATUS[status]
        return {
            "order_id": int(external_id) if external_id.isdigit() else external_id,
            "order_status": order_status,
            "end_reason": end_reason,
            "gmt_create": local_text(placed_at, PACIFIC),
            "gmt_pay_success": local_text(paid_at, PACIFIC),
            "gmt_modified": local_text(updated_at, PACIFIC),
            "buyer_login_id": f"us{zlib.crc32(who['name'].encode()):010d}",
            "order_amount": {"amount": yuan(goods), "currency_code": "USD"},
            "logistics_amount": {"amount": "0.00", "currency_code": "USD"},
            "pay_amount": {"amount": yuan(goods), "currency_code": "USD"},
            "memo": "",
            "receipt_address": {
                "contact_person": who["name"],
                "mobile_no": who["phone"],
                "phone_country": "",
                "country": "CN" if any("\u4e00" <= ch <= "\u9fff" for ch in who["province"]) else "US",
                "province": who["province"],
                "city": who["city"],
                "detail_address": join_street(who["district"], who["street"]),
                "address2": "",
                "zip": "000000",
            },
            "child_order_list": [
                {
                    "child_order_id": int(f"{external_id}{i}") if external_id.isdigit() else f"{external_id}-{i}",
                    "product_id": 1005000000000000 + zlib.crc32(code.encode()) % 10000000000,
                    "sku_code": code,
                    "product_name": title,
                    "product_count": quantity,
                    "product_price": {"amount": yuan(price), "currency_code": "USD"},
                    "issue_status": "NO_ISSUE",
                }
                for i, (code, quantity, price, title) in enumerate(rows, start=1)
            ],
        }


def _common(credentials: dict, method: str) -> dict:
    return {
        "method": method,
        "app_key": text(credentials.get("app_key")),
        "session": text(credentials.get("session")),
        "timestamp": str(int(timezone.now().timestamp() * 1000)),
        "format": "json",
        "v": "2.0",
        "sign_method": "sha256",
    }


def _result(data, envelope: str) -> dict:
    error = data.get("error_response") if isinstance(data, dict) else None
    if isinstance(error, dict):
        reason = text(error.get("sub_msg")) or text(error.get("msg")) or text(error.get("code"))
        raise PayloadInvalid(_("速卖通拒绝了请求：%(reason)s") % {"reason": reason})
    body = data.get(envelope) if isinstance(data, dict) else None
    result = body.get("result") if isinstance(body, dict) else None
    if not isinstance(result, dict):
        raise PayloadInvalid(_("速卖通接口返回的内容无法识别"))
    return result


connector = AliexpressConnector()
