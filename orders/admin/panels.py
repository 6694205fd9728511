"""Extra panels on the order page, supplied by higher apps.

``orders`` sits below the apps that work on an order afterwards (the warehouse floor, for one) and
must not import them. A higher app appends a callable ``(request, order) -> html`` to
``ORDER_PANELS`` in its ``AppConfig.ready``; the order page renders each one's HTML under the
order's fields, in the order they were added. A panel returns "" to show nothing.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

OrderPanel = Callable[[HttpRequest, object], SafeString | str]

ORDER_PANELS: list[OrderPanel] = []


def register_order_panel(panel: OrderPanel) -> None:
    """Add ``panel`` once (``ready`` may run twice in tests)."""
    if panel not in ORDER_PANELS:
        ORDER_PANELS.append(panel)


def render_order_panels(request: HttpRequest, order) -> list[SafeString | str]:
    return [html for html in (panel(request, order) for panel in ORDER_PANELS) if html]
