"""Importing an export: preview counts, the import itself, re-import, bad files, resuming."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from channels.imports import FileUnreadable
from channels.models import Channel, ImportJob, ImportStatus, Platform, SkuMapping
from channels.services import imports
from channels.services.imports import import_create, import_run, import_start
from inventory.models import Sku
from orders.models import Order, OrderSource
from tests.channels import import_files as f


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def pdd_channel(db):
    return Channel.objects.create(code="pdd-main", name="拼多多店", platform=Platform.PINDUODUO)


def _upload(data: bytes, name: str = "orders.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _run(job: ImportJob, django_capture_on_commit_callbacks) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=False):
        import_start(job)
    return import_run(job.pk)


def test_preview_then_import_then_reimport(
    pdd_channel, stocked, ops_user, django_capture_on_commit_callbacks
):
    rows = f.pdd_rows(12, seed=5)
    rows[0][3] = "0"  # the first order becomes invalid
    data = f.to_csv(f.PDD_HEADER, rows, encoding="gbk")
    job = import_create(channel=pdd_channel, file=_upload(data), user=ops_user)
    assert job.status == ImportStatus.PREVIEWED
    assert (job.new_orders, job.duplicate_orders, job.invalid_orders) == (11, 0, 1)
    assert job.problems[0]["row"] == 2 and "正整数" in job.problems[0]["reason"]
    assert job.total_rows == len(rows)
    assert not Order.objects.exists()  # a preview writes no order

    job = _run(job, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE
    assert (job.new_orders, job.duplicate_orders, job.invalid_orders) == (11, 0, 1)
    assert job.done_rows == job.total_rows and job.percent == 100
    assert Order.objects.count() == 11
    per_order = {}
    for row in rows:
        per_order[row[0]] = per_order.get(row[0], 0) + 1
    multi_id = next(n for n, count in per_order.items() if count > 1 and n != rows[0][0])
    multi = Order.objects.get(sources__external_id=multi_id)
    assert multi.lines.count() == per_order[multi_id] and multi.status == "pending_review"
    assert multi.events.get().actor == ops_user
    assert not OrderSource.objects.filter(external_id="261122-000000000000000").exists()

    again = import_create(channel=pdd_channel, file=_upload(data), user=ops_user)
    assert (again.new_orders, again.duplicate_orders) == (0, 11)
    again = _run(again, django_capture_on_commit_callbacks)
    assert (again.new_orders, again.duplicate_orders) == (0, 11)
    assert Order.objects.count() == 11


def test_taobao_statuses_unpaid_taken_in_closed_skipped(
    taobao_channel, stocked, django_capture_on_commit_callbacks
):
    order_rows, item_rows = f.taobao_files()
    job = import_create(
        channel=taobao_channel,
        file=_upload(f.to_csv(f.TAOBAO_ORDER_HEADER, order_rows, encoding="gbk"), "订单报表.csv"),
        extra_file=_upload(f.to_xlsx(f.TAOBAO_ITEM_HEADER, item_rows), "宝贝报表.xlsx"),
    )
    assert (job.new_orders, job.skipped_orders, job.invalid_orders) == (2, 1, 0)
    _run(job, django_capture_on_commit_callbacks)
    statuses = dict(Order.objects.values_list("sources__external_id", "status"))
    assert statuses == {"3861204455123456789": "pending_review", "3861204455123456790": "pending_payment"}


def test_sku_mapping_applies_to_imported_lines(jd_channel, stocked, django_capture_on_commit_callbacks):
    rows = f.jd_rows()
    rows[0][2] = ""  # no 商家SKU: the platform's product id 100001 is used, and mapped
    SkuMapping.objects.create(channel=jd_channel, external_code="100001", sku=Sku.objects.get(code="A003"))
    job = import_create(channel=jd_channel, file=_upload(f.to_csv(f.JD_HEADER, rows, encoding="gbk")))
    _run(job, django_capture_on_commit_callbacks)
    line = Order.objects.get(sources__external_id="300012345678").lines.get()
    assert line.sku_code == "A003" and line.reserved_quantity == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "空"),
        (b"a,b\n1,2\n", "无法识别表头"),
        (f.to_csv(f.DOUYIN_HEADER, f.douyin_rows()), "平台不符"),
    ],
)
def test_bad_file_writes_nothing(pdd_channel, data, message):
    with pytest.raises(FileUnreadable, match=message):
        import_create(channel=pdd_channel, file=_upload(data))
    assert not ImportJob.objects.exists()


def test_a_crash_mid_import_resumes_without_duplicates(
    pdd_channel, stocked, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "CHUNK", 3)
    job = import_create(channel=pdd_channel, file=_upload(f.to_csv(f.PDD_HEADER, f.pdd_rows(10))))
    real, calls = imports.order_intake_batch, []

    def crashing(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("数据库连接断开")
        return real(**kwargs)

    monkeypatch.setattr(imports, "order_intake_batch", crashing)
    with pytest.raises(RuntimeError):
        _run(job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "导入中断" in job.error
    assert "数据库连接断开" not in job.error  # the exception is logged, not shown
    assert job.done_orders == 6 and Order.objects.count() == 6  # two whole chunks, nothing of the third

    job = _run(job, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE
    assert (job.new_orders, job.duplicate_orders, job.done_orders) == (10, 0, 10)
    assert Order.objects.count() == 10


def test_a_long_import_runs_as_short_steps(pdd_channel, stocked, monkeypatch, django_capture_on_commit_callbacks):
    """Each task step stops after its time budget and queues the next, which resumes."""
    from channels import tasks

    monkeypatch.setattr(imports, "CHUNK", 4)
    monkeypatch.setattr(tasks, "IMPORT_STEP_SECONDS", 0)
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda name, *args: queued.append((name, args)))
    job = import_create(channel=pdd_channel, file=_upload(f.to_csv(f.PDD_HEADER, f.pdd_rows(10))))
    with django_capture_on_commit_callbacks(execute=True):
        import_start(job)
    steps = 0
    while queued:
        name, args = queued.pop()
        assert name == "channels.tasks.run_import"
        tasks.run_import(*args)
        steps += 1
    job.refresh_from_db()
    assert steps == 4  # three chunks of at most 4 orders, then the step that finds nothing left
    assert job.status == ImportStatus.DONE and job.new_orders == 10 and Order.objects.count() == 10
