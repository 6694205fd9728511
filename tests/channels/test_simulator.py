"""The platform simulator speaks what the adapters speak: paged "changed since" lists with a
cursor, shipment callbacks (a repeat is harmless), outages, and its control API."""

import io
import json
import urllib.request

import pytest
from django.core.management import CommandError, call_command

from channels.connectors import PayloadInvalid, PlatformStatus, get_connector
from channels.http import PlatformUnavailable, call
from channels.simulator import PlatformStore, SimulatorError
from channels.simulator.generator import OrderGenerator, SkuChoice
from tests.channels.connector_helpers import load

PLATFORMS = ["taobao", "jd", "pinduoduo", "douyin", "aliexpress"]
S = PlatformStatus


def poll(simulator, platform, cursor, page_size=100):
    connector = get_connector(platform)
    request = connector.poll_request(credentials={"app_key": "k"}, cursor=cursor, page_size=page_size)
    return connector.parse_poll_response(call(simulator.base_url(platform), request), cursor=cursor)


def ship(simulator, platform, external_id, tracking, carrier="顺丰速运"):
    connector = get_connector(platform)
    request = connector.shipment_request(credentials={"app_key": "k"}, external_id=external_id, carrier=carrier,
                                         tracking_number=tracking)
    connector.check_shipment_response(call(simulator.base_url(platform), request))


def ids(platform, page):
    return [get_connector(platform).parse(p, channel_code="c").external_id for p in page.payloads]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_pages_through_changes_with_a_cursor(platform_simulator, platform):
    placed = [platform_simulator.add_order(platform, [("A001", 1, "9.90")]) for _ in range(5)]
    pages, cursor = [], ""
    while True:
        page = poll(platform_simulator, platform, cursor, page_size=2)
        pages.append((ids(platform, page), page.has_more))
        assert page.next_cursor != cursor
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert pages == [(placed[:2], True), (placed[2:4], True), (placed[4:], False)]
    again = poll(platform_simulator, platform, cursor)
    assert (again.payloads, again.next_cursor, again.has_more) == ([], cursor, False)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_later_change_comes_again_after_the_cursor(platform_simulator, platform):
    first = platform_simulator.add_order(platform, [("A001", 1, "9.90")], status=S.UNPAID)
    second = platform_simulator.add_order(platform, [("A002", 2, "19.90")])
    cursor = poll(platform_simulator, platform, "").next_cursor
    platform_simulator.pay(platform, first)
    page = poll(platform_simulator, platform, cursor)
    assert ids(platform, page) == [first]
    assert get_connector(platform).parse(page.payloads[0], channel_code="c").status == S.PAID
    assert second not in ids(platform, page)


def test_polling_again_from_an_unsaved_cursor_repeats_the_page(platform_simulator):
    """A worker that dies before saving the cursor gets the same page again: nothing is skipped."""
    placed = [platform_simulator.add_order("taobao", [("A001", 1, "9.90")]) for _ in range(3)]
    first = poll(platform_simulator, "taobao", "", page_size=2)
    again = poll(platform_simulator, "taobao", "", page_size=2)
    assert ids("taobao", first) == ids("taobao", again) == placed[:2]
    assert ids("taobao", poll(platform_simulator, "taobao", first.next_cursor)) == placed[2:]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_shipment_accepted_once_repeat_harmless_other_number_refused(platform_simulator, platform):
    external_id = platform_simulator.add_order(platform, [("A001", 1, "9.90")])
    ship(platform_simulator, platform, external_id, "SF1001")
    ship(platform_simulator, platform, external_id, "SF1001")  # a retried push
    with pytest.raises(PayloadInvalid, match="订单已发货，运单号 SF1001"):
        ship(platform_simulator, platform, external_id, "SF2002")
    received = [(s["external_id"], s["tracking_number"], s["accepted"], s["repeat"]) for s in platform_simulator.shipments]
    assert received == [(external_id, "SF1001", True, False), (external_id, "SF1001", True, True),
                        (external_id, "SF2002", False, False)]
    carrier = platform_simulator.shipments[0]["carrier"]
    assert carrier == {"taobao": "SF", "jd": "467", "pinduoduo": "44", "douyin": "shunfeng", "aliexpress": "SF"}[platform]
    assert platform_simulator.store.get(platform, external_id).status == S.SHIPPED


@pytest.mark.parametrize("platform", PLATFORMS)
def test_shipment_for_a_closed_unpaid_or_unknown_order_is_refused(platform_simulator, platform):
    closed = platform_simulator.add_order(platform, [("A001", 1, "9.90")], status=S.CANCELLED)
    unpaid = platform_simulator.add_order(platform, [("A001", 1, "9.90")], status=S.UNPAID)
    with pytest.raises(PayloadInvalid, match="订单已关闭"):
        ship(platform_simulator, platform, closed, "SF1")
    with pytest.raises(PayloadInvalid, match="订单未付款"):
        ship(platform_simulator, platform, unpaid, "SF2")
    with pytest.raises(PayloadInvalid, match="订单不存在"):
        ship(platform_simulator, platform, "999", "SF3")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_outage_answers_503_until_cleared(platform_simulator, platform):
    external_id = platform_simulator.add_order(platform, [("A001", 1, "9.90")])
    platform_simulator.set_outage(True, [platform])
    with pytest.raises(PlatformUnavailable, match="HTTP 503"):
        ship(platform_simulator, platform, external_id, "SF1001")
    with pytest.raises(PlatformUnavailable, match="HTTP 503"):
        poll(platform_simulator, platform, "")
    other = "jd" if platform != "jd" else "taobao"
    assert poll(platform_simulator, other, "").payloads == []  # the others still answer
    platform_simulator.set_outage(False)
    ship(platform_simulator, platform, external_id, "SF1001")
    assert [s["accepted"] for s in platform_simulator.shipments] == [True]


@pytest.mark.parametrize(("platform", "name"), [("taobao", "missing_district"), ("pinduoduo", "masked"),
                                                 ("douyin", "multi_line"), ("jd", "emoji_name"),
                                                 ("aliexpress", "gift")])
def test_fixture_payloads_are_served_verbatim(platform_simulator, platform, name):
    fixture = load(platform, name)
    platform_simulator.put_payload(platform, fixture)
    assert poll(platform_simulator, platform, "").payloads == [fixture]


def _control(simulator, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(simulator.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_control_api_for_another_process(platform_simulator):
    status, created = _control(platform_simulator, "POST", "/_control/orders", {
        "platform": "douyin", "lines": [["A001", 2, "19.90"]], "status": "unpaid",
        "recipient": {"name": "🌸小雨🌸", "province": "广东省", "city": "东莞市", "district": "", "street": "长安镇 1 号"},
    })
    assert status == 201 and created["status"] == "unpaid"
    external_id = created["external_id"]
    parsed = get_connector("douyin").parse(created["payload"], channel_code="c")
    assert (parsed.draft.recipient.name, parsed.draft.recipient.city) == ("🌸小雨🌸", "东莞市")
    assert _control(platform_simulator, "POST", f"/_control/orders/douyin/{external_id}/pay", {}) == (
        200, {"external_id": external_id, "status": "paid"})
    assert _control(platform_simulator, "POST", "/_control/outage", {"down": True, "platforms": ["douyin"]}) == (
        200, {"outage": ["douyin"]})
    with pytest.raises(PlatformUnavailable):
        poll(platform_simulator, "douyin", "")
    assert _control(platform_simulator, "POST", "/_control/outage", {"down": False})[1] == {"outage": []}
    ship(platform_simulator, "douyin", external_id, "YT123")
    status, listed = _control(platform_simulator, "GET", "/_control/shipments")
    assert [s["tracking_number"] for s in listed["shipments"]] == ["YT123"]
    status, orders = _control(platform_simulator, "GET", "/_control/orders?platform=douyin")
    assert [(o["external_id"], o["status"]) for o in orders["orders"]] == [(external_id, "shipped")]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/_control/orders", {"platform": "ebay", "lines": [["A001", 1, "1"]]}, 400),
        ("POST", "/_control/orders", {"platform": "jd", "lines": [["A001", 1, "1"]], "recipient": {"zip": "1"}}, 400),
        ("POST", "/_control/orders/jd/404/pay", {}, 400),
        ("POST", "/_control/orders/jd/404/explode", {}, 400),
        ("GET", "/_control/nothing", None, 404),
        ("GET", "/ebay/router", None, 404),
    ],
)
def test_control_api_refuses_bad_requests(platform_simulator, method, path, body, status):
    code, answer = _control(platform_simulator, method, path, body)
    assert code == status and answer["error"]


def test_store_refuses_impossible_moves():
    store = PlatformStore()
    order = store.create("jd", [("A001", 1, "9.90")], status=S.SHIPPED)
    with pytest.raises(SimulatorError, match="cannot pay"):
        store.act("jd", order.external_id, "pay")
    with pytest.raises(SimulatorError, match="exists already"):
        store.create("jd", [("A001", 1, "9.90")], external_id=order.external_id)


def test_generator_places_orders_with_the_given_codes_and_pays_some_later():
    store = PlatformStore(seed=7)
    events = []
    generator = OrderGenerator(store, rate=60, skus=[SkuChoice("A001", "保温杯"), SkuChoice("A002")], seed=7,
                               on_order=lambda *event: events.append(event))
    for _ in range(300):
        generator.step()
    orders = [o for p in PLATFORMS for o in store.orders(p)]
    assert {code for o in orders for code, *_ in o.lines} == {"A001", "A002"}
    assert {o.platform for o in orders} == set(PLATFORMS)
    assert {action for *_, action in events} == {"create", "pay", "cancel"}
    assert any(o.status == S.UNPAID for o in orders)
    for order in orders:  # every generated payload reads back through its adapter
        parsed = get_connector(order.platform).parse(order.payload(), channel_code="c")
        assert parsed.external_id == order.external_id and parsed.status == order.status


def test_command_serves_and_generates_for_a_while():
    out = io.StringIO()
    call_command("run_platform_simulator", port=0, rate=1200, sku=["A001", "A002"], duration=1.0, seed=3, stdout=out)
    text = out.getvalue()
    assert "平台模拟器运行在 http://127.0.0.1:" in text
    for platform in PLATFORMS:
        assert f"/{platform}" in text
    assert "新订单" in text
    assert "平台模拟器已停止" in text


def test_command_refuses_unknown_platforms():
    with pytest.raises(CommandError, match="未知的平台：ebay"):
        call_command("run_platform_simulator", port=0, platforms="taobao,ebay", stdout=io.StringIO())


@pytest.mark.django_db
def test_command_reads_skus_from_the_catalogue(skus):
    out = io.StringIO()
    call_command("run_platform_simulator", port=0, rate=600, duration=0.5, stdout=out)
    assert "A001, A002, A003, A004, A005" in out.getvalue()


@pytest.mark.django_db
def test_command_without_skus_explains_what_to_do():
    with pytest.raises(CommandError, match="没有启用的 SKU"):
        call_command("run_platform_simulator", port=0, rate=10, stdout=io.StringIO())
