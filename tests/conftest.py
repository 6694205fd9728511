"""Shared test setup: fixture modules, the PostgreSQL-only and browser markers."""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connection

pytest_plugins = [
    "tests.fixtures.catalog",
    "tests.fixtures.orders",
    "tests.fixtures.concurrency",
    "tests.fixtures.users",
    "tests.fixtures.simulator",
    "tests.fixtures.carriers",
    "tests.fixtures.groupbuy",
    "tests.fixtures.returns",
    "tests.fixtures.flow",
    "tests.fixtures.floor",
]


def chromium_path() -> str | None:
    """The Chromium to drive: $CHROMIUM when set (none if that path is missing), else Debian's
    /usr/bin/chromium, else ``chromium`` on the PATH, else none."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def pytest_collection_modifyitems(config, items):
    on_postgres = connection.vendor == "postgresql"
    has_browser = chromium_path() is not None
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://...")
    skip_browser = pytest.mark.skip(reason="no Chromium found (set CHROMIUM or apt-get install chromium)")
    config._skipped_browser = 0
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "browser" in item.keywords and not has_browser:
            item.add_marker(skip_browser)
            config._skipped_browser += 1


def pytest_terminal_summary(terminalreporter, config):
    skipped = getattr(config, "_skipped_browser", 0)
    if skipped:
        terminalreporter.write_line(
            f"NOTE: {skipped} browser tests were SKIPPED because no Chromium was found "
            "(set CHROMIUM=/path/to/chromium or `apt-get install chromium`).",
            yellow=True,
            bold=True,
        )
    if connection.vendor != "postgresql":
        terminalreporter.write_line(
            "NOTE: PostgreSQL-only concurrency tests were skipped on SQLite; "
            "run `DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms make test` for them."
        )


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test starts with no API token or rules kept from an earlier test (whose rows were rolled
    back) and the shared cache's cull counter at zero, so that query counts do not depend on the tests that ran before."""
    import itertools

    import core.api_throttles
    import core.config_cache
    import core.shared_cache

    core.api_throttles.token_cache_clear()
    core.config_cache.forget()
    core.shared_cache.sets_made = itertools.count(1)
    yield
    core.api_throttles.token_cache_clear()
