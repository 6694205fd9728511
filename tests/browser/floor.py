"""What the floor's browser tests share: a picker who logs in on the phone, a hardware scanner,
and a log of every request with its size."""

from dataclasses import dataclass, field

from django.contrib.auth.models import User

from tests.browser.conftest import PASSWORD, PHONE

#: Record vibrations (headless Chromium has no motor) so a test can see the wrong-scan signal.
VIBRATION_PROBE = """
window.__vibrations = [];
navigator.vibrate = function (pattern) { window.__vibrations.push(pattern); return true; };
"""


@dataclass
class RequestLog:
    """Every request a page made: its URL and the bytes it moved (headers and body)."""

    entries: list[tuple[str, int]] = field(default_factory=list)

    def attach(self, context) -> None:
        context.on("requestfinished", self._finished)

    def _finished(self, request) -> None:
        sizes = request.sizes()
        self.entries.append((request.url, sizes["responseBodySize"] + sizes["responseHeadersSize"]))

    @property
    def urls(self) -> list[str]:
        return [url for url, _size in self.entries]

    def total(self) -> int:
        return sum(size for _url, size in self.entries)

    def clear(self) -> None:
        self.entries.clear()


def phone_context(browser, live_server, **extra):
    """A fresh phone (360×740, touch), Chinese, with the vibration probe."""
    context = browser.new_context(
        **PHONE, base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **extra
    )
    context.set_default_timeout(15_000)
    context.add_init_script(VIBRATION_PROBE)
    return context


def floor_login(page, user: User) -> None:
    page.goto("/floor/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/floor/")


def scanner(page, code: str) -> None:
    """A USB/Bluetooth scanner: types into whatever has focus, then presses Enter."""
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")
