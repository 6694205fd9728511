"""Imports keep what the platform sent: a half address is an order on hold (never an invalid row),
row numbers are Excel's also for ``\\r\\r\\n`` files, privacy numbers stay privacy numbers, and the
job links to the orders it created and held."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from channels.imports.template import HEADER as TEMPLATE_HEADER
from channels.models import Channel, ImportJob, Platform
from channels.services.imports import import_create, import_run, import_start
from orders.models import Customer, Order
from orders.privacy import PhonePrivacy
from orders.states import HoldReason, OrderStatus
from tests.channels import import_files as f


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _channel(platform: str) -> Channel:
    return Channel.objects.create(code=f"shop-{platform}", name=f"{platform} 店", platform=platform)


def _take_in(channel, data, extra=None, *, capture) -> ImportJob:
    job = import_create(
        channel=channel,
        file=SimpleUploadedFile("orders.csv", data),
        extra_file=SimpleUploadedFile("items.csv", extra) if extra else None,
    )
    assert job.invalid_orders == 0, job.problems
    with capture(execute=False):
        import_start(job)
    return import_run(job.pk)


def _province_and_city_only():
    """(platform, file, extra file, the platform order number whose address is only 省 + 市)."""
    pdd = f.pdd_rows(2, seed=9)
    for row in pdd:
        if row[0].endswith("1"):
            row[10], row[11], row[12] = "", "", ""  # 区, 街道, 详细地址
    order_rows, item_rows = f.taobao_files()
    order_rows[0][7] = "浙江省 杭州市"
    dy = f.douyin_rows()
    dy[2][15], dy[2][16] = "", ""
    jd_rows = f.jd_rows()
    jd_rows[1][8] = "江苏省 南京市"
    tpl = f.template_rows()
    tpl[2][9], tpl[2][10] = "", ""
    return [
        ("pinduoduo", f.to_csv(f.PDD_HEADER, pdd), None, "261122-000000000000001"),
        ("taobao", f.to_csv(f.TAOBAO_ORDER_HEADER, order_rows), f.to_csv(f.TAOBAO_ITEM_HEADER, item_rows),
         "3861204455123456789"),
        ("douyin", f.to_xlsx(f.DOUYIN_HEADER, dy), None, "6921000000000000004"),
        ("jd", f.to_csv(f.JD_HEADER, jd_rows, encoding="gbk"), None, "300012345679"),
        ("own", f.to_csv(TEMPLATE_HEADER, tpl), None, "T20261122000002"),
    ]


@pytest.mark.parametrize(("platform", "data", "extra", "number"), _province_and_city_only(),
                         ids=["pinduoduo", "taobao", "douyin", "jd", "template"])
def test_province_and_city_only_is_taken_in_on_hold_saying_what_is_missing(
    platform, data, extra, number, stocked, django_capture_on_commit_callbacks
):
    job = _take_in(_channel(platform), data, extra, capture=django_capture_on_commit_callbacks)

    order = Order.objects.get(sources__external_id=number)
    assert job.invalid_orders == 0 and job.new_orders == Order.objects.count()
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.BAD_ADDRESS)
    assert order.province and order.city and not order.street
    assert "详细地址" in order.hold_note
    assert not order.lines.filter(reserved_quantity__gt=0).exists()


def test_an_order_without_any_item_code_is_still_invalid(django_capture_on_commit_callbacks, stocked):
    rows = f.pdd_rows(2, seed=9, skus=("A001",))
    rows[0][13] = ""  # no 商家编码 at all
    job = import_create(channel=_channel("pinduoduo"), file=SimpleUploadedFile("o.csv", f.to_csv(f.PDD_HEADER, rows)))
    assert (job.new_orders, job.invalid_orders) == (1, 1)
    assert job.problems[0]["row"] == 2 and "商家编码" in job.problems[0]["reason"]


def test_row_numbers_are_excels_also_when_lines_end_in_cr_cr_lf(stocked):
    rows = f.pdd_rows(4, seed=2, skus=("A001",))
    rows[2][3] = "两件"  # Excel row 4
    text = f.to_csv(f.PDD_HEADER, rows).decode("utf-8").replace("\r\n", "\r\r\n")
    # A buyer's note over two lines, inside quotes, is one row in Excel too.
    text = text.replace("无售后或售后取消", '"无售后\r\r\n或售后取消"', 1)
    job = import_create(
        channel=_channel("pinduoduo"), file=SimpleUploadedFile("o.csv", text.encode("gb18030"))
    )
    assert [p["row"] for p in job.problems] == [4]
    assert job.total_rows == 4 and (job.new_orders, job.invalid_orders) == (3, 1)


def test_xlsx_row_numbers_count_blank_rows_as_excel_shows_them(stocked):
    rows = f.pdd_rows(2, seed=2, skus=("A001",))
    rows[1][3] = "0"
    data = f.to_xlsx(f.PDD_HEADER, [rows[0], [""] * len(rows[0]), rows[1]])
    job = import_create(channel=_channel("pinduoduo"), file=SimpleUploadedFile("o.xlsx", data))
    assert [p["row"] for p in job.problems] == [4]


def test_privacy_numbers_are_kept_as_what_they_are_and_make_no_customer(stocked, django_capture_on_commit_callbacks):
    rows = f.pdd_rows(6, seed=4, skus=("A001",))
    for i, row in enumerate(rows):
        row[7] = f"1390000000{i}"
    # Orders 1 and 4 come from the same virtual number: still not the same customer.
    rows[1][6], rows[1][7] = "刘**", "17012345678-1234"
    rows[4][6], rows[4][7] = "陈**", "17012345678-1234"
    rows[2][6], rows[2][7] = "张**", "139****1234"
    _take_in(_channel("pinduoduo"), f.to_csv(f.PDD_HEADER, rows), capture=django_capture_on_commit_callbacks)

    virtual = Order.objects.filter(phone_privacy=PhonePrivacy.VIRTUAL)
    assert virtual.count() == 2
    assert set(virtual.values_list("phone", "phone_extension")) == {("17012345678", "1234")}
    assert all(o.customer_id is None and o.needs_platform_waybill for o in virtual)
    masked = Order.objects.get(recipient_name="张**")
    assert (masked.phone, masked.phone_privacy, masked.customer_id) == ("139****1234", PhonePrivacy.MASKED, None)
    assert not Customer.objects.filter(phone__startswith="170").exists()
    assert not Customer.objects.filter(phone__contains="*").exists()
    plain = Order.objects.filter(phone_privacy=PhonePrivacy.PLAIN)
    assert plain.exists() and all(o.customer_id and not o.needs_platform_waybill for o in plain)


def test_the_upload_form_chooses_no_shop_for_the_person(ops_client, db):
    _channel("pinduoduo")
    Channel.objects.create(code="aaa", name="AAA 店", platform=Platform.TAOBAO)
    page = ops_client.get(reverse("admin:channels_importjob_add")).content.decode()
    assert '<option value="" selected>请选择渠道</option>' in page

    response = ops_client.post(
        reverse("admin:channels_importjob_add"),
        {"file": SimpleUploadedFile("o.csv", f.to_csv(f.PDD_HEADER, f.pdd_rows(1)))},
    )
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_finished_import_links_to_the_orders_it_created_and_held(
    ops_client, stocked, django_capture_on_commit_callbacks
):
    rows = f.pdd_rows(5, seed=6, skus=("A001",))
    rows[0][13] = "NOT-OURS"  # held: unknown code
    channel = _channel("pinduoduo")
    earlier = _take_in(channel, f.to_csv(f.PDD_HEADER, f.pdd_rows(1, prefix="999-")),
                       capture=django_capture_on_commit_callbacks)
    job = _take_in(channel, f.to_csv(f.PDD_HEADER, rows), capture=django_capture_on_commit_callbacks)

    page = ops_client.get(reverse("admin:channels_importjob_change", args=[job.pk])).content.decode()
    created_url = f"{reverse('admin:orders_order_changelist')}?import_job={job.pk}"
    assert f'href="{created_url}"' in page and "查看本次导入的 5 张订单" in page
    assert f'href="{created_url}&amp;hold=yes"' in page and "其中 1 张挂起待处理" in page

    listed = ops_client.get(created_url)
    assert listed.status_code == 200
    assert len(listed.context["cl"].result_list) == 5
    assert earlier.new_orders == 1 and Order.objects.count() == 6
    held = ops_client.get(f"{created_url}&hold=yes").context["cl"].result_list
    assert [o.hold_reason for o in held] == [HoldReason.UNKNOWN_SKU]
    assert ops_client.get(f"{reverse('admin:orders_order_changelist')}?import_job=abc").context[
        "cl"
    ].result_count == 0
