"""The JD adapter against its fixtures, field by field, and against payloads it must refuse."""

import pytest

from channels.connectors import PayloadInvalid
from channels.connectors import PlatformStatus as S
from tests.channels.connector_helpers import at, check, fixture_names, load, parse

# JD sends the short province name and a full address that starts with province/city/county/town.
HZ = ("王小明", "13812345678", "浙江", "杭州市", "西湖区", "文新街道文三路 90 号东部软件园 2 号楼 301")
CUP = ("A001", 2, "64.00", "316 不锈钢保温杯 500ml 雾霾蓝")

EXPECTED = {
    "paid": dict(
        external_id="301234567890", status=S.PAID, paid=True, recipient=HZ, lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-18 00:00:05"), paid_at=at("2024-06-18 00:00:30"), updated_at=at("2024-06-18 00:00:31"),
        buyer_note="工作日送货", platform_status="WAIT_SELLER_STOCK_OUT",
    ),
    "unpaid": dict(
        external_id="301234567891", status=S.UNPAID, paid=False, recipient=HZ, lines=[CUP],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="128.00",
        placed_at=at("2024-06-18 09:00:00"), paid_at=None, updated_at=at("2024-06-18 09:00:00"),
        platform_status="PAUSE",
    ),
    "multi_line": dict(
        external_id="301234567892", status=S.PAID, paid=True, recipient=HZ,
        lines=[("A001", 1, "64.00"), ("A002", 3, "29.90"), ("A003", 1, "9.00"), ("100012345681", 1, "80.00", "定制刻字服务")],
        shipping_fee="6.00", discount_amount="0.00", paid_amount="248.70",
        placed_at=at("2024-06-18 20:15:09"), paid_at=at("2024-06-18 20:15:30"), updated_at=at("2024-06-18 20:15:31"),
        platform_status="WAIT_SELLER_STOCK_OUT",
    ),
    "gift": dict(
        external_id="301234567893", status=S.PAID, paid=True, recipient=HZ,
        lines=[("A001", 1, "64.00"), ("A005", 1, "0.00", "【赠品】杯刷 1 支")],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="64.00",
        placed_at=at("2024-06-19 10:00:00"), paid_at=at("2024-06-19 10:01:00"), updated_at=at("2024-06-19 10:01:00"),
        platform_status="WAIT_SELLER_STOCK_OUT",
    ),
    "missing_district": dict(
        external_id="301234567894", status=S.PAID, paid=True,
        recipient=("陈志强", "13922334455", "广东", "东莞市", "", "长安镇振安中路 368 号 3 栋 2 楼"), lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-20 08:30:00"), paid_at=at("2024-06-20 08:30:20"), updated_at=at("2024-06-20 08:30:21"),
        platform_status="WAIT_SELLER_STOCK_OUT",
    ),
    "emoji_name": dict(
        # JD's Beijing layout: the district sits in "city" and a ring-road zone in "county".
        external_id="301234567895", status=S.PAID, paid=True,
        recipient=("🌸小雨🌸", "15011112222", "北京", "朝阳区", "三环到四环之间", "建国路 88 号 SOHO 现代城 A 座 1708"), lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-21 21:00:00"), paid_at=at("2024-06-21 21:00:05"), updated_at=at("2024-06-21 21:00:06"),
        buyer_note="麻烦快点发货🙏谢谢", platform_status="WAIT_SELLER_STOCK_OUT",
    ),
    "refunding": dict(
        external_id="301234567896", status=S.REFUNDING, paid=True, recipient=HZ, lines=[CUP, ("A002", 1, "29.90")],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="157.90",
        placed_at=at("2024-06-22 12:00:00"), paid_at=at("2024-06-22 12:00:30"), updated_at=at("2024-06-23 09:45:10"),
        platform_status="LOCKED",
    ),
    "cancelled": dict(
        external_id="301234567897", status=S.CANCELLED, paid=False, recipient=HZ, lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-23 08:00:00"), paid_at=at("2024-06-23 08:00:40"), updated_at=at("2024-06-23 10:00:01"),
        platform_status="TRADE_CANCELED",
    ),
    "masked": dict(
        external_id="301234567898", status=S.PAID, paid=True,
        recipient=("王*", "138****5678", "浙江", "杭州市", "西湖区", "文新街道文三路****"), lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-24 14:20:00"), paid_at=at("2024-06-24 14:20:09"), updated_at=at("2024-06-24 14:20:10"),
        platform_status="WAIT_SELLER_STOCK_OUT",
    ),
    "order_get_envelope": dict(
        # Cash on delivery: shipped and counted as paid, with no payment time yet.
        external_id="301234567899", status=S.SHIPPED, paid=True,
        recipient=("刘芳", "18688889999", "四川", "成都市", "武侯区", "四川省成都市武侯区天府大道北段 1700 号环球中心 E1 区 2 楼"),
        lines=[CUP], shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-25 10:00:00"), paid_at=None, updated_at=at("2024-06-26 16:30:00"),
        tracking=("2087", "JDVA01234567890"), platform_status="WAIT_GOODS_RECEIVE_CONFIRM",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name):
    check(parse("jd", load("jd", name)), EXPECTED[name])


def test_every_fixture_has_expectations():
    assert set(fixture_names("jd")) == set(EXPECTED) | {"malformed"}


def test_malformed_fixture_is_a_search_answer_not_an_order():
    with pytest.raises(PayloadInvalid, match="不是有效的京东订单：缺少字段 orderId"):
        parse("jd", load("jd", "malformed"))


def _paid(**changes):
    order = load("jd", "paid")
    order.update(changes)
    return order


def _item(**changes):
    order = load("jd", "paid")
    order["itemInfoList"][0].update(changes)
    return order


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("order", "内容不是一个订单对象"),
        ({"orderState": "WAIT_SELLER_STOCK_OUT"}, "缺少字段 orderId"),
        (_paid(orderState="NEW_STATE"), "orderState 是无法识别的订单状态：NEW_STATE"),
        (_paid(itemInfoList=[]), "itemInfoList 应当是非空的商品列表"),
        (_paid(itemInfoList=["A001"]), "itemInfoList 应当是非空的商品列表"),
        (_item(itemTotal="0"), r"itemInfoList\[0\].itemTotal 不是正整数数量：0"),
        (_item(jdPrice="abc"), r"itemInfoList\[0\].jdPrice 不是金额：abc"),
        (_item(outerSkuId="", skuId=""), r"itemInfoList\[0\].outerSkuId 为空"),
        (_paid(modified="2024/06/18"), "modified 不是时间：2024/06/18"),
        (_paid(consigneeInfo="王小明 13812345678"), "consigneeInfo 应当是一个对象"),
        ({"jingdong_pop_order_get_responce": {"orderDetailInfo": {}}}, "缺少字段 orderDetailInfo.orderInfo"),
    ],
)
def test_refuses_with_the_field_named(payload, message):
    with pytest.raises(PayloadInvalid, match=message):
        parse("jd", payload)


def test_online_payment_without_a_payment_time_waits_like_unpaid():
    order = _paid(paymentConfirmTime="0001-01-01 00:00:00")
    parsed = parse("jd", order)
    assert parsed.status == S.UNPAID
    assert parsed.draft.paid is False


def test_telephone_is_used_when_there_is_no_mobile():
    order = load("jd", "paid")
    order["consigneeInfo"].update(mobile="", telephone="0571-88888888")
    assert parse("jd", order).draft.recipient.phone == "0571-88888888"
