"""JD POP (京东): the ``orderInfo`` object of ``jingdong.pop.order.search`` / ``jingdong.pop.order.get``,
and ``jingdong.pop.order.shipment``. JD spells its response envelopes ``…_responce``.

Item code: ``outerSkuId`` (the seller's SKU code), else the platform ``skuId``. The street is
``consigneeInfo.fullAddress`` without its leading province/city/county/town. Times are local text
in Asia/Shanghai; ``0001-01-01 00:00:00`` means none. Cash on delivery (``payType`` 1) counts as
paid: it is to be shipped. An online-paid order without a payment time, and a paused order
(``PAUSE``/``POP_ORDER_PAUSE``), wait like unpaid ones.
"""

import json
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
    strip_prefixes,
    text,
    yuan,
)
from orders.drafts import DraftLine, OrderDraft, Recipient

S = PlatformStatus
STATUSES = {
    "PAUSE": S.UNPAID,
    "POP_ORDER_PAUSE": S.UNPAID,
    "WAIT_SELLER_STOCK_OUT": S.PAID,
    "WAIT_SELLER_DELIVERY": S.PAID,
    "WAIT_SEND_CODE": S.PAID,
    "WAIT_GOODS_RECEIVE_CONFIRM": S.SHIPPED,
    "FINISHED_L": S.COMPLETED,
    "TRADE_CANCELED": S.CANCELLED,
    #: JD locks an order while the buyer's cancellation request is decided; a return in delivery.
    "LOCKED": S.REFUNDING,
    "DELIVERY_RETURN": S.REFUNDING,
}
SAMPLE_STATUS = {
    S.UNPAID: ("PAUSE", "暂停"),
    S.PAID: ("WAIT_SELLER_STOCK_OUT", "等待出库"),
    S.REFUNDING: ("LOCKED", "已锁定"),
    S.SHIPPED: ("WAIT_GOODS_RECEIVE_CONFIRM", "等待确认收货"),
    S.COMPLETED: ("FINISHED_L", "完成"),
    S.CANCELLED: ("TRADE_CANCELED", "取消"),
}
ONLINE_PAYMENT = "4"
NO_TIME = "0001-01-01 00:00:00"
ALL_STATES = ",".join(STATUSES)
OPTIONAL_FIELDS = (
    "orderId,venderId,orderType,payType,orderTotalPrice,orderSellerPrice,orderPayment,freightPrice,sellerDiscount,"
    "orderState,orderStateRemark,orderRemark,venderRemark,orderStartTime,orderEndTime,paymentConfirmTime,modified,"
    "consigneeInfo,itemInfoList,waybill,logisticsId"
)

read = Reader(gettext_lazy("京东"))


class JdConnector(Connector):
    platform = "jd"

    def parse(self, payload: dict, *, channel_code: str) -> ParsedOrder:
        order = read.order(payload)
        envelope = order.get("jingdong_pop_order_get_responce")
        if isinstance(envelope, dict):
            detail = read.obj(envelope, "orderDetailInfo", "orderDetailInfo", required=True)
            order = read.obj(detail, "orderInfo", "orderDetailInfo.orderInfo", required=True)
        external_id = read.ident(order, "orderId")
        raw_status = text(read.required(order, "orderState"))
        status = read.status(raw_status, STATUSES, "orderState")
        paid_at = read.local_time(order, "paymentConfirmTime")
        pay_type = text(order.get("payType")).split("-")[0]
        if status == S.PAID and pay_type == ONLINE_PAYMENT and paid_at is None:
            status = S.UNPAID
        lines = []
        for i, row in enumerate(read.items(order, "itemInfoList")):
            path = f"itemInfoList[{i}]"
            code = item_code(row.get("outerSkuId"), row.get("skuId"))
            if not code:
                raise read.fail(f"{path}.outerSkuId", _("为空，且没有 skuId"))
            lines.append(DraftLine(
                sku_code=code,
                quantity=read.quantity(row, "itemTotal", f"{path}.itemTotal"),
                unit_price=read.money(row, "jdPrice", f"{path}.jdPrice"),
                title=text(row.get("skuName")),
            ))
        who = read.obj(order, "consigneeInfo")
        province, city, county, town = (text(who.get(k)) for k in ("province", "city", "county", "town"))
        shipping = read.money(order, "freightPrice", default="0")
        paid_amount = read.money(order, "orderPayment") if text(order.get("orderPayment")) else None
        goods = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
        draft = OrderDraft(
            channel=channel_code,
            external_id=external_id,
            recipient=Recipient(
                name=text(who.get("fullname")),
                phone=text(who.get("mobile")) or text(who.get("telephone")),
                province=province,
                city=city,
                district=county,
                street=join_street(town, strip_prefixes(text(who.get("fullAddress")), province, city, county, town)),
            ),
            lines=tuple(lines),
            paid=status in PAID_STATUSES,
            placed_at=read.local_time(order, "orderStartTime"),
            paid_at=paid_at,
            shipping_fee=shipping,
            discount_amount=discount(goods, shipping, paid_amount),
            paid_amount=paid_amount,
            buyer_note=text(order.get("orderRemark")),
            seller_note=text(order.get("venderRemark")),
            data={"platform": self.platform, "platform_status": raw_status},
        )
        tracking = None
        if status in (S.SHIPPED, S.COMPLETED) and text(order.get("waybill")):
            tracking = (text(order.get("logisticsId")), text(order.get("waybill")))
        return ParsedOrder(draft=draft, status=status, updated_at=read.local_time(order, "modified"), tracking=tracking)

    def poll_request(self, *, credentials: dict, cursor: str, page_size: int = 100) -> Request:
        return Request("POST", "/routerjson", params=_common(credentials, "jingdong.pop.order.search", {
            "order_state": ALL_STATES,
            "optional_fields": OPTIONAL_FIELDS,
            "page_size": str(page_size),
            "sort_type": 1,
            "date_type": 1,
            "cursor": cursor,
        }))

    def parse_poll_response(self, data: dict, *, cursor: str) -> PollPage:
        _raise_error(data)
        body = data.get("jingdong_pop_order_search_responce") if isinstance(data, dict) else None
        result = body.get("searchorderinfo_result") if isinstance(body, dict) else None
        if not isinstance(result, dict) or not isinstance(result.get("orderInfoList", []), list):
            raise PayloadInvalid(_("京东拉单接口返回的内容无法识别"))
        api_result = result.get("apiResult") or {}
        if api_result.get("success") is False:
            raise PayloadInvalid(_("京东拒绝了请求：%(reason)s") % {"reason": text(api_result.get("chineseErrCode"))})
        return PollPage(payloads=result.get("orderInfoList", []), next_cursor=text(result.get("next_cursor")) or cursor,
                        has_more=result.get("has_more") is True)

    def shipment_request(self, *, credentials: dict, external_id: str, carrier: str, tracking_number: str) -> Request:
        return Request("POST", "/routerjson", params=_common(credentials, "jingdong.pop.order.shipment", {
            "orderId": external_id,
            "logiCoprId": carriers.platform_code(self.platform, carrier),
            "logiNo": tracking_number,
        }))

    def check_shipment_response(self, data: dict) -> None:
        _raise_error(data)
        body = data.get("jingdong_pop_order_shipment_responce") if isinstance(data, dict) else None
        result = body.get("sopjosshipment_result") if isinstance(body, dict) else None
        if not isinstance(result, dict):
            raise PayloadInvalid(_("京东没有确认发货：%(body)s") % {"body": str(data)[:200]})
        if result.get("success") is not True:
            reason = text(result.get("chineseErrCode")) or text(result.get("errorCode"))
            raise PayloadInvalid(_("京东拒绝了发货：%(reason)s") % {"reason": reason})

    def sample_payload(self, *, external_id, lines, status=S.PAID, updated_at=None, placed_at=None, paid_at=None,
                       tracking=None, **recipient) -> dict:
        who = sample_recipient(recipient)
        updated_at = updated_at or timezone.now()
        placed_at = placed_at or updated_at
        if status in PAID_STATUSES:
            paid_at = paid_at or placed_at
        rows = sample_lines(lines)
        total = sum((price * quantity for _c, quantity, price, _t in rows), Decimal("0"))
        state, remark = SAMPLE_STATUS[status]
        city = "" if who["city"] == who["province"] else who["city"]
        return {
            "orderId": external_id,
            "venderId": "10023456",
            "orderType": "22",
            "payType": "4-在线支付",
            "orderTotalPrice": yuan(total),
            "orderSellerPrice": yuan(total),
            "orderPayment": yuan(total),
            "freightPrice": "0.00",
            "sellerDiscount": "0.00",
            "orderState": state,
            "orderStateRemark": remark,
            "deliveryType": "任意时间",
            "invoiceInfo": "不需要开具发票",
            "orderRemark": "",
            "venderRemark": "",
            "orderStartTime": local_text(placed_at),
            "orderEndTime": local_text(updated_at) if status in (S.COMPLETED, S.CANCELLED) else NO_TIME,
            "paymentConfirmTime": local_text(paid_at) or NO_TIME,
            "modified": local_text(updated_at),
            "consigneeInfo": {
                "fullname": who["name"],
                "telephone": "",
                "mobile": who["phone"],
                "fullAddress": f"{who['province']}{city}{who['district']}{who['street']}",
                "province": who["province"],
                "city": who["city"],
                "county": who["district"],
                "town": "",
            },
            "itemInfoList": [
                {
                    "skuId": str(10000000000 + zlib.crc32(code.encode()) % 90000000000),
                    "outerSkuId": code,
                    "skuName": title,
                    "jdPrice": yuan(price),
                    "giftPoint": "0",
                    "wareId": str(100000000 + zlib.crc32(code.encode()[::-1]) % 900000000),
                    "itemTotal": str(quantity),
                    "productNo": "",
                }
                for code, quantity, price, title in rows
            ],
            "waybill": tracking[1] if tracking else "",
            "logisticsId": carriers.platform_code(self.platform, tracking[0]) if tracking else "",
            "returnOrder": "0",
        }


def _common(credentials: dict, method: str, business: dict) -> dict:
    return {
        "method": method,
        "app_key": text(credentials.get("app_key")),
        "access_token": text(credentials.get("access_token")),
        "timestamp": local_text(timezone.now()),
        "v": "2.0",
        "360buy_param_json": json.dumps(business, ensure_ascii=False, separators=(",", ":")),
    }


def _raise_error(data) -> None:
    error = data.get("error_response") if isinstance(data, dict) else None
    if isinstance(error, dict):
        reason = text(error.get("zh_desc")) or text(error.get("en_desc")) or text(error.get("code"))
        raise PayloadInvalid(_("京东拒绝了请求：%(reason)s") % {"reason": reason})


connector = JdConnector()
