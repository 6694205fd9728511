"""The Taobao adapter against its fixtures, field by field, and against payloads it must refuse."""

import pytest

from channels.connectors import PayloadInvalid
from channels.connectors import PlatformStatus as S
from tests.channels.connector_helpers import at, check, fixture_names, load, parse

HZ = ("王小明", "13812345678", "浙江省", "杭州市", "西湖区", "文新街道文三路 90 号东部软件园 2 号楼 301")
CUP = ("A001", 2, "64.00", "316 不锈钢保温杯 500ml")

EXPECTED = {
    "paid": dict(
        external_id="3847562910384756123", status=S.PAID, paid=True, recipient=HZ, lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-11-11 00:00:03"), paid_at=at("2024-11-11 00:00:41"), updated_at=at("2024-11-11 00:00:42"),
        buyer_note="请周末送货", platform_status="WAIT_SELLER_SEND_GOODS",
    ),
    "unpaid": dict(
        external_id="3847562911384756124", status=S.UNPAID, paid=False, recipient=HZ, lines=[CUP],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="128.00",
        placed_at=at("2024-11-11 09:12:00"), paid_at=None, updated_at=at("2024-11-11 09:12:00"),
        platform_status="WAIT_BUYER_PAY",
    ),
    "multi_line": dict(
        # A003 has no SKUs (outer_iid is the code); the engraving line has no seller code at all.
        external_id="3847562912384756125", status=S.PAID, paid=True, recipient=HZ,
        lines=[("A001", 1, "64.00"), ("A002", 3, "29.90", "儿童吸管杯 带刻度 350ml"), ("A003", 1, "9.00"),
               ("5012345678904", 1, "80.00", "定制刻字服务")],
        shipping_fee="8.00", discount_amount="0.00", paid_amount="250.70",
        placed_at=at("2024-11-12 20:15:09"), paid_at=at("2024-11-12 20:15:30"), updated_at=at("2024-11-12 20:15:31"),
        platform_status="WAIT_SELLER_SEND_GOODS",
    ),
    "gift": dict(
        external_id="3847562913384756126", status=S.PAID, paid=True, recipient=HZ,
        lines=[("A001", 1, "64.00"), ("A005", 1, "0.00", "【赠品】杯刷 1 支")],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="64.00",
        placed_at=at("2024-11-13 10:00:00"), paid_at=at("2024-11-13 10:01:00"), updated_at=at("2024-11-13 10:01:00"),
        platform_status="WAIT_SELLER_SEND_GOODS",
    ),
    "missing_district": dict(
        external_id="3847562914384756127", status=S.PAID, paid=True,
        recipient=("陈志强", "13922334455", "广东省", "东莞市", "", "长安镇振安中路 368 号 3 栋 2 楼"), lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-11-14 08:30:00"), paid_at=at("2024-11-14 08:30:20"), updated_at=at("2024-11-14 08:30:21"),
        platform_status="WAIT_SELLER_SEND_GOODS",
    ),
    "emoji_name": dict(
        external_id="3847562915384756128", status=S.PAID, paid=True,
        recipient=("🌸小雨🌸", "15011112222", "北京市", "北京市", "朝阳区", "建国路 88 号 SOHO 现代城 A 座 1708"), lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-11-15 21:00:00"), paid_at=at("2024-11-15 21:00:05"), updated_at=at("2024-11-15 21:00:06"),
        buyer_note="麻烦快点发货🙏谢谢", platform_status="WAIT_SELLER_SEND_GOODS",
    ),
    "refunding": dict(
        # The trade still waits for shipment; one sub-order's refund is being decided.
        external_id="3847562916384756129", status=S.REFUNDING, paid=True, recipient=HZ,
        lines=[CUP, ("A002", 1, "29.90")],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="157.90",
        placed_at=at("2024-11-16 12:00:00"), paid_at=at("2024-11-16 12:00:30"), updated_at=at("2024-11-17 09:45:10"),
        platform_status="WAIT_SELLER_SEND_GOODS",
    ),
    "cancelled": dict(
        external_id="3847562917384756130", status=S.CANCELLED, paid=False, recipient=HZ, lines=[CUP],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="128.00",
        placed_at=at("2024-11-17 08:00:00"), paid_at=None, updated_at=at("2024-11-18 08:00:01"),
        platform_status="TRADE_CLOSED_BY_TAOBAO",
    ),
    "masked": dict(
        external_id="3847562918384756131", status=S.PAID, paid=True,
        recipient=("王**", "*******5678", "浙江省", "杭州市", "西湖区", "文三路**号*******"), lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-11-18 14:20:00"), paid_at=at("2024-11-18 14:20:09"), updated_at=at("2024-11-18 14:20:10"),
        platform_status="WAIT_SELLER_SEND_GOODS",
    ),
    "fullinfo_envelope": dict(
        # The detail answer as a whole; the street repeats province/city/district and is kept as sent.
        external_id="3847562919384756132", status=S.SHIPPED, paid=True,
        recipient=("刘芳", "18688889999", "四川省", "成都市", "武侯区", "四川省成都市武侯区天府大道北段 1700 号环球中心 E1 区 2 楼"),
        lines=[CUP], shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-11-19 10:00:00"), paid_at=at("2024-11-19 10:00:10"), updated_at=at("2024-11-20 16:30:00"),
        platform_status="WAIT_BUYER_CONFIRM_GOODS",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name):
    check(parse("taobao", load("taobao", name)), EXPECTED[name])


def test_every_fixture_has_expectations():
    assert set(fixture_names("taobao")) == set(EXPECTED) | {"malformed"}


def test_malformed_fixture_is_a_notification_not_a_trade():
    with pytest.raises(PayloadInvalid, match="不是有效的淘宝订单：缺少字段 tid"):
        parse("taobao", load("taobao", "malformed"))


def _paid(**changes):
    trade = load("taobao", "paid")
    trade.update(changes)
    return trade


def _line(**changes):
    trade = load("taobao", "paid")
    trade["orders"]["order"][0].update(changes)
    return trade


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "内容不是一个订单对象"),
        ({}, "缺少字段 tid"),
        (_paid(status=""), "缺少字段 status"),
        (_paid(status="WAIT_SOMETHING_NEW"), "status 是无法识别的订单状态：WAIT_SOMETHING_NEW"),
        (_paid(orders={"order": []}), "orders.order 应当是非空的商品列表"),
        (_paid(orders=None), "缺少字段 orders"),
        (_line(num=0), r"orders.order\[0\].num 不是正整数数量：0"),
        (_line(num="两件"), r"orders.order\[0\].num 不是正整数数量：两件"),
        (_line(price="-1.00"), r"orders.order\[0\].price 不是金额：-1.00"),
        (_line(price="64.001"), r"orders.order\[0\].price 不是金额：64.001"),
        (_line(price=None), r"缺少字段 orders.order\[0\].price"),
        (_line(outer_sku_id="", outer_iid="", sku_id="", num_iid=""), r"orders.order\[0\].outer_sku_id 为空"),
        (_paid(created="昨天"), "created 不是时间：昨天"),
        (_paid(post_fee="免邮"), "post_fee 不是金额：免邮"),
        ({"trade_fullinfo_get_response": {"request_id": "x"}}, "缺少字段 trade_fullinfo_get_response.trade"),
    ],
)
def test_refuses_with_the_field_named(payload, message):
    with pytest.raises(PayloadInvalid, match=message):
        parse("taobao", payload)


def test_numeric_tid_without_tid_str_and_orders_as_a_plain_list():
    trade = load("taobao", "paid")
    del trade["tid_str"]
    trade["orders"] = trade["orders"]["order"]
    parsed = parse("taobao", trade)
    assert parsed.external_id == "3847562910384756123"
    assert [line.sku_code for line in parsed.draft.lines] == ["A001"]


def test_refused_refund_does_not_make_the_order_refunding():
    trade = _line(refund_status="SELLER_REFUSE_BUYER")
    assert parse("taobao", trade).status == S.PAID


def test_refund_on_a_closed_trade_stays_closed():
    trade = load("taobao", "cancelled")
    trade["orders"]["order"][0]["refund_status"] = "WAIT_SELLER_AGREE"
    assert parse("taobao", trade).status == S.CANCELLED
