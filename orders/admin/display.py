"""Small display helpers shared by the order admin pages: badges, masking, local times."""

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.masking import mask_phone, mask_phones_in_text, mask_street
from orders.privacy import PhonePrivacy
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
    """The phone as the person may see it; a masked platform number is shown as sent, a virtual
    one with its extension (转 5678)."""
    if order.phone_privacy == PhonePrivacy.MASKED:
        return order.phone
    phone = order.phone if full else mask_phone(order.phone)
    if order.phone_extension:
        return _("%(phone)s 转 %(extension)s") % {"phone": phone, "extension": order.phone_extension}
    return phone


def privacy_badge(order):
    """The 隐私号 badge of an order whose phone is a platform privacy number (empty otherwise)."""
    if order.phone_privacy == PhonePrivacy.PLAIN:
        return ""
    return format_html(
        '<span class="oms-badge oms-privacy" title="{}">{}</span>',
        _("平台隐私号（%(kind)s）：不是买家真实手机号，面单须用平台电子面单打印")
        % {"kind": order.get_phone_privacy_display()},
        _("隐私号"),
    )


def note_for(text: str, *, full: bool) -> str:
    """A free-text note (buyer's message, hold or exception note, event note) with any phone in it
    masked for viewers without ``orders.view_pii``."""
    return text if full else mask_phones_in_text(text)


def address_for(order, *, full: bool) -> str:
    street = order.street if full else mask_street(order.street)
    return " ".join(part for part in (region(order), street) if part) or "-"


def recipient_cell(order, *, full: bool):
    """The order list's receiver: name, phone (隐私号 badge) and, under them, the region; the whole
    address on hover."""
    return format_html(
        '<span title="{}">{} <span class="oms-phone">{}</span> {}<br><span class="oms-sub">{}</span></span>',
        address_for(order, full=full),
        order.recipient_name or "-",
        phone_for(order, full=full),
        privacy_badge(order),
        region(order) or "-",
    )


def phone_cell(order, *, full: bool):
    """The order page's phone: a privacy number says what it is and that the label must come from
    the platform's e-waybill service."""
    if not order.needs_platform_waybill:
        return phone_for(order, full=full)
    return format_html(
        '{} {}<br><span class="oms-sub">{}</span>',
        phone_for(order, full=full),
        privacy_badge(order),
        _("平台隐私号，不是买家真实手机号：面单须通过平台电子面单打印"),
    )


EMPTY = _("无")
