"""What every adapter does alike: ``sample_payload`` → ``parse`` gives back what went in, for every
status and every awkward shared address; unreadable answers are refused; carriers map."""

import json
from datetime import datetime
from decimal import Decimal

import pytest

from channels.connectors import Connector, PayloadInvalid, PlatformStatus, get_connector
from channels.connectors.carriers import canonical, platform_code
from channels.connectors.common import shared_addresses
from channels.models import Platform
from tests.channels.connector_helpers import SHANGHAI

PLATFORMS = ["taobao", "jd", "pinduoduo", "douyin", "aliexpress"]
STATUSES = list(PlatformStatus.LABELS)
PAID = {PlatformStatus.PAID, PlatformStatus.SHIPPED, PlatformStatus.COMPLETED, PlatformStatus.REFUNDING}
UPDATED = datetime(2024, 11, 11, 0, 5, 7, tzinfo=SHANGHAI)
PLACED = datetime(2024, 11, 10, 23, 59, 58, tzinfo=SHANGHAI)


def test_every_platform_with_an_adapter_implements_every_method():
    methods = [name for name, value in vars(Connector).items() if callable(value) and not name.startswith("_")]
    for platform in PLATFORMS:
        connector = get_connector(platform)
        assert connector.platform == platform
        assert platform in Platform.values
        for name in methods:
            assert getattr(type(connector), name) is not getattr(Connector, name), f"{platform}.{name}"


def test_a_platform_without_an_adapter_is_a_lookup_error():
    with pytest.raises(LookupError):
        get_connector("groupbuy")


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_sample_payload_round_trips(platform, status):
    connector = get_connector(platform)
    payload = connector.sample_payload(
        external_id="2024111100123", lines=[("A001", 2, "19.90", "保温杯"), ("A005", 1, "0")], status=status,
        updated_at=UPDATED, placed_at=PLACED, name="🌸小雨🌸", phone="13812345678",
    )
    payload = json.loads(json.dumps(payload, ensure_ascii=False))  # as it travels
    parsed = connector.parse(payload, channel_code="shop-1")
    assert parsed.external_id == "2024111100123"
    assert parsed.status == status
    assert parsed.draft.paid is (status in PAID)
    assert [(line.sku_code, line.quantity, line.unit_price) for line in parsed.draft.lines] == [
        ("A001", 2, Decimal("19.90")), ("A005", 1, Decimal("0.00"))]
    assert parsed.draft.lines[0].title == "保温杯"
    assert parsed.updated_at == UPDATED
    assert parsed.draft.placed_at == PLACED
    # A Pinduoduo group still forming has been paid for, though it is not a deal yet.
    paid_before = status in PAID or (platform == "pinduoduo" and status == PlatformStatus.UNPAID)
    assert parsed.draft.paid_at == (PLACED if paid_before else None)
    assert (parsed.draft.recipient.name, parsed.draft.recipient.phone) == ("🌸小雨🌸", "13812345678")
    assert parsed.draft.paid_amount == Decimal("39.80")
    assert parsed.draft.data["platform"] == platform
    parsed.draft.validate()


@pytest.mark.parametrize("address", shared_addresses(), ids=lambda a: a["why"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_shared_awkward_addresses_survive_every_platform(platform, address):
    connector = get_connector(platform)
    parts = {k: address[k] for k in ("province", "city", "district", "street")}
    payload = json.loads(json.dumps(connector.sample_payload(external_id="77001", lines=[("A001", 1, "9.90")], **parts)))
    recipient = connector.parse(payload, channel_code="shop-1").draft.recipient
    got = (recipient.province, recipient.city, recipient.district, recipient.street)
    if platform == "aliexpress":  # no district level: it leads the street
        district, street = address["district"], address["street"]
        expected = (address["province"], address["city"], "", street if street.startswith(district) else district + street)
    else:
        expected = (address["province"], address["city"], address["district"], address["street"])
    assert got == expected


@pytest.mark.parametrize("platform", PLATFORMS)
def test_sample_payload_carries_tracking_where_the_platform_does(platform):
    connector = get_connector(platform)
    payload = connector.sample_payload(external_id="77002", lines=[("A001", 1, "9.90")], status=PlatformStatus.SHIPPED,
                                       tracking=("顺丰速运", "SF1234567890"))
    tracking = connector.parse(payload, channel_code="shop-1").tracking
    assert tracking in (None, (platform_code(platform, "SF"), "SF1234567890"))
    assert (tracking is not None) is (platform in ("jd", "pinduoduo", "douyin"))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_sample_payload_refuses_unknown_recipient_fields(platform):
    with pytest.raises(TypeError, match="unknown recipient fields"):
        get_connector(platform).sample_payload(external_id="1", lines=[("A001", 1, "1")], country="CN")


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("answer", [{}, {"unexpected": True}, {"error_response": {"code": 27, "msg": "Invalid session"}}])
def test_unreadable_or_refused_poll_answers_are_payload_invalid(platform, answer):
    with pytest.raises(PayloadInvalid):
        get_connector(platform).parse_poll_response(answer, cursor="5")


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("answer", [{}, {"error_response": {"code": 15, "sub_msg": "订单已关闭"}}])
def test_unreadable_or_refused_shipment_answers_are_payload_invalid(platform, answer):
    with pytest.raises(PayloadInvalid):
        get_connector(platform).check_shipment_response(answer)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_requests_carry_the_cursor_page_size_and_credentials(platform):
    connector = get_connector(platform)
    credentials = {"app_key": "k1", "session": "s1", "access_token": "t1", "client_id": "c1"}
    request = connector.poll_request(credentials=credentials, cursor="42", page_size=7)
    flat = json.dumps({"params": request.params, "json": request.json}, ensure_ascii=False)
    assert request.method in ("GET", "POST") and request.path.startswith("/")
    assert "42" in flat and "7" in flat
    assert any(secret in flat for secret in ("k1", "c1"))
    ship = connector.shipment_request(credentials=credentials, external_id="EXT-1", carrier="中通快递",
                                      tracking_number="7312345678901")
    flat = json.dumps({"params": ship.params, "json": ship.json}, ensure_ascii=False)
    assert "EXT-1" in flat and "7312345678901" in flat and platform_code(platform, "ZTO") in flat


def test_carriers_map_names_and_codes_and_pass_unknown_ones_through():
    assert canonical("顺丰速运") == canonical("sf") == "SF"
    assert platform_code("jd", "京东物流") == "2087"
    assert platform_code("douyin", "圆通速递") == "yuantong"
    assert platform_code("pinduoduo", " 韵达快递 ") == "121"
    assert platform_code("taobao", "德邦物流") == "德邦物流"
    assert platform_code("jd", "极兔速递") == "极兔速递"  # no JD code known: sent as given
