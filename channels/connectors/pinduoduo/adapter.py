"""Pinduoduo (拼多多): the order object of ``pdd.order.information.get`` and
``pdd.order.number.list.increment.get``, and ``pdd.logistics.online.send``.

Pinduoduo shows no unpaid orders; an order not yet a deal (``confirm_status`` 0, e.g. a group
still forming) waits like an unpaid one. ``confirm_status`` 2 or a completed refund
(``refund_status`` 4) is closed; ``refund_status`` 2/3 is a refund in progress; otherwise
``order_status`` 1/2/3 is paid/shipped/completed. Receiver name and phone come masked outside
the shipping window (``刘**``, ``138****6789``) and are kept as sent.

Item code: ``outer_id`` (the seller's SKU code), else the platform ``sku_id``. Amounts are yuan,
times local text in Asia/Shanghai.
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
    local_text,
    sample_lines,
    sample_recipient,
    strip_prefixes,
    text,
    yuan,
)
from orders.drafts import DraftLine, OrderDraft, Recipient

S = PlatformStatus
ORDER_STATUSES = {"1": S.PAID, "2": S.SHIPPED, "3": S.COMPLETED}
REFUND_STATUSES = {"1": None, "2": S.REFUNDING, "3": S.REFUNDING, "4": S.CANCELLED}
CONFIRM_STATUSES = {"0": S.UNPAID, "1": None, "2": S.CANCELLED}
#: status → (order_status, refund_status, confirm_status)
SAMPLE_STATUS = {
    S.UNPAID: (1, 1, 0),
    S.PAID: (1, 1, 1),
    S.REFUNDING: (1, 3, 1),
    S.SHIPPED: (2, 1, 1),
    S.COMPLETED: (3, 1, 1),
    S.CANCELLED: (1, 4, 1),
}

read = Reader(gettext_lazy("拼多多"))


class PinduoduoConnector(Connector):
    platform = "pinduoduo"

    def parse(self, payload: dict, *, channel_code: str) -> ParsedOrder:
        order = read.order(payload)
        if isinstance(order.get("order_info_get_response"), dict):
            order = read.obj(order["order_info_get_response"], "order_info", "order_info_get_response.order_info",
                             required=True)
        external_id = read.ident(order, "order_sn")
        status = read.status(read.required(order, "order_status"), ORDER_STATUSES, "order_status")
        refund = read.status(order.get("refund_status", 1), REFUND_STATUSES, "refund_status")
        confirm = read.status(order.get("confirm_status", 1), CONFIRM_STATUSES, "confirm_status")
        status = confirm or refund or status
        raw_status = "order_status={},refund_status={},confirm_status={}".format(
            text(order.get("order_status")), text(order.get("refund_status", 1)), text(order.get("confirm_status", 1))
        )
        lines = []
        for i, row in enumerate(read.items(order, "item_list")):
            path = f"item_list[{i}]"
            code = item_code(row.get("outer_id"), row.get("sku_id"))
            if not code:
                raise read.fail(f"{path}.outer_id", _("为空，且没有 sku_id"))
            lines.append(DraftLine(
                sku_code=code,
                quantity=read.quantity(row, "goods_count", f"{path}.goods_count"),
                unit_price=read.money(row, "goods_price", f"{path}.goods_price"),
                title=text(row.get("goods_name")),
            ))
        province, city, town = text(order.get("province")), text(order.get("city")), text(order.get("town"))
        street = text(order.get("receiver_address")) or strip_prefixes(text(order.get("address")), province, city, town)
        shipping = read.money(order, "postage", default="0")
        paid_amount = read.money(order, "pay_amount") if text(order.get("pay_amount")) else None
        goods = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
        draft = OrderDraft(
            channel=channel_code,
            external_id=external_id,
            recipient=Recipient(name=text(order.get("receiver_name")), phone=text(order.get("receiver_phone")),
                                province=province, city=city, district=town, street=street),
            lines=tuple(lines),
            paid=status in PAID_STATUSES,
            placed_at=read.local_time(order, "created_time"),
            paid_at=read.local_time(order, "pay_time"),
            promised_ship_at=read.local_time(order, "last_ship_time"),
            shipping_fee=shipping,
            discount_amount=discount(goods, shipping, paid_amount),
            paid_amount=paid_amount,
            buyer_note=text(order.get("buyer_memo")),
            seller_note=text(order.get("remark")),
            data={"platform": self.platform, "platform_status": raw_status},
        )
        tracking = None
        if status in (S.SHIPPED, S.COMPLETED) and text(order.get("tracking_number")):
            tracking = (text(order.get("logistics_id")), text(order.get("tracking_number")))
        return ParsedOrder(draft=draft, status=status, updated_at=read.local_time(order, "updated_at"),
                           tracking=tracking)

    def poll_request(self, *, credentials: dict, cursor: str, page_size: int = 100) -> Request:
        return Request("POST", "/api/router", json={
            **_common(credentials, "pdd.order.number.list.increment.get"),
            "is_lucky_flag": 0,
            "order_status": 5,
            "refund_status": 5,
            "page_size": page_size,
            "use_has_next": True,
            "cursor": cursor,
        })

    def parse_poll_response(self, data: dict, *, cursor: str) -> PollPage:
        _raise_error(data)
        body = data.get("order_sn_increment_get_response") if isinstance(data, dict) else None
        if not isinstance(body, dict) or not isinstance(body.get("order_sn_list", []), list):
            raise PayloadInvalid(_("拼多多拉单接口返回的内容无法识别"))
        return PollPage(payloads=body.get("order_sn_list", []), next_cursor=text(body.get("next_cursor")) or cursor,
                        has_more=body.get("has_next") is True)

    def shipment_request(self, *, credentials: dict, external_id: str, carrier: str, tracking_number: str) -> Request:
        return Request("POST", "/api/router", json={
            **_common(credentials, "pdd.logistics.online.send"),
            "order_sn": external_id,
            "logistics_id": carriers.platform_code(self.platform, carrier),
            "tracking_number": tracking_number,
        })

    def check_shipment_response(self, data: dict) -> None:
        _raise_error(data)
        body = data.get("logistics_online_send_response") if isinstance(data, dict) else None
        if not isinstance(body, dict) or body.get("is_success") is not True:
            raise PayloadInvalid(_("拼多多没有确认发货：%(body)s") % {"body": str(data)[:200]})

    def sample_payload(self, *, external_id, lines, status=S.PAID, updated_at=None, placed_at=None, paid_at=None,
                       tracking=None, **recipient) -> dict:
        who = sample_recipient(recipient)
        updated_at = updated_at or timezone.now()
        placed_at = placed_at or updated_at
        if status in PAID_STATUSES or status == S.UNPAID:  # a forming group has paid already
            paid_at = paid_at or placed_at
        rows = sample_lines(lines)
        goods = sum((price * quantity for _c, quantity, price, _t in rows), Decimal("0"))
        order_status, refund_status, confirm_status = SAMPLE_STATUS[status]
        city = "" if who["city"] == who["province"] else who["city"]
        company = carriers.platform_code(self.platform, tracking[0]) if tracking else ""
        return {
            "order_sn": external_id,
            "order_status": order_status,
            "refund_status": refund_status,
            "confirm_status": confirm_status,
            "group_status": 0 if status == S.UNPAID else 1,
            "after_sales_status": 0,
            "trade_type": 0,
            "created_time": local_text(placed_at),
            "confirm_time": local_text(paid_at) if confirm_status == 1 else "",
            "pay_time": local_text(paid_at),
            "updated_at": local_text(updated_at),
            "shipping_time": local_text(updated_at) if status in (S.SHIPPED, S.COMPLETED) else "",
            "receiver_name": who["name"],
            "receiver_phone": who["phone"],
            "country": "中国",
            "province": who["province"],
            "city": who["city"],
            "town": who["district"],
            "address": f"{who['province']}{city}{who['district']}{who['street']}",
            "receiver_address": who["street"],
            "goods_amount": yuan(goods),
            "discount_amount": "0.00",
            "pay_amount": yuan(goods),
            "postage": "0.00",
            "buyer_memo": "",
            "remark": "",
            "pay_type": "WEIXIN",
            "tracking_number": tracking[1] if tracking else "",
            "logistics_id": int(company) if company.isdigit() else 0,
            "item_list": [
                {
                    "goods_id": 300000000000 + zlib.crc32(code.encode()) % 100000000000,
                    "sku_id": 1000000000000 + zlib.crc32(code.encode()[::-1]) % 1000000000000,
                    "outer_id": code,
                    "outer_goods_id": code.split("-")[0],
                    "goods_name": title,
                    "goods_price": float(price),
                    "goods_spec": "默认",
                    "goods_count": quantity,
                }
                for code, quantity, price, title in rows
            ],
        }


def _common(credentials: dict, method: str) -> dict:
    return {
        "type": method,
        "client_id": text(credentials.get("client_id")),
        "access_token": text(credentials.get("access_token")),
        "timestamp": str(int(timezone.now().timestamp())),
        "data_type": "JSON",
    }


def _raise_error(data) -> None:
    error = data.get("error_response") if isinstance(data, dict) else None
    if isinstance(error, dict):
        reason = text(error.get("sub_msg")) or text(error.get("error_msg")) or text(error.get("error_code"))
        raise PayloadInvalid(_("拼多多拒绝了请求：%(reason)s") % {"reason": reason})


connector = PinduoduoConnector()
