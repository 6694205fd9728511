"""Every column each export format reads lands somewhere on the order it makes: a field, a line,
the order's source or its "created" event. A column added to an alias table without a landing
place fails here (``LANDS`` has no check for it)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from channels.imports import FORMATS, douyin, jd, pinduoduo, taobao, template
from channels.models import Channel, Platform
from channels.services.imports import import_create, import_run, import_start
from orders.models import Order
from orders.privacy import PhonePrivacy
from tests.channels import import_files as f

SHANGHAI = ZoneInfo("Asia/Shanghai")
NUMBER = "880011223344556677"

#: A value for each field, as a seller's file holds it (statuses per format below).
VALUES = {
    "order": NUMBER,
    "sku": "A001",
    "fallback_sku": "3500012345",
    "title": "北欧风陶瓷马克杯",
    "attributes": "颜色分类:雾蓝",
    "quantity": "2",
    "unit_price": "15.00",
    "list_amount": "30.00",
    "line_amount": "24.00",
    "line_discount": "6.00",
    "paid_amount": "27.00",
    "shipping_fee": "3.00",
    "discount": "1.50",
    "after_sale": "无售后或售后取消",
    "name": "王小明",
    "phone": "17098765432-5678",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "town": "西溪街道",
    "street": "文三路 90 号 3 幢",
    "address": "浙江省 杭州市 西湖区 文三路90号 3幢(310000)",
    "buyer": "小明的小号😀",
    "placed_at": "2026-11-20 08:00:00",
    "paid_at": "2026-11-20 08:05:00",
    "buyer_note": "请用纸箱包装",
    "seller_note": "老客户，送小样",
    "sub_order": "6921000000000000999",
}
PAID_STATUS = {
    "taobao_orders": "买家已付款，等待卖家发货",
    "pinduoduo": "待发货",
    "douyin": "待发货",
    "jd": "等待出库",
    "template": "已付款",
}


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def _created(order: Order) -> dict:
    return order.events.get(action="created").data


#: field -> a check that its value landed on the order (``fmt`` given for per-format values).
LANDS = {
    "order": lambda o, fmt: o.sources.get().external_id == NUMBER,
    "sku": lambda o, fmt: o.lines.get().sku_code == "A001",
    "fallback_sku": lambda o, fmt: _created(o).get("product_ids") == ["3500012345"],
    "title": lambda o, fmt: o.lines.get().title.startswith("北欧风陶瓷马克杯"),
    "attributes": lambda o, fmt: "颜色分类:雾蓝" in o.lines.get().title,
    "quantity": lambda o, fmt: o.lines.get().quantity == 2,
    "unit_price": lambda o, fmt: o.lines.get().unit_price == Decimal("15.00"),
    # The listed price stays the price; what the buyer paid for the row is the order's amount.
    "list_amount": lambda o, fmt: o.lines.get().unit_price == Decimal("15.00"),
    "line_amount": lambda o, fmt: o.lines.get().unit_price == Decimal("15.00")
    and (o.paid_amount == Decimal("24.00") or "paid_amount" in fmt.columns),
    "line_discount": lambda o, fmt: o.discount_amount == Decimal("6.00"),
    "paid_amount": lambda o, fmt: o.paid_amount == Decimal("27.00"),
    "shipping_fee": lambda o, fmt: o.shipping_fee == Decimal("3.00"),
    "discount": lambda o, fmt: o.discount_amount == Decimal("1.50"),
    "status": lambda o, fmt: _created(o)["platform_status"] == PAID_STATUS[fmt.code] and o.paid_at is not None,
    "after_sale": lambda o, fmt: _created(o).get("after_sale") == "无售后或售后取消",
    "name": lambda o, fmt: o.recipient_name == "王小明",
    "phone": lambda o, fmt: (o.phone, o.phone_extension, o.phone_privacy)
    == ("17098765432", "5678", PhonePrivacy.VIRTUAL),
    "province": lambda o, fmt: o.province == "浙江省",
    "city": lambda o, fmt: o.city == "杭州市",
    "district": lambda o, fmt: o.district == "西湖区",
    "town": lambda o, fmt: o.street.startswith("西溪街道"),
    "street": lambda o, fmt: "文三路 90 号 3 幢" in o.street or "文三路90号 3幢" in o.street,
    "address": lambda o, fmt: (o.province, o.city, o.district, o.street) == ("浙江省", "杭州市", "西湖区", "文三路90号 3幢"),
    "buyer": lambda o, fmt: o.sources.get().buyer_nick == "小明的小号😀",
    "placed_at": lambda o, fmt: o.placed_at == _local("2026-11-20 08:00:00"),
    "paid_at": lambda o, fmt: o.paid_at == _local("2026-11-20 08:05:00"),
    "buyer_note": lambda o, fmt: o.buyer_note == "请用纸箱包装",
    "seller_note": lambda o, fmt: o.seller_note == "老客户，送小样",
    "sub_order": lambda o, fmt: _created(o).get("sub_orders") == ["6921000000000000999"],
}

#: Columns a file carries instead of others: the address in one string instead of its parts.
ADDRESS_PARTS = ("province", "city", "district", "town", "street")


def test_every_field_of_every_format_has_a_landing_check():
    for fmt in FORMATS:
        assert set(fmt.columns) <= set(LANDS), f"{fmt.code} reads {set(fmt.columns) - set(LANDS)} into nowhere"


def _one_row(fmt, fields) -> tuple[list[str], list[str]]:
    header = [fmt.columns[name][0] for name in fields]
    row = [PAID_STATUS.get(fmt.code, "") if name == "status" else VALUES[name] for name in fields]
    return header, row


def _variants(fmt):
    """The field sets a file of this format carries: all of them, with the address as parts or as
    one string where the format reads both."""
    fields = list(fmt.columns)
    if "address" in fields and any(part in fields for part in ADDRESS_PARTS):
        yield [name for name in fields if name != "address"]
        yield [name for name in fields if name not in ADDRESS_PARTS]
    else:
        yield fields


def _channel(platform: str | None) -> Channel:
    platform = platform or Platform.OWN
    return Channel.objects.create(code=f"shop-{platform}", name=f"{platform} 店", platform=platform)


def _import(channel, data: bytes, extra: bytes | None, django_capture_on_commit_callbacks) -> Order:
    job = import_create(
        channel=channel,
        file=SimpleUploadedFile("orders.csv", data),
        extra_file=SimpleUploadedFile("items.csv", extra) if extra else None,
    )
    assert (job.new_orders, job.invalid_orders, job.problems) == (1, 0, [])
    with django_capture_on_commit_callbacks(execute=False):
        import_start(job)
    import_run(job.pk)
    return Order.objects.get(sources__external_id=NUMBER)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("fmt", [pinduoduo.FORMAT, douyin.FORMAT, jd.FORMAT, template.FORMAT], ids=lambda f: f.code)
def test_every_column_a_one_file_format_reads_lands_on_the_order(fmt, stocked, django_capture_on_commit_callbacks):
    channel = _channel(fmt.platform)
    for fields in _variants(fmt):
        Order.objects.all().delete()
        header, row = _one_row(fmt, fields)
        order = _import(channel, f.to_csv(header, [row], encoding="gb18030"), None, django_capture_on_commit_callbacks)
        missed = [name for name in fields if not LANDS[name](order, fmt)]
        assert not missed, f"{fmt.code}: {missed} read but not on the order"


def test_every_column_of_taobaos_two_reports_lands_on_the_order(stocked, django_capture_on_commit_callbacks):
    channel = _channel(Platform.TAOBAO)
    order_header, order_row = _one_row(taobao.ORDERS, list(taobao.ORDERS.columns))
    item_header, item_row = _one_row(taobao.ITEMS, list(taobao.ITEMS.columns))
    order = _import(
        channel,
        f.to_csv(order_header, [order_row], encoding="gb18030"),
        f.to_xlsx(item_header, [item_row]),
        django_capture_on_commit_callbacks,
    )
    for fmt in (taobao.ORDERS, taobao.ITEMS):
        missed = [name for name in fmt.columns if not LANDS[name](order, taobao.ORDERS)]
        assert not missed, f"{fmt.code}: {missed} read but not on the order"


def test_docs_list_every_column_of_every_format():
    from pathlib import Path

    from django.conf import settings

    text = (Path(settings.BASE_DIR) / "docs" / "IMPORT.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    for fmt in FORMATS:
        label = str(fmt.label).replace(" 订单导出", "")
        row = rows.get(label) or rows[str(fmt.label)]
        missing = [aliases[0] for aliases in fmt.columns.values() if aliases[0] not in row]
        assert not missing, f"docs/IMPORT.md does not list {missing} for {fmt.label}"
