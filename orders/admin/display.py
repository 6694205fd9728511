"""Small display helpers shared by the order admin pages: badges, masking, local times."""

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.masking import mask_phone, mask_phones_in_text, mask_street
from orders.states import STATUS_COLOURS, OrderStatus

PII_PERMISSION = "orders.view_pii"


def can_view_pii(user) -> bool:
    """Full phone and address only with ``orders.view_pii`` (superusers have every permission)."""
    return bool(user and user.is_active and user.has_perm(PII_PERMISSION))


def status_label(status: str) -> str:
    try:
        return str(OrderStatus(status).label)
    except ValueError:
        return status or ""


def status_badge(status: str, detail: str = "", *, stacked: bool = False):
    """A coloured status badge (``STATUS_COLOURS``: exceptions in red), with an optional detail
    such as the hold reason beside it, or under it when ``stacked`` (narrow list columns)."""
    colour = STATUS_COLOURS.get(status, "#595959")
    badge = format_html('<span class="oms-badge" style="background-color:{}">{}</span>', colour, status_label(status))
    if detail:
        separator = mark_safe("<br>") if stacked else " "  # noqa: S308 - a constant
        return format_html('{}{}<span class="oms-badge-detail">{}</span>', badge, separator, detail)
    return badge


def two_lines(main, sub=""):
    """A list cell with a second, smaller line (platform number under the channel, and so on)."""
    if not sub:
        return format_html("{}", main)
    return format_html('{}<br><span class="oms-sub">{}</span>', main, sub)


def local_time(value, *, seconds: bool = True) -> str:
    """Time as people in the warehouse read it (``TIME_ZONE``, Asia/Shanghai)."""
    if value is None:
        return "-"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def region(order) -> str:
    return " ".join(part for part in (order.province, order.city, order.district) if part)


def phone_for(order, *, full: bool) -> str:
    return order.phone if full else mask_phone(order.phone)


def note_for(text: str, *, full: bool) -> str:
    """A free-text note (buyer's message, hold or exception note, event note) with any phone in it
    masked for viewers without ``orders.view_pii``."""
    return text if full else mask_phones_in_text(text)


def address_for(order, *, full: bool) -> str:
    street = order.street if full else mask_street(order.street)
    return " ".join(part for part in (region(order), street) if part) or "-"


EMPTY = _("无")
