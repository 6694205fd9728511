"""The admin flow: upload → preview → import → progress; refusals for bad files and for users
without the right."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from channels.models import Channel, ImportJob, ImportStatus, Platform
from channels.services.imports import import_run
from orders.models import Order
from tests.channels import import_files as f

ADD = reverse("admin:channels_importjob_add")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def pdd_channel(db):
    return Channel.objects.create(code="pdd-main", name="拼多多店", platform=Platform.PINDUODUO)


def _post(client, channel, data: bytes, name="拼多多订单.csv"):
    return client.post(ADD, {"channel": channel.pk, "file": SimpleUploadedFile(name, data)})


def test_upload_preview_import_progress(ops_client, pdd_channel, stocked, django_capture_on_commit_callbacks):
    assert ops_client.get(ADD).status_code == 200
    rows = f.pdd_rows(8, seed=4)
    rows[0][18] = "昨天"  # the first order: bad date
    response = _post(ops_client, pdd_channel, f.to_xlsx(f.PDD_HEADER, rows), "拼多多订单.xlsx")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{job.pk}/change/")

    page = ops_client.get(response["Location"]).content.decode()
    assert "拼多多 订单导出" in page
    assert 'id="import-new">7<' in page and 'id="import-invalid">1<' in page
    assert "昨天" in page and "<td>2</td>" in page  # the bad row, with its row number
    assert not Order.objects.exists()

    start = reverse("admin:channels_importjob_start", args=[job.pk])
    with django_capture_on_commit_callbacks() as queued:
        assert ops_client.post(start).status_code == 302
    assert len(queued) == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED
    assert "import_progress.js" in ops_client.get(response["Location"]).content.decode()

    import_run(job.pk)  # what the worker does with the queued task
    status = ops_client.get(reverse("admin:channels_importjob_status", args=[job.pk])).json()
    assert status["status"] == "done" and status["percent"] == 100 and status["new_orders"] == 7
    assert Order.objects.count() == 7
    # Started twice: refused, nothing more happens.
    with django_capture_on_commit_callbacks() as queued:
        ops_client.post(start)
    assert not queued


def test_reimport_through_admin_is_all_duplicates(ops_client, pdd_channel, stocked):
    data = f.to_csv(f.PDD_HEADER, f.pdd_rows(5), encoding="gbk")
    _post(ops_client, pdd_channel, data)
    import_run(ImportJob.objects.get().pk)
    _post(ops_client, pdd_channel, data)
    again = ImportJob.objects.order_by("-pk").first()
    assert (again.new_orders, again.duplicate_orders) == (0, 5)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "空"),
        (b"%PDF-1.4\x00\x00binary", "不是表格"),
        ("订单,金额\n1,2\n".encode("gbk"), "无法识别表头"),
        (f.to_csv(f.JD_HEADER, f.jd_rows()), "平台不符"),
    ],
)
def test_bad_upload_shows_the_reason_and_writes_nothing(ops_client, pdd_channel, data, message):
    response = _post(ops_client, pdd_channel, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_template_downloads(ops_client):
    csv = ops_client.get(reverse("admin:channels_importjob_template_csv"))
    assert csv.content.startswith(b"\xef\xbb\xbf") and "平台订单号" in csv.content.decode("utf-8-sig")
    xlsx = ops_client.get(reverse("admin:channels_importjob_template_xlsx"))
    assert xlsx.content.startswith(b"PK")


def test_without_the_right_no_upload_and_no_start(django_user_model, pdd_channel, picker_client):
    clerk = django_user_model.objects.create_user(username="clerk", is_staff=True)
    client = Client()
    client.force_login(clerk)
    assert client.get(ADD).status_code == 403
    assert _post(client, pdd_channel, f.to_csv(f.PDD_HEADER, f.pdd_rows(1))).status_code == 403
    job = ImportJob.objects.create(channel=pdd_channel, original_name="x.csv", status=ImportStatus.PREVIEWED)
    assert client.post(reverse("admin:channels_importjob_start", args=[job.pk])).status_code == 403
    assert client.get(reverse("admin:channels_importjob_status", args=[job.pk])).status_code == 403
    # A picker is not staff: admin sends them to the login page.
    assert picker_client.get(ADD).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED and not Order.objects.exists()


def test_a_big_file_is_previewed_in_the_background(
    ops_client, pdd_channel, stocked, monkeypatch, django_capture_on_commit_callbacks
):
    from channels import tasks
    from channels.admin import imports as admin_imports

    monkeypatch.setattr(admin_imports, "INLINE_PREVIEW_BYTES", 10)
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda name, *args: queued.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(ops_client, pdd_channel, f.to_csv(f.PDD_HEADER, f.pdd_rows(6), encoding="gbk"))
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.UPLOADED and queued == [("channels.tasks.preview_import", (job.pk,))]
    assert "正在读取文件并预览" in ops_client.get(response["Location"]).content.decode()
    tasks.preview_import(job.pk)
    status = ops_client.get(reverse("admin:channels_importjob_status", args=[job.pk])).json()
    assert status["status"] == "previewed" and status["new_orders"] == 6
