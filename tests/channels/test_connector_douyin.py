"""The Douyin adapter against its fixtures, field by field, and against payloads it must refuse.
Amounts arrive in fen and times as Unix seconds."""

from decimal import Decimal

import pytest

from channels.connectors import PayloadInvalid
from channels.connectors import PlatformStatus as S
from tests.channels.connector_helpers import at, check, fixture_names, load, parse

HZ = ("王小明", "13812345678", "浙江省", "杭州市", "西湖区", "文新街道文三路 90 号东部软件园 2 号楼 301")
CUP = ("A001", 2, "64.00", "316 不锈钢保温杯 500ml")

EXPECTED = {
    "paid": dict(
        external_id="6912345678901234500", status=S.PAID, paid=True, recipient=HZ, lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-18 00:00:05"), paid_at=at("2024-06-18 00:00:30"), updated_at=at("2024-06-18 00:00:31"),
        buyer_note="请周末送货", platform_status="2",
    ),
    "unpaid": dict(
        external_id="6912345678901234501", status=S.UNPAID, paid=False, recipient=HZ, lines=[CUP],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="128.00",
        placed_at=at("2024-06-18 09:00:00"), paid_at=None, updated_at=at("2024-06-18 09:00:00"), platform_status="1",
    ),
    "multi_line": dict(
        # code, else out_sku_id (A003), else the platform sku_id (engraving).
        external_id="6912345678901234502", status=S.PAID, paid=True, recipient=HZ,
        lines=[("A001", 1, "64.00"), ("A002", 3, "29.90"), ("A003", 1, "9.00"), ("1768123456792", 1, "80.00", "定制刻字服务")],
        shipping_fee="6.00", discount_amount="0.00", paid_amount="248.70",
        placed_at=at("2024-06-18 20:15:09"), paid_at=at("2024-06-18 20:15:30"), updated_at=at("2024-06-18 20:15:31"),
        platform_status="2",
    ),
    "gift": dict(
        external_id="6912345678901234503", status=S.PAID, paid=True, recipient=HZ,
        lines=[("A001", 1, "64.00"), ("A005", 1, "0.00", "【赠品】杯刷 1 支")],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="64.00",
        placed_at=at("2024-06-19 10:00:00"), paid_at=at("2024-06-19 10:01:00"), updated_at=at("2024-06-19 10:01:00"),
        platform_status="2",
    ),
    "missing_district": dict(
        external_id="6912345678901234504", status=S.PAID, paid=True,
        recipient=("陈志强", "13922334455", "广东省", "东莞市", "", "长安镇振安中路 368 号 3 栋 2 楼"), lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-20 08:30:00"), paid_at=at("2024-06-20 08:30:20"), updated_at=at("2024-06-20 08:30:21"),
        platform_status="2",
    ),
    "emoji_name": dict(
        external_id="6912345678901234505", status=S.PAID, paid=True,
        recipient=("🌸小雨🌸", "15011112222", "北京市", "北京市", "朝阳区", "建国路 88 号 SOHO 现代城 A 座 1708"), lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-21 21:00:00"), paid_at=at("2024-06-21 21:00:05"), updated_at=at("2024-06-21 21:00:06"),
        buyer_note="麻烦快点发货🙏谢谢", platform_status="2",
    ),
    "refunding": dict(
        external_id="6912345678901234506", status=S.REFUNDING, paid=True, recipient=HZ, lines=[CUP, ("A002", 1, "29.90")],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="157.90",
        placed_at=at("2024-06-22 12:00:00"), paid_at=at("2024-06-22 12:00:30"), updated_at=at("2024-06-23 09:45:10"),
        platform_status="2",
    ),
    "cancelled": dict(
        external_id="6912345678901234507", status=S.CANCELLED, paid=False, recipient=HZ, lines=[CUP],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="128.00",
        placed_at=at("2024-06-23 08:00:00"), paid_at=None, updated_at=at("2024-06-23 08:30:01"), platform_status="4",
    ),
    "masked": dict(
        # Encrypted receiver fields: the masked forms are kept, the street level joins the masked detail.
        external_id="6912345678901234508", status=S.SHIPPED, paid=True,
        recipient=("刘**", "138****6789", "浙江省", "杭州市", "西湖区", "文新街道文三路***"), lines=[CUP],
        shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-24 14:20:00"), paid_at=at("2024-06-24 14:20:09"), updated_at=at("2024-06-25 18:00:00"),
        tracking=("yuantong", "YT7412345678901"), platform_status="3",
    ),
    "order_detail_envelope": dict(
        external_id="6912345678901234509", status=S.COMPLETED, paid=True,
        recipient=("刘芳", "18688889999", "四川省", "成都市", "武侯区", "四川省成都市武侯区天府大道北段 1700 号环球中心 E1 区 2 楼"),
        lines=[CUP], shipping_fee="0.00", discount_amount="10.00", paid_amount="118.00",
        placed_at=at("2024-06-25 10:00:00"), paid_at=at("2024-06-25 10:00:10"), updated_at=at("2024-06-30 09:00:00"),
        tracking=("shunfeng", "SF1234567890123"), platform_status="5",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name):
    check(parse("douyin", load("douyin", name)), EXPECTED[name])


def test_every_fixture_has_expectations():
    assert set(fixture_names("douyin")) == set(EXPECTED) | {"malformed"}


def test_malformed_fixture_sends_yuan_where_fen_is_due():
    with pytest.raises(PayloadInvalid, match=r"sku_order_list\[0\].origin_amount 不是以分为单位的金额：59.90"):
        parse("douyin", load("douyin", "malformed"))


def _paid(**changes):
    order = load("douyin", "paid")
    order.update(changes)
    return order


def _sku(**changes):
    order = load("douyin", "paid")
    order["sku_order_list"][0].update(changes)
    return order


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (42, "内容不是一个订单对象"),
        ({"code": 10000, "data": {}}, "缺少字段 order_id"),
        (_paid(order_status=""), "缺少字段 order_status"),
        (_paid(order_status=77), "order_status 是无法识别的订单状态：77"),
        (_paid(sku_order_list=[]), "sku_order_list 应当是非空的商品列表"),
        (_sku(item_num=-1), r"sku_order_list\[0\].item_num 不是正整数数量：-1"),
        (_sku(origin_amount=-100), r"sku_order_list\[0\].origin_amount 不是以分为单位的金额：-100"),
        (_sku(origin_amount=None), r"缺少字段 sku_order_list\[0\].origin_amount"),
        (_sku(code="", out_sku_id="", sku_id=0), r"sku_order_list\[0\].code 为空"),
        (_paid(update_time="2024-06-18"), "update_time 不是时间戳：2024-06-18"),
        (_paid(post_amount=5.5), "post_amount 不是以分为单位的金额：5.5"),
        (_paid(post_addr=["浙江省"]), "post_addr 应当是一个对象"),
    ],
)
def test_refuses_with_the_field_named(payload, message):
    with pytest.raises(PayloadInvalid, match=message):
        parse("douyin", payload)


def test_fen_become_exact_yuan():
    parsed = parse("douyin", _sku(origin_amount=1, item_num=3))
    assert parsed.draft.lines[0].unit_price == Decimal("0.01")
    assert parse("douyin", _sku(origin_amount="199999")).draft.lines[0].unit_price == Decimal("1999.99")


def test_closed_after_refund_statuses_are_cancelled():
    for code in (21, 22, 39):
        assert parse("douyin", _paid(order_status=code)).status == S.CANCELLED


def test_rejected_after_sale_does_not_make_the_order_refunding():
    order = _sku(after_sale_info={"after_sale_status": 27, "after_sale_type": 2, "refund_status": 4})
    assert parse("douyin", order).status == S.PAID
