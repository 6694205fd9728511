"""Every export format we read: encodings, XLSX, multi-row orders, Taobao's two files, the Excel
habits (protected numbers, numbers stored as numbers), and files we refuse."""

import io

import pytest

from channels.connectors.base import PlatformStatus
from channels.imports import FileUnreadable, open_export
from channels.imports.template import HEADER as TEMPLATE_HEADER
from channels.imports.template import template_csv, template_xlsx
from tests.channels import import_files as f


def _orders(data: bytes, extra: bytes | None = None, **kwargs):
    export = open_export(io.BytesIO(data), io.BytesIO(extra) if extra else None, **kwargs)
    return export, list(export.orders("shop"))


ENCODINGS = [
    pytest.param({"encoding": "gbk"}, id="gbk"),
    pytest.param({"encoding": "gb18030"}, id="gb18030"),
    pytest.param({"encoding": "utf-8"}, id="utf8"),
    pytest.param({"encoding": "utf-8", "bom": True}, id="utf8-bom"),
    pytest.param(None, id="xlsx"),
]


def _file(header, rows, how):
    return f.to_xlsx(header, rows) if how is None else f.to_csv(header, rows, **how)


@pytest.mark.parametrize("how", ENCODINGS)
def test_pinduoduo_rows_group_into_orders(how):
    rows = f.pdd_rows(20, seed=3)
    export, orders = _orders(_file(f.PDD_HEADER, rows, how))
    assert export.format.code == "pinduoduo"
    assert len(orders) == 20
    assert sum(len(o.draft.lines) for o in orders) == len(rows)
    assert export.rows_read == len(rows)
    first = orders[1]
    assert first.external_id == "261122-000000000000001"
    assert first.draft.recipient.province == "上海" and first.draft.recipient.street
    assert first.draft.recipient.phone == "138****6789"  # masked, kept as sent
    assert first.draft.paid and first.status == PlatformStatus.PAID
    assert all(not o.problems for o in orders)
    assert first.draft.paid_amount == sum(line.unit_price * line.quantity for line in first.draft.lines)


@pytest.mark.parametrize("how", ENCODINGS)
def test_taobao_order_and_item_reports_join(how):
    order_rows, item_rows = f.taobao_files()
    orders_file = _file(f.TAOBAO_ORDER_HEADER, order_rows, how)
    items_file = _file(f.TAOBAO_ITEM_HEADER, item_rows, how)
    # Either file may come first.
    for first, second in ((orders_file, items_file), (items_file, orders_file)):
        export, orders = _orders(first, second, platform="taobao")
        assert export.format.code == "taobao_orders"
        by_id = {o.external_id: o for o in orders}
        paid = by_id["3861204455123456789"]  # ="…" protection removed
        assert [(line.sku_code, line.quantity) for line in paid.draft.lines] == [("A001", 2), ("A002", 1)]
        assert paid.draft.recipient.city == "杭州市"
        assert paid.draft.recipient.street == "文三路90号 3幢1201室"  # postcode dropped
        assert paid.draft.recipient.phone == "13812345678"  # leading ' dropped
        assert by_id["3861204455123456790"].status == PlatformStatus.UNPAID
        assert not by_id["3861204455123456790"].draft.paid
        assert by_id["3861204455123456791"].status == PlatformStatus.CANCELLED


@pytest.mark.parametrize("how", ENCODINGS)
def test_douyin_sub_orders_and_product_id_fallback(how):
    export, orders = _orders(_file(f.DOUYIN_HEADER, f.douyin_rows(), how))
    assert export.format.code == "douyin"
    assert [o.external_id for o in orders] == ["6921000000000000001", "6921000000000000004"]
    assert [line.sku_code for line in orders[0].draft.lines] == ["A001", "3500000002"]
    assert orders[1].status == PlatformStatus.UNPAID


@pytest.mark.parametrize("how", ENCODINGS)
def test_jd_export_and_our_template(how):
    export, orders = _orders(_file(f.JD_HEADER, f.jd_rows(), how))
    assert export.format.code == "jd"
    assert orders[0].draft.recipient.province == "北京"
    export, orders = _orders(_file(TEMPLATE_HEADER, f.template_rows(), how))
    assert export.format.code == "template"
    assert [len(o.draft.lines) for o in orders] == [2, 1]
    assert orders[1].status == PlatformStatus.UNPAID


def test_downloadable_templates_read_back():
    for data in (template_csv(), template_xlsx()):
        export, orders = _orders(data)
        assert export.format.code == "template"
        assert orders[0].draft.lines[0].sku_code == "A001"


def test_emoji_survive_gb18030():
    rows = f.pdd_rows(1)
    rows[0][12] = "建国路 88 号 😀 前台代收"
    _export, orders = _orders(f.to_csv(f.PDD_HEADER, rows, encoding="gb18030"))
    assert orders[0].draft.recipient.street == "建国路 88 号 😀 前台代收"


def test_bad_rows_are_reported_with_row_numbers():
    rows = f.pdd_rows(6, seed=2, skus=("A001",))
    rows[1][3] = "两件"  # row 3: bad quantity
    rows[2][4] = "abc"  # row 4: bad amount
    rows[3][9] = ""  # row 5: no city: an order all the same (the intake holds it), not a problem
    rows[4][18] = "2026-13-45"  # row 6: bad date
    rows[5][0] = "4.012345678901235e+18"  # row 7: order number that Excel turned into a number
    _export, orders = _orders(f.to_csv(f.PDD_HEADER, rows, encoding="gbk"))
    problems = {p.row: p.reason for o in orders for p in o.problems}
    assert set(problems) == {3, 4, 6, 7}
    assert "商品数量" in problems[3] or "数量" in problems[3]
    assert "金额" in problems[4]
    assert "日期" in problems[6]
    assert "Excel" in problems[7]
    assert [o.draft is not None for o in orders] == [True, False, False, True, False, False]
    assert orders[3].draft.recipient.city == "" and orders[3].first_row == 5


def test_unknown_status_and_split_order_are_problems():
    rows = f.template_rows()
    rows[2][16] = "发货了"
    rows.append(list(rows[0]))  # order T…01 again, not adjacent
    _export, orders = _orders(f.to_csv(TEMPLATE_HEADER, rows))
    reasons = [p.reason for o in orders for p in o.problems]
    assert any("未知的订单状态" in r for r in reasons)
    assert any("相邻" in r for r in reasons)


@pytest.mark.parametrize(
    ("data", "extra", "platform", "message"),
    [
        (b"", None, None, "空"),
        (b"\x00\x01\x02binary\x00", None, None, "不是表格"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None, None, ".xls"),
        (b"PK\x03\x04broken zip", None, None, "XLSX"),
        ("姓名,年龄\n张三,3\n".encode("gbk"), None, None, "无法识别表头"),
        (f.to_csv(f.PDD_HEADER, f.pdd_rows(1)), None, "taobao", "平台不符"),
        (f.to_csv(f.TAOBAO_ORDER_HEADER, f.taobao_files()[0]), None, None, "宝贝报表"),
        (f.to_csv(f.PDD_HEADER, f.pdd_rows(1)), f.to_csv(f.JD_HEADER, f.jd_rows()), None, "不能一起导入"),
        (f.to_csv([h for h in f.PDD_HEADER if h != "省"], []), None, None, "缺少必需的列"),
    ],
    ids=[
        "empty",
        "binary",
        "xls",
        "bad-xlsx",
        "unknown-header",
        "wrong-platform",
        "taobao-half",
        "two-files",
        "missing-column",
    ],
)
def test_bad_files_are_refused_with_a_reason(data, extra, platform, message):
    with pytest.raises(FileUnreadable) as caught:
        export = open_export(io.BytesIO(data), io.BytesIO(extra) if extra else None, platform=platform)
        list(export.orders("shop"))
    assert message in str(caught.value)


def test_taobao_resume_skips_orders_and_orphan_items_alike():
    order_rows, item_rows = f.taobao_files()
    item_rows.append(['="999"', "孤儿商品", "1.00", 1, "", "A001", "交易成功"])
    data = f.to_csv(f.TAOBAO_ORDER_HEADER, order_rows), f.to_csv(f.TAOBAO_ITEM_HEADER, item_rows)
    export = open_export(io.BytesIO(data[0]), io.BytesIO(data[1]))
    every = list(export.orders("shop"))
    assert [o.external_id for o in every] == [
        "3861204455123456789", "3861204455123456790", "3861204455123456791", "999"
    ]
    assert "订单报表里没有这个订单" in every[-1].problems[0].reason and every[-1].problems[0].file == "宝贝报表"
    for skip in range(5):
        again = open_export(io.BytesIO(data[0]), io.BytesIO(data[1]))
        assert [o.external_id for o in again.orders("shop", skip=skip)] == [o.external_id for o in every[skip:]]
