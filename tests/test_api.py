"""The integrator API: intake, look-up, list, stock, auth, masking, errors, schema and docs."""

import dataclasses
import itertools
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import Channel, Platform
from inventory.models import StockLevel, StockMovement
from orders.models import IdempotencyRecord, Order, OrderLine, OrderSource
from orders.services import order_cancel, order_intake

ORDERS = "/api/v1/orders"
#: Statements the API's rate limits add to every authenticated request (see core/api_throttles.py).
RATE_LIMIT_QUERIES = 3
STOCK = "/api/v1/stock"
INTEGRATOR_PERMS = ("orders.view_order", "orders.add_order", "inventory.view_stocklevel", "orders.view_pii")
CJK = re.compile(r"[\u4e00-\u9fff]")
_ids = itertools.count(1)


def make_user(username: str, *perms: str) -> User:
    user = User.objects.create_user(username=username)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def integrator(db):
    """An integration's token user: may read, push orders, read stock and see full addresses."""
    return make_user("erp-bridge", *INTEGRATOR_PERMS)


@pytest.fixture
def api(integrator):
    return client_for(integrator)


@pytest.fixture
def clerk_api(db):
    """Reads and pushes orders but has no ``orders.view_pii``: sees masked phones and streets."""
    return client_for(
        make_user("clerk", "orders.view_order", "orders.add_order", "inventory.view_stocklevel")
    )


def intake_body(**overrides) -> dict:
    body = {
        "channel": "tb-main",
        "external_id": f"API{next(_ids):09d}",
        "recipient": {
            "name": "王小明",
            "phone": "13812341234",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "street": "文三路 90 号",
        },
        "lines": [
            {"sku_code": "A001", "quantity": 2, "unit_price": "19.90", "title": "测试商品1"},
            {"sku_code": "A002", "quantity": 1, "unit_price": 5.5},
        ],
        "paid": True,
        "placed_at": "2026-11-22T10:00:00+08:00",
        "paid_at": "2026-11-22T10:01:00Z",
        "shipping_fee": "6.00",
        "discount_amount": "1.00",
        "buyer_note": "请尽快发货",
        "priority": 1,
    }
    body.update(overrides)
    return body


def written_rows() -> tuple[int, ...]:
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        OrderSource.objects.count(),
        StockMovement.objects.count(),
        IdempotencyRecord.objects.count(),
    )


# --- intake ------------------------------------------------------------------------------------


def test_intake_creates_the_order_and_answers_201_with_it(api, stocked, taobao_channel, integrator):
    response = api.post(ORDERS, intake_body(external_id="TB-1001"), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get()
    assert body["number"] == order.number and body["number"].startswith("SO")
    assert body["duplicate"] is False
    assert body["channel"] == "tb-main"
    assert (body["status"], body["status_label"]) == ("pending_review", "待审核")
    assert (body["hold_reason"], body["hold_reason_label"]) == ("", "")
    assert body["warehouse"] == "HZ"
    assert body["priority"] == 1
    assert body["goods_amount"] == "45.30"
    assert (body["shipping_fee"], body["discount_amount"], body["paid_amount"]) == ("6.00", "1.00", "50.30")
    assert body["paid_at"].startswith("2026-11-22T18:01:00+08:00")
    assert [
        (line["sku_code"], line["quantity"], line["unit_price"], line["reserved_quantity"])
        for line in body["lines"]
    ] == [
        ("A001", 2, "19.90", 2),
        ("A002", 1, "5.50", 1),
    ]
    assert body["lines"][0]["line_total"] == "39.80"
    assert [(s["channel"], s["external_id"]) for s in body["sources"]] == [("tb-main", "TB-1001")]
    assert [e["action"] for e in body["events"]] == ["created"]
    assert body["recipient"]["phone"] == "13812341234"
    assert order.events.get().actor == integrator
    assert StockLevel.objects.get(sku__code="A001", warehouse__code="HZ").reserved == 2


def test_the_same_platform_order_twice_answers_200_with_the_existing_order(api, stocked, taobao_channel):
    first = api.post(ORDERS, intake_body(external_id="TB-2002"), format="json")
    again = api.post(ORDERS, intake_body(external_id="TB-2002", buyer_note="changed"), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["buyer_note"] == "请尽快发货"
    assert Order.objects.count() == 1
    assert StockLevel.objects.get(sku__code="A001", warehouse__code="HZ").reserved == 2


def test_an_unknown_sku_is_taken_in_on_hold_with_the_reason(api, stocked, taobao_channel):
    response = api.post(
        ORDERS, intake_body(lines=[{"sku_code": "NOPE-1", "quantity": 1, "unit_price": "1"}]), format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["status_label"]) == ("on_hold", "异常挂起")
    assert (body["hold_reason"], body["hold_reason_label"]) == ("unknown_sku", "未知商品编码")
    assert "NOPE-1" in body["hold_note"]
    assert body["warehouse"] is None and body["lines"][0]["warehouse"] is None


@pytest.mark.parametrize("channel", ["no-such-shop", "closed-shop"])
def test_an_unknown_or_inactive_channel_is_refused_with_400(api, stocked, channel):
    Channel.objects.create(code="closed-shop", name="已关店", platform=Platform.TAOBAO, active=False)
    before = written_rows()

    response = api.post(ORDERS, intake_body(channel=channel), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_draft"
    assert CJK.search(body["message"])
    assert channel in body["errors"]["channel"][0]
    assert written_rows() == before


def _lines(n):
    return [{"sku_code": "A001", "quantity": 1, "unit_price": "1.00"} for _ in range(n)]


MALFORMED = {
    "not json": ('{"channel": "tb-main", ', "parse_error", None),
    "a JSON array": ("[1, 2]", "invalid", "non_field_errors"),
    "missing lines": ({"drop": "lines"}, "invalid", "lines"),
    "missing recipient": ({"drop": "recipient"}, "invalid", "recipient"),
    "no lines": ({"lines": []}, "invalid", "lines"),
    "quantity not a number": (
        {"lines": [{"sku_code": "A001", "quantity": "two", "unit_price": "1"}]},
        "invalid",
        "lines[0].quantity",
    ),
    "recipient not an object": ({"recipient": "杭州"}, "invalid", "recipient"),
    "negative quantity": (
        {"lines": [*_lines(1), {"sku_code": "A002", "quantity": -3, "unit_price": "1"}]},
        "invalid",
        "lines[1].quantity",
    ),
    "zero quantity": (
        {"lines": [{"sku_code": "A001", "quantity": 0, "unit_price": "1"}]},
        "invalid",
        "lines[0].quantity",
    ),
    "fractional quantity": (
        {"lines": [{"sku_code": "A001", "quantity": 1.5, "unit_price": "1"}]},
        "invalid",
        "lines[0].quantity",
    ),
    "float money with 3 decimals": (
        {"lines": [{"sku_code": "A001", "quantity": 1, "unit_price": 0.1 + 0.2}]},
        "invalid",
        "lines[0].unit_price",
    ),
    "money string with 3 decimals": ({"shipping_fee": "1.005"}, "invalid", "shipping_fee"),
    "negative money": ({"discount_amount": "-1.00"}, "invalid", "discount_amount"),
    "money not a number": ({"paid_amount": "NaN"}, "invalid", "paid_amount"),
    "10,000 lines": ({"lines": _lines(10_000)}, "invalid", "lines"),
    "naive datetime": ({"placed_at": "2026-11-22T10:00:00"}, "invalid", "placed_at"),
    "not a datetime": ({"paid_at": "yesterday"}, "invalid", "paid_at"),
    "paid not a boolean": ({"paid": "perhaps"}, "invalid", "paid"),
    "priority out of range": ({"priority": 7}, "invalid", "priority"),
    "external id too long": ({"external_id": "X" * 65}, "invalid", "external_id"),
    "empty sku code": (
        {"lines": [*_lines(3), {"sku_code": " ", "quantity": 1, "unit_price": "1"}]},
        "invalid",
        "lines[3].sku_code",
    ),
    "channel not a string": ({"channel": {"code": "tb-main"}}, "invalid", "channel"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_body_is_refused_with_400_and_writes_nothing(api, stocked, taobao_channel, case):
    change, code, field = MALFORMED[case]
    before = written_rows()
    if isinstance(change, str):
        response = api.generic("POST", ORDERS, change, content_type="application/json")
    else:
        body = intake_body(**{k: v for k, v in change.items() if k != "drop"})
        body.pop(change.get("drop"), None)
        response = api.post(ORDERS, body, format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    if field:
        assert field in body["errors"], body["errors"]
        assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert written_rows() == before


def test_a_body_that_is_not_json_is_refused_with_415(api, stocked, taobao_channel):
    response = api.generic(
        "POST", ORDERS, "channel=tb-main", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert Order.objects.count() == 0


# --- auth --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"), [("get", ORDERS), ("post", ORDERS), ("get", f"{ORDERS}/SO1"), ("get", STOCK)]
)
def test_without_a_valid_token_every_endpoint_answers_401_json(db, method, path):
    anonymous = getattr(APIClient(), method)(path, {}, format="json")
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    forged = getattr(bad_token, method)(path, {}, format="json")

    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    assert anonymous["WWW-Authenticate"] == "Token"
    assert forged.status_code == 401
    assert forged.json()["code"] == "authentication_failed"


@pytest.mark.parametrize(
    ("perms", "method", "path"),
    [
        ((), "get", ORDERS),
        ((), "get", f"{ORDERS}/SO1"),
        (("orders.view_order",), "post", ORDERS),
        (("orders.add_order",), "get", ORDERS),
        (("orders.view_order", "orders.add_order"), "get", STOCK),
    ],
)
def test_a_user_without_the_model_permission_gets_403(stocked, taobao_channel, perms, method, path):
    client = client_for(make_user("outsider", *perms))

    response = getattr(client, method)(path, intake_body() if method == "post" else {}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert CJK.search(response.json()["message"])
    assert Order.objects.count() == 0


def test_a_method_the_endpoint_lacks_answers_405_not_403(api, clerk_api, stocked, make_draft):
    number = order_intake(draft=make_draft()).order.number

    responses = [api.delete(f"{ORDERS}/{number}"), clerk_api.put(ORDERS, {}, format="json"), api.post(STOCK)]

    assert [r.status_code for r in responses] == [405, 405, 405]
    assert {r.json()["code"] for r in responses} == {"method_not_allowed"}
    assert APIClient().delete(f"{ORDERS}/{number}").status_code == 401
    assert Order.objects.filter(number=number).exists()


# --- look-up -----------------------------------------------------------------------------------


def test_get_by_internal_number_shows_lines_sources_and_the_timeline(api, stocked, make_draft, integrator):
    order = order_intake(draft=make_draft([("A001", 2)], external_id="TB-77")).order
    order_cancel(order=order, actor=integrator, note="买家取消")

    response = api.get(f"{ORDERS}/{order.number}")

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == order.number
    assert (body["status"], body["status_label"]) == ("cancelled", "已取消")
    assert [(line["sku_code"], line["quantity"], line["reserved_quantity"]) for line in body["lines"]] == [
        ("A001", 2, 0)
    ]
    assert body["sources"][0]["external_id"] == "TB-77"
    assert [
        (e["action"], e["from_status"], e["to_status"], e["to_status_label"]) for e in body["events"]
    ] == [
        ("created", "", "pending_review", "待审核"),
        ("cancel", "pending_review", "cancelled", "已取消"),
    ]
    assert body["events"][1]["note"] == "买家取消"
    assert "duplicate" not in body


def test_get_by_platform_number_finds_the_order(api, stocked, make_draft):
    order = order_intake(draft=make_draft(external_id="TB-5555")).order

    response = api.get(f"{ORDERS}/TB-5555")

    assert response.status_code == 200
    assert response.json()["number"] == order.number


def test_a_platform_number_on_two_channels_answers_409_with_choices_unless_the_channel_is_given(
    api, stocked, make_draft, jd_channel
):
    taobao = order_intake(draft=make_draft(external_id="20261122")).order
    jd = order_intake(draft=make_draft(external_id="20261122", channel=jd_channel)).order

    ambiguous = api.get(f"{ORDERS}/20261122")
    narrowed = api.get(f"{ORDERS}/20261122", {"channel": "jd-main"})

    assert ambiguous.status_code == 409
    assert ambiguous.json()["code"] == "ambiguous_number"
    assert sorted(ambiguous.json()["choices"], key=lambda c: c["channel"]) == [
        {"channel": "jd-main", "number": jd.number},
        {"channel": "tb-main", "number": taobao.number},
    ]
    assert narrowed.status_code == 200
    assert narrowed.json()["number"] == jd.number


def test_an_unknown_number_answers_404_json(api, stocked, make_draft):
    order_intake(draft=make_draft(external_id="TB-1"))

    response = api.get(f"{ORDERS}/SO19990101000001")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "SO19990101000001" in response.json()["message"]


# --- list --------------------------------------------------------------------------------------


@pytest.fixture
def mixed_orders(stocked, make_draft, jd_channel):
    """Three orders: Taobao paid → Hangzhou, Taobao unpaid → Guangzhou, JD with an unknown SKU."""
    return {
        "tb_hz": order_intake(draft=make_draft([("A001", 1)], phone="13900000001")).order,
        "tb_gz": order_intake(
            draft=make_draft([("A002", 1)], paid=False, province="广东省", city="广州市")
        ).order,
        "jd_held": order_intake(draft=make_draft([("ZZZ", 1)], channel=jd_channel)).order,
    }


def _numbers(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["number"] for row in response.json()["results"]]


def test_the_list_filters_by_status_channel_warehouse_and_phone(api, mixed_orders):
    o = mixed_orders

    assert _numbers(api.get(ORDERS)) == [o["jd_held"].number, o["tb_gz"].number, o["tb_hz"].number]
    assert _numbers(api.get(ORDERS, {"status": "on_hold"})) == [o["jd_held"].number]
    assert _numbers(api.get(ORDERS, {"status": "pending_payment"})) == [o["tb_gz"].number]
    assert _numbers(api.get(ORDERS, {"channel": "tb-main"})) == [o["tb_gz"].number, o["tb_hz"].number]
    assert _numbers(api.get(ORDERS, {"warehouse": "GZ"})) == [o["tb_gz"].number]
    assert _numbers(api.get(ORDERS, {"phone": "13900000001"})) == [o["tb_hz"].number]
    assert _numbers(api.get(ORDERS, {"phone": "1390000000"})) == []
    assert _numbers(api.get(ORDERS, {"channel": "tb-main", "status": "pending_review"})) == [
        o["tb_hz"].number
    ]


def test_the_list_filters_by_created_and_updated_since(api, mixed_orders):
    o = mixed_orders
    long_ago = timezone.now() - timedelta(days=3)
    Order.objects.filter(pk=o["tb_hz"].pk).update(created_at=long_ago, updated_at=long_ago)
    Order.objects.filter(pk=o["tb_gz"].pk).update(updated_at=long_ago)
    yesterday = (timezone.localtime() - timedelta(days=1)).isoformat()

    assert _numbers(api.get(ORDERS, {"created_since": yesterday})) == [o["jd_held"].number, o["tb_gz"].number]
    assert _numbers(api.get(ORDERS, {"updated_since": yesterday})) == [o["jd_held"].number]
    # An unescaped "+" in a query string arrives as a space; it is read as the offset.
    assert _numbers(api.get(f"{ORDERS}?updated_since={yesterday.replace('+', ' ')}")) == [o["jd_held"].number]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"updated_since": "2026-11-22T10:00:00"}, "updated_since"),
        ({"created_since": "soon"}, "created_since"),
    ],
)
def test_a_bad_list_filter_answers_400(api, mixed_orders, params, field):
    response = api.get(ORDERS, params)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]


def test_the_list_pages_with_a_cursor_through_every_order_once(api, stocked, make_draft):
    numbers = [order_intake(draft=make_draft()).order.number for _ in range(5)]
    seen, url, pages = [], f"{ORDERS}?page_size=2&channel=tb-main", 0

    while url:
        response = api.get(url)
        seen += _numbers(response)
        url = response.json()["next"]
        pages += 1
        if url:
            assert "cursor=" in url and "channel=tb-main" in url

    assert pages == 3
    assert seen == list(reversed(numbers))


def test_the_list_runs_the_same_number_of_queries_for_one_order_or_many(api, stocked, make_draft, jd_channel):
    order_intake(draft=make_draft([("A001", 1), ("A002", 1)]))
    api.get(ORDERS)  # the token and its permissions are read once, then kept (API_TOKEN_CACHE_SECONDS)
    with CaptureQueriesContext(connection) as one:
        assert len(_numbers(api.get(ORDERS))) == 1
    for i in range(6):
        order_intake(draft=make_draft([("A003", 1), ("ZZ", 1)], channel=jd_channel if i % 2 else "tb-main"))
    with CaptureQueriesContext(connection) as many:
        assert len(_numbers(api.get(ORDERS))) == 7

    assert len(many) == len(one)
    # 7 for the list, plus 3 for the rate limits' shared counters (core/api_throttles.py: the
    # failed-token budget read, the token's count read and written in one statement).
    assert len(one) <= 7 + RATE_LIMIT_QUERIES


def test_the_detail_runs_a_constant_number_of_queries(api, stocked, make_draft):
    order = order_intake(draft=make_draft([("A001", 1), ("A002", 1), ("A003", 1)])).order
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"{ORDERS}/{order.number}").status_code == 200

    assert len(queries) <= 8 + RATE_LIMIT_QUERIES


# --- masking -----------------------------------------------------------------------------------


def test_phone_and_street_are_masked_without_view_pii(api, clerk_api, stocked, make_draft, taobao_channel):
    order = order_intake(draft=make_draft(phone="13812345678", street="文三路 90 号 3 幢")).order

    masked_detail = clerk_api.get(f"{ORDERS}/{order.number}").json()["recipient"]
    masked_row = clerk_api.get(ORDERS).json()["results"][0]["recipient"]
    masked_intake = clerk_api.post(ORDERS, intake_body(), format="json").json()["recipient"]
    full = api.get(f"{ORDERS}/{order.number}").json()["recipient"]

    assert masked_detail == masked_row
    assert (masked_detail["phone"], masked_detail["street"]) == ("138****5678", "文三路****")
    assert (masked_detail["name"], masked_detail["province"], masked_detail["city"]) == (
        "王小明",
        "浙江省",
        "杭州市",
    )
    assert (masked_intake["phone"], masked_intake["street"]) == ("138****1234", "文三路****")
    assert (full["phone"], full["street"]) == ("13812345678", "文三路 90 号 3 幢")


def test_answers_rendered_once_per_process_follow_each_request(api, clerk_api, stocked, make_draft):
    """The output serializers are built once per process (``orders.serializers.render``): what each
    request sees still depends on its own language and user, and equals a fresh serializer's."""
    from orders.selectors import order_get
    from orders.serializers import OrderDetailOutput

    draft = dataclasses.replace(make_draft([("A001", 1), ("NOPE", 1)]), buyer_note="到了打 13812345678")
    order = order_intake(draft=draft).order
    path = f"{ORDERS}/{order.number}"
    chinese, english = api.get(path).json(), api.get(path, HTTP_ACCEPT_LANGUAGE="en").json()
    assert chinese["hold_reason"] == english["hold_reason"] == "unknown_sku"
    assert CJK.search(chinese["status_label"]) and not CJK.search(english["status_label"])
    assert not CJK.search(english["events"][0]["to_status_label"])
    masked = clerk_api.get(path).json()
    assert "13812345678" in api.get(path).json()["buyer_note"] and "13812345678" not in masked["buyer_note"]
    for answer, show_pii in ((chinese, True), (masked, False)):
        fresh = OrderDetailOutput(order_get(pk=order.pk), context={"show_pii": show_pii}).data
        assert answer == fresh


# --- stock -------------------------------------------------------------------------------------


def test_the_stock_list_shows_levels_and_filters_by_sku_warehouse_and_low(api, stocked, make_draft):
    order_intake(draft=make_draft([("A001", 95)]))
    StockLevel.objects.filter(sku__code="A002", warehouse__code="GZ").update(reorder_level=100)

    everything = api.get(STOCK).json()["results"]
    a001 = api.get(STOCK, {"sku": "A001"}).json()["results"]
    gz = api.get(STOCK, {"warehouse": "GZ"}).json()["results"]
    low = api.get(STOCK, {"low": "true"}).json()["results"]
    not_low = api.get(STOCK, {"low": "false"}).json()["results"]

    assert len(everything) == 10
    assert {(r["warehouse"], r["on_hand"], r["reserved"], r["available"]) for r in a001} == {
        ("HZ", 100, 95, 5),
        ("GZ", 100, 0, 100),
    }
    assert a001[0]["sku"] == "A001" and a001[0]["sku_name"] == "测试商品1" and a001[0]["reorder_level"] == 10
    assert {r["warehouse"] for r in gz} == {"GZ"} and len(gz) == 5
    assert {(r["sku"], r["warehouse"]) for r in low} == {("A001", "HZ"), ("A002", "GZ")}
    assert len(not_low) == 8


def test_the_stock_list_is_paginated_and_checks_its_filters(api, stocked):
    first = api.get(STOCK, {"page_size": 4}).json()
    second = api.get(first["next"]).json()
    bad = api.get(STOCK, {"low": "maybe"})

    assert len(first["results"]) == 4 and first["previous"] is None
    assert len(second["results"]) == 4
    assert not {(r["sku"], r["warehouse"]) for r in first["results"]} & {
        (r["sku"], r["warehouse"]) for r in second["results"]
    }
    assert bad.status_code == 400 and "low" in bad.json()["errors"]


# --- errors, language, schema, docs ------------------------------------------------------------


def test_errors_keep_their_shape_in_english_and_are_chinese_by_default(api, stocked, taobao_channel):
    body = intake_body(lines=[{"sku_code": "A001", "quantity": 0, "unit_price": "1"}])

    chinese = api.post(ORDERS, body, format="json").json()
    english = api.post(ORDERS, body, format="json", HTTP_ACCEPT_LANGUAGE="en").json()

    assert set(chinese) == set(english) == {"code", "message", "errors"}
    assert chinese["code"] == english["code"] == "invalid"
    assert CJK.search(chinese["message"]) and CJK.search(chinese["errors"]["lines[0].quantity"][0])
    assert list(english["errors"]) == ["lines[0].quantity"]
    assert not CJK.search(english["errors"]["lines[0].quantity"][0])


def test_the_openapi_schema_is_served_and_generates_without_warnings(db, client, tmp_path):
    response = client.get("/api/schema/", {"format": "json"})
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3")

    assert response.status_code == 200
    schema = response.json()
    assert set(schema["paths"]) == {
        "/api/v1/orders", "/api/v1/orders/batch", "/api/v1/orders/{number}", "/api/v1/stock"
    }
    intake = schema["paths"]["/api/v1/orders"]["post"]
    assert intake["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/OrderIntakeInput"
    )
    assert {"200", "201", "400", "401", "403", "409"} <= set(intake["responses"])
    assert "Idempotency-Key" in [p["name"] for p in intake["parameters"]]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_docs_page_loads_only_local_assets(db, client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""<(?:script|link)[^>]*?(?:src|href)=["']([^"']+)["']""", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    assert not [a for a in assets if urlsplit(a).netloc or a.startswith("//")]
    assert not re.search(r"https?://(?!localhost|testserver|127\.0\.0\.1)", html)
    for asset in assets:
        assert finders.find(asset.split("/static/", 1)[1].split("?")[0]), asset


def test_the_intake_post_runs_prepared_and_the_list_does_not(api, stocked, taobao_channel, settings):
    """``ApiView.prepared_methods``: the POST's own look-ups (rate limit included) are prepared once
    repeated; the list, filtered by any status, is planned for its values every time."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    settings.DB_PREPARE_THRESHOLD = 2
    for _ in range(4):
        assert api.post(ORDERS, intake_body(), format="json").status_code == 201
        assert api.get(ORDERS, {"status": "on_hold"}).status_code == 200

    def prepared(text: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{text}%"])
            return cursor.fetchone()[0]

    assert prepared('FROM "oms_shared_cache"') >= 1
    assert prepared('"orders_order"."status" = $') == 0
