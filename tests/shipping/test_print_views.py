"""PDF downloads: who may, what a refusal says, and the QR's absolute URL from the request."""

import pytest
from django.test import Client

from oms.roles import OPS
from tests.shipping.pdf_helpers import barcodes, rasterise
from warehouse.carriers.services import shipment_issue
from warehouse.printing import fonts


@pytest.fixture
def printer(make_member):
    client = Client()
    client.force_login(make_member(OPS, "ops_print"))
    return client


def test_anonymous_goes_to_login_and_staff_without_the_right_is_refused(ready_order, django_user_model):
    order = ready_order()
    url = f"/floor/print/sheet/{order.number}.pdf"

    assert Client().get(url).status_code == 302

    client = Client()
    client.force_login(django_user_model.objects.create_user("clerk", is_staff=True))
    response = client.get(url)
    assert response.status_code == 403 and "没有打印" in response.content.decode()


def test_a_sheet_download_with_the_pack_url_in_its_qr(printer, ready_order):
    order = ready_order()

    response = printer.get(f"/floor/print/sheet/{order.number}.pdf?slot=4")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="sheet-{order.number}.pdf"'
    (page,) = rasterise(response.content, dpi=200)
    assert barcodes(page)["QRCode"] == [f"http://testserver/floor/pack/{order.number}/"]


def test_a_wave_of_sheets_and_a_batch_of_labels(printer, ready_order):
    orders = [ready_order() for _ in range(3)]
    for order in orders:
        shipment_issue(order=order, weight_g=900)
    listed = ",".join(f"{order.number}:{slot}" for slot, order in enumerate(orders, start=1))

    sheets = printer.get(f"/floor/print/sheets.pdf?orders={listed}&wave=W7")
    labels = printer.get("/floor/print/labels.pdf", {"orders": ",".join(o.number for o in orders), "size": "100x150"})

    assert sheets.status_code == 200 and len(rasterise(sheets.content, dpi=50)) == 3
    assert labels.status_code == 200 and len(rasterise(labels.content, dpi=50)) == 3
    assert printer.get(f"/floor/print/label/{orders[0].number}.pdf").status_code == 200


@pytest.mark.parametrize(
    "url, status, message",
    [
        ("/floor/print/sheet/SO19990101000001.pdf", 404, "找不到订单：SO19990101000001"),
        ("/floor/print/sheets.pdf", 400, "请用 orders 参数给出订单号"),
        ("/floor/print/sheets.pdf?orders=SO1,SO1", 400, "订单号重复"),
        ("/floor/print/labels.pdf?orders=X&size=A4", 400, "面单尺寸只能是 76x130、100x150"),
    ],
)
def test_bad_requests_get_a_clear_message(printer, url, status, message, db):
    response = printer.get(url)

    assert response.status_code == status
    assert message in response.content.decode()


def test_a_label_before_its_waybill_is_refused(printer, ready_order):
    order = ready_order()

    response = printer.get(f"/floor/print/label/{order.number}.pdf")

    assert response.status_code == 409 and f"以下订单尚未出面单：{order.number}" in response.content.decode()


def test_too_many_orders_at_once_are_refused(printer, db):
    listed = ",".join(f"SO{i:014d}" for i in range(501))

    response = printer.get("/floor/print/labels.pdf", {"orders": listed})

    assert response.status_code == 400 and "一次最多打印 500 个订单" in response.content.decode()


def test_posting_is_not_allowed(printer, ready_order):
    assert printer.post(f"/floor/print/sheet/{ready_order().number}.pdf").status_code == 405


def test_without_a_cjk_font_the_answer_names_the_package(printer, ready_order, settings):
    order = ready_order()
    settings.PDF_CJK_FONT = "/nonexistent/font.ttc"
    fonts.reset_for_tests()
    try:
        response = printer.get(f"/floor/print/sheet/{order.number}.pdf")
    finally:
        fonts.reset_for_tests()

    assert response.status_code == 503
    assert "fonts-wqy-microhei" in response.content.decode() and "PDF_CJK_FONT" in response.content.decode()


def test_the_html_label_for_printing_from_the_browser(printer, ready_order):
    order = ready_order(phone="139****1234")
    shipment = shipment_issue(order=order, weight_g=1250)

    page = printer.get(f"/floor/print/label/{order.number}.html?size=100x150").content.decode()
    batch = printer.get("/floor/print/labels.html", {"orders": order.number})

    assert "@page { size: 100mm 150mm" in page and shipment.waybill_number in page and shipment.sort_code in page
    assert page.count("<svg") == 2 and "1.25 kg" in page
    assert "平台隐私号：须使用平台电子面单打印" in page and "139****1234" not in page
    assert batch.status_code == 200 and "@page { size: 76mm 130mm" in batch.content.decode()


def test_without_a_font_the_label_pdf_points_to_the_html_label(printer, ready_order, settings):
    order = ready_order()
    shipment_issue(order=order, weight_g=800)
    settings.PDF_CJK_FONT = "/nonexistent/font.ttc"
    fonts.reset_for_tests()
    try:
        response = printer.get(f"/floor/print/label/{order.number}.pdf?size=100x150")
    finally:
        fonts.reset_for_tests()

    assert response.status_code == 503
    assert f"http://testserver/floor/print/label/{order.number}.html?size=100x150" in response.content.decode()
