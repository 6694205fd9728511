"""The label PDF, looked at after rasterising: Chinese renders, barcodes scan, the phone is masked,
a privacy-number order says the platform's e-waybill is needed."""

import pytest

from core.masking import mask_phone
from tests.shipping.pdf_helpers import barcodes, fonts, ink, page_size_mm, rasterise, text_of, words
from warehouse.carriers.errors import ShippingRefused
from warehouse.carriers.services import shipment_issue
from warehouse.printing.data import labels_for
from warehouse.printing.label import labels_pdf


@pytest.fixture
def issued(ready_order):
    """``issued(phone=..., ...)``: a ready order with its waybill issued; returns (order, shipment)."""

    def make(**kwargs):
        order = ready_order(**kwargs)
        return order, shipment_issue(order=order, weight_g=1250)

    return make


def test_a_label_renders_chinese_and_its_barcodes_scan(issued):
    order, shipment = issued(province="浙江省", city="杭州市", street="文三路 90 号 东部软件园 3 号楼")
    pdf = labels_pdf(labels_for([order]))

    (page,) = rasterise(pdf)
    found = barcodes(page)
    assert found["Code128"] == [shipment.waybill_number]
    assert found["QRCode"] == [shipment.waybill_number]
    # The Chinese words are where poppler says they are, and they are drawn (not blank, not boxes).
    placed = {word.text: word for word in words(pdf)}
    for text in ("王小明", "极兔", "杭州转运中心", "收", "寄"):
        assert ink(page, placed[text].box) > 0.08, text
    assert page_size_mm(pdf) == (76.0, 130.0)
    assert all(embedded for _name, embedded in fonts(pdf)), fonts(pdf)


def test_the_label_carries_sender_recipient_order_weight_and_the_sort_code(issued):
    order, shipment = issued(province="浙江省", city="杭州市")
    text = text_of(labels_pdf(labels_for([order])))

    for expected in (shipment.sort_code, order.number, "1.25 kg", "淘宝旗舰店", "杭州市", "文三路", "A001 ×2", "集包地",
                     "极兔标快"):
        assert expected in text, expected
    assert "138****1234" in text and "13812341234" not in text


def test_the_barcode_scans_at_the_thermal_printers_resolution(issued):
    order, shipment = issued(province="广东省", city="广州市")

    (page,) = rasterise(labels_pdf(labels_for([order])), dpi=203)

    assert barcodes(page)["Code128"] == [shipment.waybill_number]


@pytest.mark.parametrize("phone", ["139****1234", "17098765432-5678"])
def test_a_privacy_number_is_not_printed_as_a_phone(issued, phone):
    order, _shipment = issued(phone=phone)
    pdf = labels_pdf(labels_for([order]))
    text = text_of(pdf)

    assert "平台隐私号：须使用平台电子面单打印" in text
    assert phone not in text and mask_phone(phone) not in text and "****" not in text
    (page,) = rasterise(pdf)
    notice = next(word for word in words(pdf) if word.text.startswith("平台隐私号"))
    assert ink(page, notice.box) > 0.3  # white on black: mostly ink


def test_100_by_150_and_batch_printing_many_labels_in_one_pdf(issued):
    pairs = [issued(province=p, city=c) for p, c in (("浙江省", "杭州市"), ("广东省", "深圳市"), ("江苏省", "南京市"))]

    pdf = labels_pdf(labels_for([order for order, _s in pairs]), size="100x150")

    assert page_size_mm(pdf) == (100.0, 150.0)
    pages = rasterise(pdf, dpi=200)
    assert [barcodes(page)["Code128"] for page in pages] == [[s.waybill_number] for _o, s in pairs]


def test_labels_for_orders_without_a_waybill_are_refused_naming_them(issued, ready_order):
    printed, _shipment = issued()
    waiting = ready_order()

    with pytest.raises(ShippingRefused, match=f"以下订单尚未出面单：{waiting.number}"):
        labels_for([printed, waiting])


def test_building_label_data_takes_the_same_queries_for_3_or_12_orders(issued, django_assert_num_queries):
    orders = [issued()[0] for _ in range(12)]

    with django_assert_num_queries(3):
        labels_for(orders[:3])
    with django_assert_num_queries(3):
        labels_for(orders)
