"""The execution sheet (仓库执行单): A6, per order and per wave, lines in walking order, the QR
opens the order's pack page, Chinese renders."""

import pytest

from inventory.models import Bin, StockLevel
from orders.models import Priority
from tests.shipping.pdf_helpers import barcodes, fonts, ink, page_size_mm, rasterise, text_of, words
from warehouse.printing.data import SheetData, SheetLine, pack_path, sheets_for
from warehouse.printing.sheet import sheets_pdf


def absolute(path: str) -> str:
    return f"http://oms.example.com{path}"


@pytest.fixture
def binned(ready_order):
    """Home bins for A001..A005 in every warehouse: A005 first on the walk, A001 last."""

    def make(**kwargs):
        order = ready_order(**kwargs)
        for level in StockLevel.objects.filter(warehouse=order.warehouse).select_related("sku"):
            number = int(level.sku.code[-1])
            level.home_bin = Bin.objects.get_or_create(
                warehouse=order.warehouse, code=f"A-0{number}-01", defaults={"pick_sequence": 100 - number * 10}
            )[0]
            level.save(update_fields=["home_bin"])
        return order

    return make


def test_a_sheet_has_every_mandatory_field_and_lists_lines_in_walking_order(binned):
    order = binned(
        lines=[("A001", 2), ("A004", 1)], priority=Priority.URGENT,
        buyer_note="请用纸箱包装，放快递柜", seller_note="VIP 客户送小样",
    )

    pdf = sheets_pdf(sheets_for([(order, None)], url_for=absolute))

    text = text_of(pdf)
    for expected in (order.number, "仓库执行单", "特急", "A-04-01", "A-01-01", "测试商品1", "测试商品4", "×2", "×1",
                     "请用纸箱包装，放快递柜", "VIP 客户送小样", "淘宝旗舰店", "共 2 种 3 件"):
        assert expected in text, expected
    placed = {word.text: word for word in words(pdf)}
    assert placed["A004"].box[1] < placed["A001"].box[1]  # A-04-01 comes before A-01-01 on the walk
    assert page_size_mm(pdf) == (105.0, 148.0)
    assert all(embedded for _name, embedded in fonts(pdf))
    (page,) = rasterise(pdf)
    assert barcodes(page)["QRCode"] == [f"http://oms.example.com/floor/pack/{order.number}/"]
    for word in ("测试商品1", "买家留言", "仓库执行单"):
        assert ink(page, placed[word].box) > 0.08, word


def test_a_wave_prints_one_pdf_with_each_orders_slot(binned):
    orders = [binned(lines=[(f"A00{n}", n)]) for n in (1, 2, 3)]

    pdf = sheets_pdf(sheets_for([(order, slot) for slot, order in enumerate(orders, start=1)], wave="W20261122-001"))

    pages = rasterise(pdf, dpi=200)
    assert len(pages) == 3
    assert [barcodes(page)["QRCode"] for page in pages] == [[pack_path(order.number)] for order in orders]
    page_texts = text_of(pdf).split("\f")
    for slot, (order, text) in enumerate(zip(orders, page_texts, strict=False), start=1):
        assert order.number in text and f"格口 {slot}" in text and "波次 W20261122-001" in text


def test_a_long_order_continues_on_a_second_page_with_the_notes_at_the_end():
    lines = [SheetLine(f"B-{i:02d}", f"SKU{i:03d}", f"商品{i}", 1 + i % 3, i) for i in range(14)]
    sheet = SheetData(
        number="SO20261122000999", shop="抖音小店", warehouse="杭州仓", priority=Priority.NORMAL, buyer_note="",
        seller_note="易碎", promised_ship_at=None, lines=lines, pack_url="/floor/pack/SO20261122000999/", slot="7",
    )

    pdf = sheets_pdf([sheet])

    first, second = text_of(pdf).split("\f")[:2]
    assert "第 1/2 页" in first and "SKU000" in first and "卖家备注" not in first
    assert "SO20261122000999（续）" in second and "格口 7" in second and "SKU013" in second
    assert "第 2/2 页" in second and "易碎" in second and "买家留言" in second and "无" in second


def test_sheet_data_takes_two_queries_however_many_orders(binned, django_assert_num_queries):
    orders = [binned() for _ in range(6)]

    with django_assert_num_queries(2):
        sheets_for([(order, None) for order in orders[:2]])
    with django_assert_num_queries(2):
        sheets = sheets_for([(order, i) for i, order in enumerate(orders)])
    assert [sheet.number for sheet in sheets] == [order.number for order in orders]
