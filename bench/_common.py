"""Shared helpers for the benchmark scripts in ``bench/``.

* The bench database: a dedicated PostgreSQL database (its name must contain ``bench``) that a
  script drops and creates afresh, migrates, uses, and drops again at the end (``--keep`` leaves it
  for inspection). An advisory lock on the server's ``postgres`` database keeps two scripts from
  using the same bench database at once.
* The worker pool: N processes started with the ``spawn`` method, each calling ``django.setup()``
  once and then running one job per round. A job prepares untimed, waits at a barrier with the
  other workers, runs timed, and reports its own start and end (``time.monotonic``, one clock for
  the whole machine); a run's wall time is the last end minus the first start.
* The report: per-round figures, medians, the ratio ours/raw (ratio of the medians) and the one
  machine-readable last line.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import secrets
import statistics
import sys
import threading
import time
import traceback
import zlib
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/oms_bench"
#: How long the parent waits for a worker step before declaring the run hung.
STEP_TIMEOUT = 900


def add_database_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_URL,
        help="PostgreSQL URL of the bench database (default: $DATABASE_URL, else %(default)s). "
        "Its name must contain 'bench': the script drops and recreates it.",
    )
    parser.add_argument(
        "--keep", action="store_true", help="leave the bench database in place at the end (for inspection)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds of ours + raw (default 3)")
    parser.add_argument(
        "--warmup", type=int, default=1, help="unmeasured rounds of ours + raw first (default 1)"
    )


def configure_django(url: str) -> None:
    """Point the project's settings at ``url`` and set Django up (in this process)."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "oms.settings"
    os.environ["DEBUG"] = "0"  # no query log kept in memory
    # A key for this run (DEBUG off refuses the development key); the spawned workers inherit it.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


class BenchDatabase:
    """The dedicated bench database: created fresh and migrated on enter, dropped on exit."""

    def __init__(self, url: str, *, keep: bool = False):
        if not url.startswith(("postgres://", "postgresql://")):
            raise SystemExit(f"the benchmarks run on PostgreSQL only; got DATABASE_URL={url!r}")
        params = conninfo_to_dict(url)
        self.url = url
        self.name = params.get("dbname") or ""
        if "bench" not in self.name:
            raise SystemExit(
                f"refusing to use database {self.name!r}: the bench drops and recreates its database, "
                "so its name must contain 'bench' (e.g. .../oms_bench)"
            )
        self.admin_conninfo = make_conninfo(url, dbname="postgres")
        self.keep = keep
        self._admin: psycopg.Connection | None = None

    def __enter__(self) -> BenchDatabase:
        self._admin = psycopg.connect(self.admin_conninfo, autocommit=True)
        key = zlib.crc32(f"oms-bench:{self.name}".encode())
        (locked,) = self._admin.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()
        if not locked:
            raise SystemExit(f"another benchmark is using database {self.name!r}; run them one at a time")
        self._drop()
        self._admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        configure_django(self.url)
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        return self

    def __exit__(self, *exc) -> None:
        from django.db import connections

        connections.close_all()
        assert self._admin is not None
        if self.keep:
            print(f"kept database {self.name!r}", flush=True)
        else:
            self._drop()
        self._admin.close()

    def _drop(self) -> None:
        assert self._admin is not None
        self._admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))


class WorkerFailed(RuntimeError):
    pass


def _worker_main(index, url, handler, inbox, outbox, barrier) -> None:
    configure_django(url)

    def start() -> float:
        barrier.wait(timeout=STEP_TIMEOUT)
        return time.monotonic()

    outbox.put(("up", index, None))
    while True:
        job = inbox.get()
        if job is None:
            break
        started = False

        def go() -> float:
            nonlocal started
            started = True
            return start()

        try:
            result = handler(job, index, go)
        except BaseException:
            if not started:
                barrier.abort()
            outbox.put(("error", index, traceback.format_exc()))
        else:
            outbox.put(("done", index, result))
    from django.db import connections

    connections.close_all()


class WorkerPool:
    """``size`` spawned processes; ``run(job)`` hands every one the same job and gathers the results.

    ``handler(job, index, start)`` runs in the worker: it prepares, calls ``start()`` (which waits
    for all workers and returns the start time), does the timed work, and returns a dict with at
    least ``t0`` (what ``start()`` returned) and ``t1``.
    """

    def __init__(self, size: int, url: str, handler: Callable):
        ctx = multiprocessing.get_context("spawn")
        self.size = size
        self.barrier = ctx.Barrier(size + 1)
        self.outbox = ctx.Queue()
        self.inboxes = [ctx.Queue() for _ in range(size)]
        self.processes = [
            ctx.Process(
                target=_worker_main,
                args=(i, url, handler, self.inboxes[i], self.outbox, self.barrier),
                daemon=True,
            )
            for i in range(size)
        ]

    def __enter__(self) -> WorkerPool:
        for process in self.processes:
            process.start()
        for _ in range(self.size):
            self._get("up")
        return self

    def __exit__(self, *exc) -> None:
        for inbox in self.inboxes:
            inbox.put(None)
        for process in self.processes:
            process.join(timeout=30)
        for process in self.processes:
            if process.is_alive():
                process.terminate()
                process.join(timeout=10)

    def _get(self, expected: str):
        kind, index, payload = self.outbox.get(timeout=STEP_TIMEOUT)
        if kind == "error":
            raise WorkerFailed(f"worker {index} failed:\n{payload}")
        assert kind == expected, (kind, expected)
        return index, payload

    def run(self, job: dict) -> tuple[float, list[dict]]:
        """Run ``job`` on every worker at once; returns (wall seconds, per-worker results)."""
        for inbox in self.inboxes:
            inbox.put(job)
        # A broken barrier means a worker failed while preparing; its error is in the outbox.
        with contextlib.suppress(threading.BrokenBarrierError):
            self.barrier.wait(timeout=STEP_TIMEOUT)
        results: dict[int, dict] = {}
        errors: list[str] = []
        for _ in range(self.size):
            kind, index, payload = self.outbox.get(timeout=STEP_TIMEOUT)
            if kind == "error":
                errors.append(f"worker {index}:\n{payload}")
            else:
                results[index] = payload
        if errors:
            raise WorkerFailed("\n".join(errors))
        ordered = [results[i] for i in range(self.size)]
        wall = max(r["t1"] for r in ordered) - min(r["t0"] for r in ordered)
        return wall, ordered


def split(total: int, parts: int) -> list[int]:
    """``total`` spread over ``parts`` as evenly as possible."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def report(*, unit: str, ours: list[float], raw: list[float], ours_key: str) -> float:
    """Print the per-round table, the medians and the machine-readable line; return the ratio."""
    print()
    print(f"{'round':>5}  {'ours ' + unit:>16}  {'raw ' + unit:>16}  {'ours/raw':>8}")
    for i, (a, b) in enumerate(zip(ours, raw, strict=True), start=1):
        print(f"{i:>5}  {a:>16.1f}  {b:>16.1f}  {a / b:>8.3f}")
    ours_median = statistics.median(ours)
    raw_median = statistics.median(raw)
    ratio = ours_median / raw_median
    print(f"{'median':>5}  {ours_median:>16.1f}  {raw_median:>16.1f}  {ratio:>8.3f}  (ratio of the medians)")
    print(f"ratio={ratio:.2f} {ours_key}={ours_median:.0f} raw_per_s={raw_median:.0f}", flush=True)
    return ratio
