"""Totals that do not fit the money columns (12 digits, 2 decimals) are refused in the draft, one
place for the API, webhooks and imports: that order gets a clear error, the others go in, and the
database's own error text never reaches a person."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError

from channels.models import Channel, ImportStatus, InboxMessage, InboxStatus, Platform
from channels.services import imports
from channels.services.imports import import_create, import_run, import_start
from channels.services.inbox import inbox_process
from orders.drafts import DraftInvalid, DraftLine
from orders.models import Order
from tests.channels import import_files as f
from tests.channels.webhook_helpers import encode, sample, send

TOP = "9999999999.99"  # the largest amount a money column holds


def test_the_draft_refuses_a_goods_total_or_a_paid_amount_past_the_limit(make_draft):
    import dataclasses

    draft = make_draft()
    over_goods = dataclasses.replace(draft, lines=(DraftLine("A001", 2, Decimal(TOP)),))
    over_paid = dataclasses.replace(draft, lines=(DraftLine("A001", 1, Decimal(TOP)),), shipping_fee=Decimal("1.00"))
    at_limit = dataclasses.replace(draft, lines=(DraftLine("A001", 1, Decimal(TOP)),))

    with pytest.raises(DraftInvalid) as goods:
        over_goods.validate()
    with pytest.raises(DraftInvalid) as paid:
        over_paid.validate()
    at_limit.validate()
    assert "goods_amount" in goods.value.errors and "paid_amount" in paid.value.errors
    assert "9999999999.99" in goods.value.errors["goods_amount"]


def test_the_api_answers_400_for_an_overflowing_order_and_writes_nothing(stocked, taobao_channel):
    from tests.security.test_masking import _api

    api = _api(["orders.add_order", "orders.view_order"])
    body = {
        "channel": taobao_channel.code,
        "external_id": "BIG-1",
        "recipient": {"name": "王小明", "phone": "13812341234", "province": "浙江省", "city": "杭州市",
                      "street": "文三路 90 号"},
        "lines": [{"sku_code": "A001", "quantity": 2, "unit_price": TOP}],
        "paid": True,
    }

    response = api.post("/api/v1/orders", body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_draft"
    assert "goods_amount" in response.json()["errors"]
    assert not Order.objects.exists()


def test_a_webhook_with_an_overflowing_order_ends_failed_with_the_reason(client, stocked):
    shop = Channel.objects.create(code="tb-push", name="淘宝推送店", platform=Platform.TAOBAO)
    response = send(client, shop, encode(sample("taobao", "9901", lines=(("A001", 2, TOP),))))

    message = inbox_process(response.json()["inbox_id"])

    assert message.status == InboxStatus.FAILED
    assert "9999999999.99" in message.error and "numeric" not in message.error.lower()
    assert not Order.objects.exists()
    assert InboxMessage.objects.filter(status=InboxStatus.PENDING).count() == 0


@pytest.fixture
def pdd_channel(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return Channel.objects.create(code="pdd-main", name="拼多多店", platform=Platform.PINDUODUO)


def test_an_import_refuses_the_overflowing_order_and_takes_the_others(
    pdd_channel, stocked, ops_user, django_capture_on_commit_callbacks
):
    rows = f.pdd_rows(3, seed=2, skus=("A001",))
    assert len(rows) == 3
    big = rows[1][0]
    # Each row within the limit, the order's two rows together past it.
    rows[1][3], rows[1][4] = 1, TOP
    second_line = list(rows[1])
    second_line[13] = "A002"
    rows.insert(2, second_line)
    job = import_create(channel=pdd_channel, file=SimpleUploadedFile("o.csv", f.to_csv(f.PDD_HEADER, rows)),
                        user=ops_user)
    assert (job.new_orders, job.invalid_orders) == (2, 1)
    assert "9999999999.99" in job.problems[0]["reason"]

    with django_capture_on_commit_callbacks(execute=False):
        import_start(job)
    job = import_run(job.pk)

    assert job.status == ImportStatus.DONE and (job.new_orders, job.invalid_orders) == (2, 1)
    assert Order.objects.count() == 2
    assert not Order.objects.filter(sources__external_id=big).exists()


def test_an_import_that_breaks_shows_no_database_text(
    pdd_channel, stocked, ops_user, django_capture_on_commit_callbacks, monkeypatch
):
    job = import_create(channel=pdd_channel, file=SimpleUploadedFile("o.csv", f.to_csv(f.PDD_HEADER, f.pdd_rows(2))),
                        user=ops_user)
    with django_capture_on_commit_callbacks(execute=False):
        import_start(job)

    def broken(**kwargs):
        raise DataError('numeric field overflow\nDETAIL:  A field with precision 12, scale 2 must round to an '
                        'absolute value less than 10^10.')

    monkeypatch.setattr(imports, "order_intake_batch", broken)
    with pytest.raises(DataError):
        import_run(job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.error
    assert "numeric" not in job.error and "DETAIL" not in job.error and "10^10" not in job.error
