"""Uploads are bounded: a size limit while the file arrives, zip-bomb checks before an XLSX is
opened, a header search that reads only the top of a file, rows streamed without being kept, and a
malformed file refused as a form error. Memory is measured: each crafted file costs < 200 MB."""

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from channels.imports import FileUnreadable, open_export
from channels.imports.reading import read_rows
from channels.models import ImportJob, ImportStatus
from channels.services.imports import import_create, import_preview
from core.uploads import UploadRefused, check_zip
from tests.channels import import_files as f
from tests.security import xlsx_bombs as bomb

UPLOAD = reverse("admin:channels_importjob_add")
CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def peak_growth_mb(action) -> float:
    """How far the process's resident memory rose above where it was while ``action`` ran (Linux:
    the peak is reset first through /proc/self/clear_refs)."""
    before = _status_kb("VmRSS")
    CLEAR_REFS.write_text("5")
    try:
        action()
    finally:
        peak = _status_kb("VmHWM")
    return (peak - before) / 1024


pytestmark = pytest.mark.skipif(not CLEAR_REFS.exists(), reason="measures memory through Linux's /proc")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    """Each a few hundred KB on disk, 100-300 MB once expanded."""
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "empty-rows": bomb.empty_rows(folder / "rows.xlsx", 100),
        "shared-string": bomb.huge_shared_string(folder / "string.xlsx", 300),
        "whitespace": bomb.whitespace(folder / "space.xlsx", 300),
    }


def upload(client, channel, path_or_bytes, name="orders.xlsx"):
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    return client.post(UPLOAD, {"channel": channel.pk, "file": SimpleUploadedFile(name, data)})


def form_errors(response) -> str:
    assert response.status_code == 200, response.status_code  # the form again, not a 500 or a redirect
    form = response.context["form"]
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@pytest.mark.parametrize("kind", ["empty-rows", "shared-string", "whitespace"])
def test_a_zip_bomb_is_refused_at_upload_in_bounded_memory(ops_client, taobao_channel, bombs, kind):
    path = bombs[kind]
    assert path.stat().st_size < 2 * 1024 * 1024
    responses = []

    growth = peak_growth_mb(lambda: responses.append(upload(ops_client, taobao_channel, path)))

    assert growth < 200, f"{kind}: {growth:.0f} MB"
    assert "压缩比" in form_errors(responses[0]) or "解压后" in form_errors(responses[0])
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("kind", ["empty-rows", "shared-string", "whitespace"])
def test_a_stored_zip_bomb_fails_its_job_in_bounded_memory(taobao_channel, bombs, kind):
    """A file stored before these checks existed: the worker's preview refuses it the same way."""
    job = ImportJob.objects.create(channel=taobao_channel, original_name="old.xlsx", export_format="template")
    job.file.save("old.xlsx", SimpleUploadedFile("old.xlsx", bombs[kind].read_bytes()))
    done = []

    growth = peak_growth_mb(lambda: done.append(import_preview(job)))

    assert growth < 200, f"{kind}: {growth:.0f} MB"
    assert done[0].status == ImportStatus.FAILED and done[0].error


def test_the_zip_checks_read_only_the_directory(tmp_path, settings):
    normal = bomb.numbered_empty_rows(tmp_path / "ok.xlsx", 1000)
    with normal.open("rb") as file:
        check_zip(file)  # a normal workbook passes
    settings.UPLOAD_UNZIPPED_MAX_BYTES = 10_000
    with normal.open("rb") as file, pytest.raises(UploadRefused, match="解压后"):
        check_zip(file)


def test_too_many_members_are_refused_before_the_directory_is_loaded(tmp_path, monkeypatch):
    import zipfile

    from core import uploads

    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(50):
            archive.writestr(f"x/{n}.xml", "<a/>")
    monkeypatch.setattr(uploads, "MAX_MEMBERS", 20)
    with path.open("rb") as file, pytest.raises(UploadRefused, match="过多"):
        check_zip(file)


def test_an_upload_over_the_size_limit_is_refused_while_it_arrives(ops_client, taobao_channel, settings):
    settings.UPLOAD_MAX_BYTES = 20_000
    data = f.to_csv(f.PDD_HEADER, f.pdd_rows(200))
    assert len(data) > 20_000

    errors = form_errors(upload(ops_client, taobao_channel, data, name="big.csv"))

    assert "big.csv" in errors and "上限" in errors
    assert not ImportJob.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.csv")) if Path(settings.MEDIA_ROOT).exists() else True


def test_the_service_checks_the_size_too(taobao_channel, settings):
    settings.UPLOAD_MAX_BYTES = 1_000
    with pytest.raises(FileUnreadable, match="上限"):
        import_create(channel=taobao_channel, file=SimpleUploadedFile("t.csv", b"x" * 2_000))
    assert not ImportJob.objects.exists()


def test_the_header_is_looked_for_in_the_first_rows_only(tmp_path):
    from channels.imports.template import HEADER

    late = b"\n" * 200 + ",".join(HEADER).encode() + b"\n"
    with pytest.raises(FileUnreadable, match="前 50 行"):
        open_export(SimpleUploadedFile("late.csv", late))
    sheet = bomb.numbered_empty_rows(tmp_path / "late.xlsx", 10)
    with sheet.open("rb") as file:
        assert open_export(file).format.code == "template"  # a header on top is found as before


def test_rows_stream_without_being_kept(tmp_path):
    sheet = bomb.numbered_empty_rows(tmp_path / "long.xlsx", 1_000_000)
    assert sheet.stat().st_size < 20 * 1024 * 1024
    counted = []

    def read_all():
        with sheet.open("rb") as file:
            counted.append(sum(1 for _row in read_rows(file)))

    started = time.monotonic()
    growth = peak_growth_mb(read_all)

    assert counted == [1]  # the header; the empty rows are read and skipped
    assert growth < 40, f"{growth:.0f} MB for a million rows"
    assert time.monotonic() - started < 60


BROKEN = {
    "truncated-xml": bomb.SHEET_HEAD + '<row r="1"><c r="A1" t="inlineStr"><is><t>平台订单号',
    "entity-expansion": (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
        '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
        '<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
        '<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
        '<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
        '<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
        '<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    ),
    "bad-row-number": bomb.SHEET_HEAD + '<row r="abc"><c r="A1"><v>1</v></c></row>' + bomb.SHEET_TAIL,
    "bad-shared-string-index": bomb.SHEET_HEAD + '<row r="1"><c r="A1" t="s"><v>999</v></c></row>' + bomb.SHEET_TAIL,
    "not-xml": "\x89PNG not xml at all",
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_malformed_xlsx_is_a_form_error(ops_client, taobao_channel, tmp_path, kind):
    path = bomb.with_sheet(tmp_path / f"{kind}.xlsx", BROKEN[kind])
    responses = []

    growth = peak_growth_mb(lambda: responses.append(upload(ops_client, taobao_channel, path)))

    assert form_errors(responses[0])
    assert growth < 200
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("data", [b"PK\x03\x04" + b"\x00" * 100, b"PK\x03\x04garbage" * 50])
def test_a_broken_archive_is_a_form_error(ops_client, taobao_channel, data):
    assert form_errors(upload(ops_client, taobao_channel, data))
    assert not ImportJob.objects.exists()


def test_a_truncated_workbook_is_a_form_error(ops_client, taobao_channel, tmp_path):
    whole = bomb.numbered_empty_rows(tmp_path / "whole.xlsx", 100).read_bytes()
    assert form_errors(upload(ops_client, taobao_channel, whole[: len(whole) // 2]))
