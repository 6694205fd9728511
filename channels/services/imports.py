"""Spreadsheet import of platform order exports: check, preview, then take the orders in.

* ``import_create`` checks the upload (readable, recognised, the channel's platform) before it
  writes anything, stores the file(s) as the raw record of what came in, and previews it.
* ``import_preview`` streams the file and counts new, duplicate (already taken in), invalid and
  skipped (already shipped or closed on the platform) orders, with every invalid row's reason.
* ``import_start`` queues ``import_run`` (django-q2), which streams the file again and takes the
  valid orders in through ``order_intake_batch``, ``CHUNK`` orders per transaction. Each chunk
  commits together with the job's progress (orders done, counts), so an order's rows go in
  together or not at all, and a rerun after a crash resumes after the last committed chunk;
  the (channel, platform order) dedup makes even a full rerun create nothing twice.
"""

import functools
import logging
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.connectors.base import PlatformStatus
from channels.imports import Export, FileUnreadable, ImportedOrder, RowProblem, open_export
from channels.models import Channel, ImportJob, ImportStatus
from channels.services.skus import apply_mapping, mapped_codes
from core.uploads import UploadRefused, check_size
from orders.drafts import DraftInvalid
from orders.selectors import taken_orders
from orders.services.batch import order_intake_batch

log = logging.getLogger(__name__)

#: Orders per transaction in ``import_run``.
CHUNK = 1000
#: Invalid rows kept on the job for people to read.
MAX_PROBLEMS = 1000
#: Platform statuses whose orders are taken in; the others are already shipped or closed.
TAKEN_IN = {PlatformStatus.UNPAID, PlatformStatus.PAID}

__all__ = ["FileUnreadable", "import_create", "import_preview", "import_run", "import_start"]


def import_check(*, channel: Channel, file, extra_file=None) -> Export:
    """The recognised export, or ``FileUnreadable`` saying why not: a file over the upload limit
    (``core.uploads``), unreadable, or not recognised. Reads only the header rows."""
    for upload in (file, extra_file):
        if upload is not None:
            try:
                check_size(upload)
            except UploadRefused as exc:
                raise FileUnreadable(exc.message) from exc
    return open_export(file, extra_file, platform=channel.platform)


def import_create(*, channel: Channel, file, extra_file=None, user=None, preview_now: bool = True) -> ImportJob:
    """Check the upload, store it as a new job and preview it, at once or (``preview_now=False``,
    for big files) in the background. A bad file raises ``FileUnreadable`` and nothing is written."""
    export = import_check(channel=channel, file=file, extra_file=extra_file)
    names = [getattr(f, "name", "") for f in (file, extra_file) if f]
    job = ImportJob(
        channel=channel,
        original_name=" + ".join(names)[:255],
        export_format=export.format.code,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    job.file.save(names[0] or "import.csv", file, save=False)
    if extra_file:
        job.extra_file.save(names[1] or "import-items.csv", extra_file, save=False)
    job.save()
    if preview_now:
        return import_preview(job)
    from django_q.tasks import async_task

    transaction.on_commit(functools.partial(async_task, "channels.tasks.preview_import", job.pk))
    return job


@dataclass
class _Tally:
    groups: int = 0
    rows: int = 0
    invalid: int = 0
    skipped: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def _classify(imported: ImportedOrder, tally: _Tally) -> ImportedOrder | None:
    """Count one order read from the file; return it when it is to be taken in."""
    tally.groups += 1
    tally.rows += imported.row_count
    if imported.draft is not None and not imported.problems:
        imported.draft = imported.draft.normalized()
        try:
            imported.draft.validate()
        except DraftInvalid as exc:
            imported.problems.append(
                RowProblem(imported.first_row, imported.external_id, "; ".join(exc.errors.values()))
            )
    if imported.problems:
        tally.invalid += 1
        tally.problems.extend(imported.problems)
        return None
    if imported.status not in TAKEN_IN:
        tally.skipped += 1
        return None
    return imported


def _open(job: ImportJob) -> tuple[Export, list]:
    files = [job.file.open("rb")]
    try:
        if job.extra_file:
            files.append(job.extra_file.open("rb"))
        return open_export(files[0], files[1] if len(files) > 1 else None, platform=job.channel.platform), files
    except BaseException:
        for f in files:
            f.close()
        raise


def _chunks(
    export: Export, channel: Channel, *, skip: int = 0
) -> Iterator[tuple[_Tally, list[ImportedOrder]]]:
    """(tally, orders to take in) per ``CHUNK`` orders of the file, after the first ``skip``."""
    tally, wanted = _Tally(), []
    for imported in export.orders(channel.code, skip=skip):
        keep = _classify(imported, tally)
        if keep is not None:
            wanted.append(keep)
        if tally.groups >= CHUNK:
            yield tally, wanted
            tally, wanted = _Tally(), []
    if tally.groups:
        yield tally, wanted


def _read_ahead(chunks: Iterator, depth: int = 2) -> Iterator:
    """``chunks``, read by a thread up to ``depth`` ahead, so that the next chunk is parsed while
    the database writes this one (the thread touches no database and no translation of the
    request: only ``import_run`` uses it, whose messages are the worker's). Close the generator to
    stop the thread early."""
    done = object()
    ahead: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in chunks:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the reader, raised there
            put(exc)
        put(done)

    thread = threading.Thread(target=read, name="import-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := ahead.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def import_preview(job: ImportJob) -> ImportJob:
    """Count what an import of ``job`` would do, without writing any order."""
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED):
        return job
    try:
        export, files = _open(job)
    except FileUnreadable as exc:
        return _fail(job, str(exc))
    new = duplicate = invalid = skipped = rows = 0
    problems: list[dict] = []
    try:
        for tally, wanted in _chunks(export, job.channel):
            found = taken_orders(channel=job.channel.code, external_ids=[o.external_id for o in wanted])
            taken = found.orders if found else {}
            duplicate += len(taken)
            new += len(wanted) - len(taken)
            invalid += tally.invalid
            skipped += tally.skipped
            rows += tally.rows
            problems.extend(p.as_dict() for p in tally.problems[: MAX_PROBLEMS - len(problems)])
    except FileUnreadable as exc:
        return _fail(job, str(exc))
    finally:
        for f in files:
            f.close()
    job.new_orders, job.duplicate_orders, job.invalid_orders, job.skipped_orders = (
        new,
        duplicate,
        invalid,
        skipped,
    )
    job.total_rows = rows
    job.problems = problems
    job.status = ImportStatus.PREVIEWED
    job.save()
    return job


def import_start(job: ImportJob) -> ImportJob:
    """Queue the import of a previewed job (or the rerun of a failed one). Returns the job."""
    from django_q.tasks import async_task

    with transaction.atomic():
        updated = ImportJob.objects.filter(
            pk=job.pk, status__in=[ImportStatus.PREVIEWED, ImportStatus.FAILED]
        ).update(status=ImportStatus.QUEUED, error="")
        if updated:
            transaction.on_commit(functools.partial(async_task, "channels.tasks.run_import", job.pk))
    job.refresh_from_db()
    return job


def import_run(job_id: int, *, budget_s: float | None = None) -> ImportJob:
    """Take in the valid orders of a queued job, chunk by chunk; safe to run again (resumes).

    With ``budget_s`` it stops after the chunk that passes that many seconds and returns the job
    still running, for the caller to queue the next step: a long import is a series of short
    tasks, each well inside the worker's timeout, each resuming after the last committed chunk."""
    job = ImportJob.objects.select_related("channel", "created_by").get(pk=job_id)
    if job.status == ImportStatus.DONE:
        return job
    if job.done_orders == 0:
        job.new_orders = job.duplicate_orders = job.invalid_orders = job.skipped_orders = job.done_rows = 0
    job.status = ImportStatus.RUNNING
    job.save(
        update_fields=[
            "status",
            "new_orders",
            "duplicate_orders",
            "invalid_orders",
            "skipped_orders",
            "done_rows",
        ]
    )
    deadline = time.monotonic() + budget_s if budget_s is not None else None
    try:
        export, files = _open(job)
        try:
            chunks = _read_ahead(_chunks(export, job.channel, skip=job.done_orders))
            for tally, wanted in chunks:
                _take_in(job, tally, wanted)
                if deadline is not None and time.monotonic() > deadline:
                    job.refresh_from_db()
                    return job
        finally:
            chunks.close()
            for f in files:
                f.close()
    except FileUnreadable as exc:
        return _fail(job, str(exc))
    except Exception:
        # The exception's own text (a database error, a stack detail) is for the log, not for people.
        log.exception("import %s failed", job.pk)
        _fail(job, _("导入中断（系统错误，已记录日志）。已导入的订单保留，重新运行会从中断处继续"))
        raise
    job.refresh_from_db()
    job.status = ImportStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return job


def _take_in(job: ImportJob, tally: _Tally, wanted: list[ImportedOrder]) -> None:
    """One chunk: its orders and the job's progress, in one transaction."""
    mapping = mapped_codes(job.channel, (line.sku_code for o in wanted for line in o.draft.lines))
    # Each order's source remembers this job, so the job page can list what it created.
    drafts = [replace(apply_mapping(o.draft, mapping), import_job_id=job.pk) for o in wanted]

    def progress(results) -> None:
        created = sum(1 for r in results if r.created)
        ImportJob.objects.filter(pk=job.pk).update(
            done_orders=F("done_orders") + tally.groups,
            done_rows=F("done_rows") + tally.rows,
            new_orders=F("new_orders") + created,
            duplicate_orders=F("duplicate_orders") + len(results) - created,
            invalid_orders=F("invalid_orders") + tally.invalid,
            skipped_orders=F("skipped_orders") + tally.skipped,
        )

    if drafts:
        # Each draft was normalized and validated when the chunk was read (``_classify``).
        order_intake_batch(drafts=drafts, actor=job.created_by, also=progress, validated=True)
    else:
        with transaction.atomic():
            progress([])


def _fail(job: ImportJob, error: str) -> ImportJob:
    job.status = ImportStatus.FAILED
    job.error = error
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job
