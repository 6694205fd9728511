"""Browser tests: Playwright driving a real Chromium against pytest-django's live server.

Debian's ``chromium`` is launched by path (``tests.conftest.chromium_path``); nothing is
downloaded (never run ``playwright install``). Mark every test here ``@pytest.mark.browser``: the
top-level conftest skips them, with a NOTE in the summary, when no Chromium is found.
"""

import os
from urllib.parse import urlsplit

import pytest

from tests.conftest import chromium_path
from warehouse.models import FloorMember

# The sync Playwright API keeps an event loop running in the main thread for the rest of the
# session, and Django's ORM refuses to run beside one (SynchronousOnlyOperation) unless told to.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

#: Quiet on a closed network and runnable as root (see shared BROWSER_TESTS.md).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PASSWORD = "browser-test-Pa55!"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    """Desktop by default, Chinese, Shanghai time, relative URLs against the live server."""
    return {
        **browser_context_args,
        **DESKTOP,
        "base_url": live_server.url,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }


@pytest.fixture
def context(context):
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def request_log(context):
    """Every URL the browser asked for in this test's context, in order."""
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    return urls


def assert_only_live_server(urls: list[str], live_server) -> None:
    """Every request went to the test server: no CDN, font, analytics or any other host."""
    server = urlsplit(live_server.url).netloc
    external = [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != server]
    others = [u for u in urls if urlsplit(u).scheme not in ("http", "https", "ws", "wss", "data", "blob")]
    assert urls, "the browser made no request at all"
    assert not external and not others, f"requests outside {server}: {external + others}"


def admin_login(page, username: str, password: str = PASSWORD, next_url: str = "/admin/") -> None:
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")


@pytest.fixture
def floor_picker(picker_hz, settings):
    """The Hangzhou picker, with a password to type on the phone."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    picker_hz.set_password(PASSWORD)
    picker_hz.save()
    assert FloorMember.objects.filter(user=picker_hz).exists()
    return picker_hz
