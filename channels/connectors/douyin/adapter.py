"""Douyin shop (抖店): the shop order of ``order.orderDetail`` / ``order.searchList``, and
``order.logisticsAdd``.

Amounts are integers in fen and become yuan exactly (5990 → 59.90); times are Unix seconds.
Receiver name, phone and address detail may arrive encrypted (``#…#``); the masked forms
(``mask_post_*``) are used then. A sku order in after-sales (``after_sale_status`` 6/7/11:
applied, returning, returned) makes the order refunding.

Item code: ``code`` (the seller's code set in the Douyin back office), else ``out_sku_id``,
else the platform ``sku_id``.
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
    sample_lines,
    sample_recipient,
    text,
    to_fen,
)
from orders.drafts import DraftLine, OrderDraft, Recipient

S = PlatformStatus
STATUSES = {
    "1": S.UNPAID,
    "103": S.UNPAID,
    "105": S.PAID,
    "2": S.PAID,
    "101": S.PAID,
    "3": S.SHIPPED,
    "5": S.COMPLETED,
    "4": S.CANCELLED,
    "21": S.CANCELLED,
    "22": S.CANCELLED,
    "39": S.CANCELLED,
}
DESCRIPTIONS = {1: "待支付", 2: "备货中", 3: "已发货", 4: "已取消", 5: "已完成"}
SAMPLE_STATUS = {S.UNPAID: 1, S.PAID: 2, S.REFUNDING: 2, S.SHIPPED: 3, S.COMPLETED: 5, S.CANCELLED: 4}
AFTER_SALE_IN_PROGRESS = {"6", "7", "11"}
SUCCESS = "10000"

read = Reader(gettext_lazy("抖音"))


def _plain(value) -> str:
    """A receiver field unless it is one of Douyin's encrypted strings."""
    value = text(value)
    return "" if value.startswith(("#", "$", "~")) else value


class DouyinConnector(Connector):
    platform = "douyin"

    def parse(self, payload: dict, *, channel_code: str) -> ParsedOrder:
        order = read.order(payload)
        if isinstance(order.get("data"), dict) and "shop_order_detail" in order["data"]:
            order = read.obj(order["data"], "shop_order_detail", "data.shop_order_detail", required=True)
        external_id = read.ident(order, "order_id")
        raw_status = read.required(order, "order_status")
        status = read.status(raw_status, STATUSES, "order_status")
        lines = []
        refunding = False
        for i, row in enumerate(read.items(order, "sku_order_list")):
            path = f"sku_order_list[{i}]"
            code = item_code(row.get("code"), row.get("out_sku_id"), row.get("sku_id"))
            if not code:
                raise read.fail(f"{path}.code", _("为空，且没有 sku_id"))
            lines.append(DraftLine(
                sku_code=code,
                quantity=read.quantity(row, "item_num", f"{path}.item_num"),
                unit_price=read.fen(row, "origin_amount", f"{path}.origin_amount"),
                title=text(row.get("product_name")),
            ))
            after_sale = row.get("after_sale_info") if isinstance(row.get("after_sale_info"), dict) else {}
            refunding |= text(after_sale.get("after_sale_status")) in AFTER_SALE_IN_PROGRESS
        if refunding and status in (S.PAID, S.SHIPPED, S.COMPLETED):
            status = S.REFUNDING
        addr = read.obj(order, "post_addr")
        masked = read.obj(order, "mask_post_addr")
        detail = _plain(addr.get("detail")) or text(masked.get("detail"))
        shipping = read.fen(order, "post_amount", default=0)
        paid_amount = read.fen(order, "pay_amount") if order.get("pay_amount") not in (None, "") else None
        goods = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
        draft = OrderDraft(
            channel=channel_code,
            external_id=external_id,
            recipient=Recipient(
                name=_plain(order.get("post_receiver")) or text(order.get("mask_post_receiver")),
                phone=_plain(order.get("post_tel")) or text(order.get("mask_post_tel")),
                province=_name(addr, "province"),
                city=_name(addr, "city"),
                district=_name(addr, "town"),
                street=join_street(_name(addr, "street"), detail),
            ),
            lines=tuple(lines),
            paid=status in PAID_STATUSES,
            placed_at=read.epoch_time(order, "create_time"),
            paid_at=read.epoch_time(order, "pay_time"),
            promised_ship_at=read.epoch_time(order, "exp_ship_time"),
            shipping_fee=shipping,
            discount_amount=discount(goods, shipping, paid_amount),
            paid_amount=paid_amount,
            buyer_note=text(order.get("buyer_words")),
            seller_note=text(order.get("seller_words")),
            data={"platform": self.platform, "platform_status": text(raw_status)},
        )
        tracking = None
        logistics = order.get("logistics_info")
        if status in (S.SHIPPED, S.COMPLETED) and isinstance(logistics, list) and logistics:
            first = logistics[0] if isinstance(logistics[0], dict) else {}
            if text(first.get("tracking_no")):
                tracking = (text(first.get("company")), text(first.get("tracking_no")))
        return ParsedOrder(draft=draft, status=status, updated_at=read.epoch_time(order, "update_time"),
                           tracking=tracking)

    def poll_request(self, *, credentials: dict, cursor: str, page_size: int = 100) -> Request:
        return Request("POST", "/order/searchList", params=_common(credentials, "order.searchList"), json={
            "size": page_size,
            "order_by": "update_time",
            "order_asc": True,
            "cursor": cursor,
        })

    def parse_poll_response(self, data: dict, *, cursor: str) -> PollPage:
        body = _data(data)
        orders = body.get("shop_order_list", [])
        if not isinstance(orders, list):
            raise PayloadInvalid(_("抖音拉单接口返回的内容无法识别"))
        return PollPage(payloads=orders, next_cursor=text(body.get("next_cursor")) or cursor,
                        has_more=body.get("has_more") is True)

    def shipment_request(self, *, credentials: dict, external_id: str, carrier: str, tracking_number: str) -> Request:
        return Request("POST", "/order/logisticsAdd", params=_common(credentials, "order.logisticsAdd"), json={
            "order_id": external_id,
            "company_code": carriers.platform_code(self.platform, carrier),
            "logistics_code": tracking_number,
        })

    def check_shipment_response(self, data: dict) -> None:
        _data(data)

    def sample_payload(self, *, external_id, lines, status=S.PAID, updated_at=None, placed_at=None, paid_at=None,
                       tracking=None, **recipient) -> dict:
        who = sample_recipient(recipient)
        updated_at = updated_at or timezone.now()
        placed_at = placed_at or updated_at
        if status in PAID_STATUSES:
            paid_at = paid_at or placed_at
        rows = sample_lines(lines)
        goods = sum(to_fen(price) * quantity for _c, quantity, price, _t in rows)
        code = SAMPLE_STATUS[status]
        shipped = status in (S.SHIPPED, S.COMPLETED)
        return {
            "order_id": external_id,
            "shop_id": 4463798,
            "shop_name": "抖音旗舰店",
            "order_status": code,
            "order_status_desc": DESCRIPTIONS[code],
            "main_status": code,
            "create_time": int(placed_at.timestamp()),
            "pay_time": int(paid_at.timestamp()) if paid_at else 0,
            "update_time": int(updated_at.timestamp()),
            "ship_time": int(updated_at.timestamp()) if shipped else 0,
            "finish_time": int(updated_at.timestamp()) if status == S.COMPLETED else 0,
            "order_amount": goods,
            "pay_amount": goods,
            "post_amount": 0,
            "promotion_amount": 0,
            "post_receiver": who["name"],
            "post_tel": who["phone"],
            "post_addr": {
                "province": {"name": who["province"], "id": ""},
                "city": {"name": who["city"], "id": ""},
                "town": {"name": who["district"], "id": ""},
                "street": {"name": "", "id": ""},
                "detail": who["street"],
            },
            "buyer_words": "",
            "seller_words": "",
            "logistics_info": [{
                "tracking_no": tracking[1],
                "company": carriers.platform_code(self.platform, tracking[0]),
                "company_name": tracking[0],
                "ship_time": int(updated_at.timestamp()),
            }] if tracking else [],
            "sku_order_list": [
                {
                    "order_id": f"{external_id}{i}" if external_id.isdigit() else f"{external_id}-{i}",
                    "parent_order_id": external_id,
                    "code": code_,
                    "sku_id": 1700000000000 + zlib.crc32(code_.encode()) % 100000000000,
                    "product_id": 3500000000000000000 + zlib.crc32(code_.encode()[::-1]),
                    "out_sku_id": "",
                    "product_name": title,
                    "item_num": quantity,
                    "origin_amount": to_fen(price),
                    "sum_amount": to_fen(price) * quantity,
                    "order_status": code,
                    "after_sale_info": {
                        "after_sale_status": 6 if status == S.REFUNDING and i == 1 else 0,
                        "after_sale_type": 2 if status == S.REFUNDING and i == 1 else 0,
                        "refund_status": 1 if status == S.REFUNDING and i == 1 else 0,
                    },
                }
                for i, (code_, quantity, price, title) in enumerate(rows, start=1)
            ],
        }


def _name(addr: dict, level: str) -> str:
    part = addr.get(level)
    return text(part.get("name")) if isinstance(part, dict) else text(part)


def _common(credentials: dict, method: str) -> dict:
    return {
        "method": method,
        "app_key": text(credentials.get("app_key")),
        "access_token": text(credentials.get("access_token")),
        "timestamp": str(int(timezone.now().timestamp())),
        "v": "2",
    }


def _data(data) -> dict:
    """The ``data`` of a successful answer (``code`` 10000); the platform's reason otherwise."""
    if not isinstance(data, dict) or "code" not in data:
        raise PayloadInvalid(_("抖音接口返回的内容无法识别"))
    if text(data.get("code")) != SUCCESS:
        reason = text(data.get("sub_msg")) or text(data.get("msg")) or text(data.get("code"))
        raise PayloadInvalid(_("抖音拒绝了请求：%(reason)s") % {"reason": reason})
    body = data.get("data")
    return body if isinstance(body, dict) else {}


connector = DouyinConnector()
