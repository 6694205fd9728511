"""Taobao / Tmall (淘宝/天猫): the TOP trade object, as ``taobao.trade.fullinfo.get`` and
``taobao.trades.sold.increment.get`` return it, and ``taobao.logistics.offline.send``.

Item code: ``outer_sku_id`` (the seller's SKU code), else ``outer_iid`` for an item without SKUs,
else the platform ``sku_id``, else ``num_iid``. Times are local text in Asia/Shanghai.
"""

import zlib
from decimal import Decimal

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

S = PlatformStatus
STATUSES = {
    "TRADE_NO_CREATE_PAY": S.UNPAID,
    "WAIT_BUYER_PAY": S.UNPAID,
    "PAY_PENDING": S.UNPAID,
    "WAIT_PRE_AUTH_CONFIRM": S.UNPAID,
    "WAIT_SELLER_SEND_GOODS": S.PAID,
    "PAID_FORBID_CONSIGN": S.PAID,
    "SELLER_CONSIGNED_PART": S.PAID,
    "WAIT_BUYER_CONFIRM_GOODS": S.SHIPPED,
    "TRADE_BUYER_SIGNED": S.SHIPPED,
    "TRADE_FINISHED": S.COMPLETED,
    "TRADE_CLOSED": S.CANCELLED,
    "TRADE_CLOSED_BY_TAOBAO": S.CANCELLED,
}
#: Sub-order refund states that mean a refund is still being decided.
REFUNDS_IN_PROGRESS = {"WAIT_SELLER_AGREE", "WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS"}
SAMPLE_STATUS = {
    S.UNPAID: "WAIT_BUYER_PAY",
    S.PAID: "WAIT_SELLER_SEND_GOODS",
    S.REFUNDING: "WAIT_SELLER_SEND_GOODS",
    S.SHIPPED: "WAIT_BUYER_CONFIRM_GOODS",
    S.COMPLETED: "TRADE_FINISHED",
    S.CANCELLED: "TRADE_CLOSED",
}
TRADE_FIELDS = (
    "tid,tid_str,status,type,created,pay_time,modified,consign_time,end_time,payment,total_fee,post_fee,"
    "discount_fee,receiver_name,receiver_mobile,receiver_phone,receiver_state,receiver_city,receiver_district,"
    "receiver_town,receiver_address,receiver_zip,buyer_message,seller_memo,orders"
)

read = Reader(gettext_lazy("淘宝"))


class TaobaoConnector(Connector):
    platform = "taobao"

    def parse(self, payload: dict, *, channel_code: str) -> ParsedOrder:
        trade = read.order(payload)
        if isinstance(trade.get("trade_fullinfo_get_response"), dict):
            trade = read.obj(trade["trade_fullinfo_get_response"], "trade", "trade_fullinfo_get_response.trade",
                             required=True)
        external_id = text(trade.get("tid_str")) or read.ident(trade, "tid")
        raw_status = read.required(trade, "status")
        status = read.status(raw_status, STATUSES, "status")
        orders = trade.get("orders")
        rows = read.items(orders, "order", "orders.order") if isinstance(orders, dict) else read.items(trade, "orders")
        lines = []
        refunding = False
        for i, row in enumerate(rows):
            path = f"orders.order[{i}]"
            code = item_code(row.get("outer_sku_id"), row.get("outer_iid") if not text(row.get("sku_id")) else "",
                             row.get("sku_id"), row.get("num_iid"))
            if not code:
                raise read.fail(f"{path}.outer_sku_id", _("为空，且没有平台商品编号"))
            lines.append(DraftLine(
                sku_code=code,
                quantity=read.quantity(row, "num", f"{path}.num"),
                unit_price=read.money(row, "price", f"{path}.price"),
                title=text(row.get("title")),
            ))
            refunding |= text(row.get("refund_status")) in REFUNDS_IN_PROGRESS
        if refunding and status in (S.PAID, S.SHIPPED, S.COMPLETED):
            status = S.REFUNDING
        shipping = read.money(trade, "post_fee", default="0")
        paid_amount = read.money(trade, "payment") if text(trade.get("payment")) else None
        goods = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
        draft = OrderDraft(
            channel=channel_code,
            external_id=external_id,
            recipient=Recipient(
                name=text(trade.get("receiver_name")),
                phone=text(trade.get("receiver_mobile")) or text(trade.get("receiver_phone")),
                province=text(trade.get("receiver_state")),
                city=text(trade.get("receiver_city")),
                district=text(trade.get("receiver_district")),
                street=join_street(text(trade.get("receiver_town")), text(trade.get("receiver_address"))),
            ),
            lines=tuple(lines),
            paid=status in PAID_STATUSES,
            placed_at=read.local_time(trade, "created"),
            paid_at=read.local_time(trade, "pay_time"),
            shipping_fee=shipping,
            discount_amount=discount(goods, shipping, paid_amount),
            paid_amount=paid_amount,
            buyer_note=text(trade.get("buyer_message")),
            seller_note=text(trade.get("seller_memo")),
            data={"platform": self.platform, "platform_status": text(raw_status)},
        )
        return ParsedOrder(draft=draft, status=status, updated_at=read.local_time(trade, "modified"))

    def poll_request(self, *, credentials: dict, cursor: str, page_size: int = 100) -> Request:
        return Request("GET", "/router/rest", params={
            **_common(credentials, "taobao.trades.sold.increment.get"),
            "fields": TRADE_FIELDS,
            "use_has_next": "true",
            "page_size": str(page_size),
            "cursor": cursor,
        })

    def parse_poll_response(self, data: dict, *, cursor: str) -> PollPage:
        _raise_error(data)
        body = data.get("trades_sold_increment_get_response") if isinstance(data, dict) else None
        if not isinstance(body, dict):
            raise PayloadInvalid(_("淘宝拉单接口返回的内容无法识别"))
        trades = body.get("trades") or {}
        payloads = trades.get("trade", []) if isinstance(trades, dict) else trades
        if not isinstance(payloads, list):
            raise PayloadInvalid(_("淘宝拉单接口返回的内容无法识别"))
        return PollPage(payloads=payloads, next_cursor=text(body.get("next_cursor")) or cursor,
                        has_more=body.get("has_next") is True)

    def shipment_request(self, *, credentials: dict, external_id: str, carrier: str, tracking_number: str) -> Request:
        return Request("POST", "/router/rest", params={
            **_common(credentials, "taobao.logistics.offline.send"),
            "tid": external_id,
            "out_sid": tracking_number,
            "company_code": carriers.platform_code(self.platform, carrier),
        })

    def check_shipment_response(self, data: dict) -> None:
        _raise_error(data)
        body = data.get("logistics_offline_send_response") if isinstance(data, dict) else None
        shipping = body.get("shipping") if isinstance(body, dict) else None
        if not isinstance(shipping, dict) or shipping.get("is_success") is not True:
            raise PayloadInvalid(_("淘宝没有确认发货：%(body)s") % {"body": str(data)[:200]})

    def sample_payload(self, *, external_id, lines, status=S.PAID, updated_at=None, placed_at=None, paid_at=None,
                       tracking=None, **recipient) -> dict:
        who = sample_recipient(recipient)
        updated_at = updated_at or timezone.now()
        placed_at = placed_at or updated_at
        if status in PAID_STATUSES:
            paid_at = paid_at or placed_at
        rows = sample_lines(lines)
        orders = []
        for i, (code, quantity, price, title) in enumerate(rows, start=1):
            item_id = 600000000000 + zlib.crc32(code.encode()) % 100000000000
            orders.append({
                "oid": f"{external_id}{i:02d}" if external_id.isdigit() else f"{external_id}-{i}",
                "num_iid": item_id,
                "sku_id": str(5000000000000 + zlib.crc32(code.encode("utf-8")[::-1]) % 1000000000000),
                "outer_iid": code.split("-")[0],
                "outer_sku_id": code,
                "title": title,
                "sku_properties_name": "颜色分类:默认",
                "price": yuan(price),
                "num": quantity,
                "total_fee": yuan(price * quantity),
                "payment": yuan(price * quantity),
                "refund_status": "WAIT_SELLER_AGREE" if status == S.REFUNDING and i == 1 else "NO_REFUND",
                "status": SAMPLE_STATUS[status],
            })
        total = sum((price * quantity for _c, quantity, price, _t in rows), Decimal("0"))
        trade = {
            "tid": int(external_id) if external_id.isdigit() else external_id,
            "tid_str": external_id,
            "status": SAMPLE_STATUS[status],
            "type": "fixed",
            "buyer_open_uid": f"AAH{zlib.crc32(who['name'].encode()):010d}",
            "created": local_text(placed_at),
            "pay_time": local_text(paid_at),
            "modified": local_text(updated_at),
            "payment": yuan(total),
            "total_fee": yuan(total),
            "post_fee": "0.00",
            "discount_fee": "0.00",
            "receiver_name": who["name"],
            "receiver_mobile": who["phone"],
            "receiver_state": who["province"],
            "receiver_city": who["city"],
            "receiver_district": who["district"],
            "receiver_town": "",
            "receiver_address": who["street"],
            "receiver_zip": "000000",
            "buyer_message": "",
            "seller_memo": "",
            "orders": {"order": orders},
        }
        if status in (S.SHIPPED, S.COMPLETED):
            trade["consign_time"] = local_text(updated_at)
        return trade


def _common(credentials: dict, method: str) -> dict:
    return {
        "method": method,
        "app_key": text(credentials.get("app_key")),
        "session": text(credentials.get("session")),
        "timestamp": local_text(timezone.now()),
        "format": "json",
        "v": "2.0",
        "sign_method": "hmac-sha256",
    }


def _raise_error(data) -> None:
    """TOP answers a refused call with ``error_response``: its message goes to the person."""
    error = data.get("error_response") if isinstance(data, dict) else None
    if isinstance(error, dict):
        reason = text(error.get("sub_msg")) or text(error.get("msg")) or text(error.get("code"))
        raise PayloadInvalid(_("淘宝拒绝了请求：%(reason)s") % {"reason": reason})


connector = TaobaoConnector()
