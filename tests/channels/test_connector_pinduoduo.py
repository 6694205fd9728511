"""The Pinduoduo adapter against its fixtures, field by field, and against payloads it must refuse."""

from decimal import Decimal

import pytest

from channels.connectors import PayloadInvalid
from channels.connectors import PlatformStatus as S
from tests.channels.connector_helpers import at, check, fixture_names, load, parse

HZ = ("王小明", "13812345678", "浙江省", "杭州市", "西湖区", "文新街道文三路 90 号东部软件园 2 号楼 301")
CUP = ("A001", 2, "64.00", "316 不锈钢保温杯 500ml")

EXPECTED = {
    "paid": dict(
        external_id="240618-123456789012345", status=S.PAID, paid=True, recipient=HZ, lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-18 00:00:05"), paid_at=at("2024-06-18 00:00:30"), updated_at=at("2024-06-18 00:00:31"),
        buyer_note="请周末送货", platform_status="order_status=1,refund_status=1,confirm_status=1",
    ),
    "unpaid": dict(
        # The group is still forming: not a deal yet, so not to be shipped.
        external_id="240618-123456789012346", status=S.UNPAID, paid=False, recipient=HZ, lines=[CUP],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="128.00",
        placed_at=at("2024-06-18 09:00:00"), paid_at=at("2024-06-18 09:00:12"), updated_at=at("2024-06-18 09:00:12"),
        platform_status="order_status=1,refund_status=1,confirm_status=0",
    ),
    "multi_line": dict(
        external_id="240618-123456789012347", status=S.PAID, paid=True, recipient=HZ,
        lines=[("A001", 1, "64.00"), ("A002", 3, "29.90"), ("A003", 1, "9.00"), ("1234567890126", 1, "80.00", "定制刻字服务")],
        shipping_fee="6.00", discount_amount="0.00", paid_amount="248.70",
        placed_at=at("2024-06-18 20:15:09"), paid_at=at("2024-06-18 20:15:30"), updated_at=at("2024-06-18 20:15:31"),
        platform_status="order_status=1,refund_status=1,confirm_status=1",
    ),
    "gift": dict(
        external_id="240619-123456789012348", status=S.PAID, paid=True, recipient=HZ,
        lines=[("A001", 1, "64.00"), ("A005", 1, "0.00", "【赠品】杯刷 1 支")],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="64.00",
        placed_at=at("2024-06-19 10:00:00"), paid_at=at("2024-06-19 10:01:00"), updated_at=at("2024-06-19 10:01:00"),
        platform_status="order_status=1,refund_status=1,confirm_status=1",
    ),
    "missing_district": dict(
        external_id="240620-123456789012349", status=S.PAID, paid=True,
        recipient=("陈志强", "13922334455", "广东省", "东莞市", "", "长安镇振安中路 368 号 3 栋 2 楼"), lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-20 08:30:00"), paid_at=at("2024-06-20 08:30:20"), updated_at=at("2024-06-20 08:30:21"),
        platform_status="order_status=1,refund_status=1,confirm_status=1",
    ),
    "emoji_name": dict(
        # No receiver_address: the street comes from "address" without its province/city/district.
        external_id="240621-123456789012350", status=S.PAID, paid=True,
        recipient=("🌸小雨🌸", "15011112222", "北京市", "北京市", "朝阳区", "建国路 88 号 SOHO 现代城 A 座 1708"), lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-21 21:00:00"), paid_at=at("2024-06-21 21:00:05"), updated_at=at("2024-06-21 21:00:06"),
        buyer_note="麻烦快点发货🙏谢谢", platform_status="order_status=1,refund_status=1,confirm_status=1",
    ),
    "refunding": dict(
        external_id="240622-123456789012351", status=S.REFUNDING, paid=True, recipient=HZ, lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-22 12:00:00"), paid_at=at("2024-06-22 12:00:30"), updated_at=at("2024-06-23 09:45:10"),
        platform_status="order_status=1,refund_status=3,confirm_status=1",
    ),
    "cancelled": dict(
        external_id="240623-123456789012352", status=S.CANCELLED, paid=False, recipient=HZ, lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-23 08:00:00"), paid_at=at("2024-06-23 08:00:40"), updated_at=at("2024-06-23 10:00:01"),
        platform_status="order_status=1,refund_status=4,confirm_status=1",
    ),
    "masked": dict(
        external_id="240624-123456789012353", status=S.SHIPPED, paid=True,
        recipient=("刘**", "138****6789", "浙江省", "杭州市", "西湖区", "文新街道****"), lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-24 14:20:00"), paid_at=at("2024-06-24 14:20:09"), updated_at=at("2024-06-25 18:00:00"),
        tracking=("85", "YT7412345678901"), platform_status="order_status=2,refund_status=1,confirm_status=1",
    ),
    "order_info_envelope": dict(
        external_id="240625-123456789012354", status=S.COMPLETED, paid=True,
        recipient=("刘芳", "18688889999", "四川省", "成都市", "武侯区", "四川省成都市武侯区天府大道北段 1700 号环球中心 E1 区 2 楼"),
        lines=[CUP], shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-25 10:00:00"), paid_at=at("2024-06-25 10:00:10"), updated_at=at("2024-06-30 09:00:00"),
        tracking=("44", "SF1234567890123"), platform_status="order_status=3,refund_status=1,confirm_status=1",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name):
    check(parse("pinduoduo", load("pinduoduo", name)), EXPECTED[name])


def test_every_fixture_has_expectations():
    assert set(fixture_names("pinduoduo")) == set(EXPECTED) | {"malformed"}


def test_malformed_fixture_has_a_zero_quantity():
    with pytest.raises(PayloadInvalid, match=r"拼多多订单的字段 item_list\[0\].goods_count 不是正整数数量：0"):
        parse("pinduoduo", load("pinduoduo", "malformed"))


def _paid(**changes):
    order = load("pinduoduo", "paid")
    order.update(changes)
    return order


def _item(**changes):
    order = load("pinduoduo", "paid")
    order["item_list"][0].update(changes)
    return order


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (None, "内容不是一个订单对象"),
        ({"order_status": 1}, "缺少字段 order_sn"),
        (_paid(order_status=None), "缺少字段 order_status"),
        (_paid(order_status=9), "order_status 是无法识别的订单状态：9"),
        (_paid(refund_status=7), "refund_status 是无法识别的订单状态：7"),
        (_paid(item_list={}), "item_list 应当是非空的商品列表"),
        (_item(goods_price=-0.5), r"item_list\[0\].goods_price 不是金额：-0.5"),
        (_item(goods_price=True), r"item_list\[0\].goods_price 不是金额：True"),
        (_item(goods_count=1.5), r"item_list\[0\].goods_count 不是正整数数量：1.5"),
        (_item(outer_id="", sku_id=None), r"item_list\[0\].outer_id 为空"),
        (_paid(pay_amount="NaN"), "pay_amount 不是金额：NaN"),
        (_paid(order_sn=["240618"]), "order_sn 不是有效的编号"),
    ],
)
def test_refuses_with_the_field_named(payload, message):
    with pytest.raises(PayloadInvalid, match=message):
        parse("pinduoduo", payload)


def test_prices_sent_as_json_numbers_become_exact_decimals():
    assert parse("pinduoduo", _item(goods_price=19.9)).draft.lines[0].unit_price == Decimal("19.90")
    assert parse("pinduoduo", _item(goods_price=64)).draft.lines[0].unit_price == Decimal("64.00")
    with pytest.raises(PayloadInvalid, match="不是金额：19.900000000000002"):  # float noise is not a price
        parse("pinduoduo", _item(goods_price=19.900000000000002))
