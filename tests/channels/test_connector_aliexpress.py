"""The AliExpress adapter against its fixtures, field by field, and against payloads it must refuse.
Amounts keep their currency (USD); times are US Pacific local text."""

import pytest

from channels.connectors import PayloadInvalid
from channels.connectors import PlatformStatus as S
from tests.channels.connector_helpers import PACIFIC, check, fixture_names, load, parse
from tests.channels.connector_helpers import at as _at

US = ("Emily Carter", "+1 4155550132", "California", "San Francisco", "", "1 Market St, Apt 5B")
BOTTLE = ("A001", 2, "9.50", "316 Stainless Steel Vacuum Bottle 500ml")


def at(text):
    return _at(text, PACIFIC)


EXPECTED = {
    "paid": dict(
        external_id="8180012345670001", status=S.PAID, paid=True, recipient=US, lines=[BOTTLE],
        shipping_fee="0.00", discount_amount="1.90", paid_amount="17.10", currency="USD",
        placed_at=at("2024-06-17 09:00:05"), paid_at=at("2024-06-17 09:00:40"), updated_at=at("2024-06-17 09:00:41"),
        buyer_note="Please ship fast", platform_status="WAIT_SELLER_SEND_GOODS",
    ),
    "unpaid": dict(
        external_id="8180012345670002", status=S.UNPAID, paid=False, recipient=US, lines=[BOTTLE],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="19.00", currency="USD",
        placed_at=at("2024-06-17 18:00:00"), paid_at=None, updated_at=at("2024-06-17 18:00:00"),
        platform_status="PLACE_ORDER_SUCCESS",
    ),
    "multi_line": dict(
        external_id="8180012345670003", status=S.PAID, paid=True, recipient=US,
        lines=[("A001", 1, "9.50"), ("A002", 3, "4.90"), ("A003", 1, "1.50"), ("1005006123456792", 1, "25.00", "Custom Engraving")],
        shipping_fee="4.99", discount_amount="0.00", paid_amount="55.69", currency="USD",
        placed_at=at("2024-06-18 05:15:09"), paid_at=at("2024-06-18 05:15:30"), updated_at=at("2024-06-18 05:15:31"),
        platform_status="WAIT_SELLER_SEND_GOODS",
    ),
    "gift": dict(
        external_id="8180012345670004", status=S.PAID, paid=True, recipient=US,
        lines=[("A001", 1, "9.50"), ("A005", 1, "0.00", "[Gift] Bottle Brush")],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="9.50", currency="USD",
        placed_at=at("2024-06-18 19:00:00"), paid_at=at("2024-06-18 19:01:00"), updated_at=at("2024-06-18 19:01:00"),
        platform_status="WAIT_SELLER_SEND_GOODS",
    ),
    "missing_district": dict(
        external_id="8180012345670005", status=S.PAID, paid=True,
        recipient=("陈志强", "+86 13922334455", "Guangdong", "Dongguan", "", "Chang'an Town, 368 Zhen'an Middle Rd, Bldg 3, 2F"),
        lines=[BOTTLE], shipping_fee="0.00", discount_amount="1.90", paid_amount="17.10", currency="USD",
        placed_at=at("2024-06-19 17:30:00"), paid_at=at("2024-06-19 17:30:20"), updated_at=at("2024-06-19 17:30:21"),
        platform_status="WAIT_SELLER_SEND_GOODS",
    ),
    "emoji_name": dict(
        external_id="8180012345670006", status=S.PAID, paid=True,
        recipient=("Zoë 🌸 Müller", "+49 15123456789", "Berlin", "Berlin", "", "Unter den Linden 77"), lines=[BOTTLE],
        shipping_fee="0.00", discount_amount="1.90", paid_amount="17.10", currency="USD",
        placed_at=at("2024-06-20 06:00:00"), paid_at=at("2024-06-20 06:00:05"), updated_at=at("2024-06-20 06:00:06"),
        buyer_note="Gift for my mom 🎁 thanks!", platform_status="WAIT_SELLER_SEND_GOODS",
    ),
    "refunding": dict(
        # Shipped, and one child order is in a dispute.
        external_id="8180012345670007", status=S.REFUNDING, paid=True, recipient=US, lines=[BOTTLE, ("A002", 1, "4.90")],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="23.90", currency="USD",
        placed_at=at("2024-06-21 21:00:00"), paid_at=at("2024-06-21 21:00:30"), updated_at=at("2024-06-22 18:45:10"),
        platform_status="WAIT_BUYER_ACCEPT_GOODS",
    ),
    "cancelled": dict(
        external_id="8180012345670008", status=S.CANCELLED, paid=False, recipient=US, lines=[BOTTLE],
        shipping_fee="0.00", discount_amount="0.00", paid_amount="19.00", currency="USD",
        placed_at=at("2024-06-22 17:00:00"), paid_at=None, updated_at=at("2024-06-23 17:00:01"),
        platform_status="FINISH:buyer_cancel_notpay_order",
    ),
    "order_info_envelope": dict(
        external_id="8180012345670009", status=S.COMPLETED, paid=True, recipient=US, lines=[BOTTLE],
        shipping_fee="0.00", discount_amount="1.90", paid_amount="17.10", currency="USD",
        placed_at=at("2024-06-10 19:00:00"), paid_at=at("2024-06-10 19:00:10"), updated_at=at("2024-06-29 18:00:00"),
        platform_status="FINISH:buyer_accept_goods",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name):
    check(parse("aliexpress", load("aliexpress", name)), EXPECTED[name])


def test_every_fixture_has_expectations():
    assert set(fixture_names("aliexpress")) == set(EXPECTED) | {"malformed"}


def test_malformed_fixture_mixes_currencies():
    with pytest.raises(PayloadInvalid, match="product_price.currency_code 与订单币种 USD 不一致"):
        parse("aliexpress", load("aliexpress", "malformed"))


def test_country_and_postcode_are_kept_in_the_draft_data():
    data = parse("aliexpress", load("aliexpress", "emoji_name")).draft.data
    assert (data["platform"], data["receiver_country"], data["receiver_zip"]) == ("aliexpress", "DE", "10117")


def _paid(**changes):
    order = load("aliexpress", "paid")
    order.update(changes)
    return order


def _child(**changes):
    order = load("aliexpress", "paid")
    order["child_order_list"][0].update(changes)
    return order


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([{"order_id": 1}], "内容不是一个订单对象"),
        ({"order_status": "FINISH"}, "缺少字段 order_id"),
        (_paid(order_status="WAIT_SOMETHING"), "order_status 是无法识别的订单状态：WAIT_SOMETHING"),
        (_paid(child_order_list=[]), "child_order_list 应当是非空的商品列表"),
        (_child(product_count="many"), r"child_order_list\[0\].product_count 不是正整数数量：many"),
        (_child(product_price="9.50"), r"child_order_list\[0\].product_price 应当是一个对象"),
        (_child(product_price=None), r"缺少字段 child_order_list\[0\].product_price"),
        (_child(product_price={"amount": "9.5x", "currency_code": "USD"}), r"product_price.amount 不是金额：9.5x"),
        (_child(sku_code="", product_id=None), r"child_order_list\[0\].sku_code 为空"),
        (_paid(gmt_create="17/06/2024"), "gmt_create 不是时间：17/06/2024"),
    ],
)
def test_refuses_with_the_field_named(payload, message):
    with pytest.raises(PayloadInvalid, match=message):
        parse("aliexpress", payload)


def test_finish_closed_by_timeout_is_cancelled_and_by_acceptance_completed():
    assert parse("aliexpress", _paid(order_status="FINISH", end_reason="seller_send_goods_timeout")).status == S.CANCELLED
    assert parse("aliexpress", _paid(order_status="FINISH", end_reason="")).status == S.COMPLETED
