"""PDF downloads: the execution sheet and the label of one order, or of a list of orders.

Office staff with ``warehouse.print_documents`` print every order; floor staff the orders of the
warehouses they work in (``printing.access``). GET only reads: a label needs an issued waybill,
which the scale (``warehouse.services.parcel_label``) or ops issue through ``shipment_issue``.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from orders.models import Order
from warehouse.carriers.errors import ShippingRefused
from warehouse.printing.access import may_print, printable_orders
from warehouse.printing.data import labels_for, orders_by_number, sheets_for
from warehouse.printing.fonts import CJKFontMissing
from warehouse.printing.html import labels_html
from warehouse.printing.label import DEFAULT_SIZE, SIZES, labels_pdf
from warehouse.printing.sheet import sheets_pdf

#: One request prints at most this many orders (a wave is far smaller).
MAX_ORDERS = 500
#: A slot (格口) or tote number longer than this is not one; it is cut rather than overflow the sheet.
SLOT_LIMIT = 8


def _message(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def printer_required(view):
    """Logged in (else to the floor's login page) and allowed to print (office staff with the
    permission, or floor staff; each view then looks only among the orders this person may
    print); refusals say why."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("floor:login"))
        if not may_print(request.user):
            return _message(_("没有打印面单/执行单的权限"), 403)
        try:
            return view(request, *args, **kwargs)
        except ShippingRefused as exc:
            return _message(exc.message, {"not_found": 404, "bad_request": 400}.get(exc.code, 409))
        except CJKFontMissing as exc:
            return _message(exc.message, 503)

    return require_GET(wrapped)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def parse_entries(raw: str) -> list[tuple[str, str]]:
    """'SO1:3, SO2:4' or 'SO1 SO2' -> [(number, slot), ...]; refused when empty, too long or repeated."""
    entries = []
    for item in raw.replace(",", " ").replace("，", " ").split():
        number, _sep, slot = item.partition(":")
        entries.append((number.strip(), slot.strip()[:SLOT_LIMIT]))
    if not entries:
        raise ShippingRefused(_("请用 orders 参数给出订单号，多个用逗号分隔"), code="bad_request")
    if len(entries) > MAX_ORDERS:
        raise ShippingRefused(_("一次最多打印 %(n)d 个订单") % {"n": MAX_ORDERS}, code="bad_request")
    numbers = [number for number, _slot in entries]
    if len(set(numbers)) != len(numbers):
        raise ShippingRefused(_("订单号重复"), code="bad_request")
    return entries


def sheet_response(request, entries: list[tuple[Order, str]], *, wave: str = "", filename: str) -> HttpResponse:
    """The execution sheets of ``entries`` (order, slot) as one PDF, QR codes as absolute URLs."""
    sheets = sheets_for(entries, url_for=request.build_absolute_uri, wave=wave)
    return pdf_response(sheets_pdf(sheets), filename)


def _orders(request, numbers: list[str]) -> list[Order]:
    return orders_by_number(numbers, among=printable_orders(request.user))


@printer_required
def sheet_pdf(request, number: str):
    (order,) = _orders(request, [number])
    slot = request.GET.get("slot", "")[:SLOT_LIMIT]
    return sheet_response(request, [(order, slot)], filename=f"sheet-{number}.pdf")


@printer_required
def sheets_pdf_view(request):
    entries = parse_entries(request.GET.get("orders", ""))
    orders = _orders(request, [number for number, _slot in entries])
    wave = request.GET.get("wave", "")[:32]
    return sheet_response(
        request, [(order, slot) for order, (_n, slot) in zip(orders, entries, strict=True)], wave=wave,
        filename=f"sheets-{wave or len(orders)}.pdf",
    )


def label_size(request) -> str:
    """The label size asked for (``?size=100x150``), checked before anything is looked up."""
    size = request.GET.get("size", DEFAULT_SIZE)
    if size not in SIZES:
        raise ShippingRefused(_("面单尺寸只能是 %(sizes)s") % {"sizes": "、".join(SIZES)}, code="bad_request")
    return size


def labels_response(request, orders: list[Order], *, size: str, html: bool, filename: str) -> HttpResponse:
    """The labels of ``orders`` as one PDF (a page each) or one printable page."""
    labels = labels_for(orders)
    if html:
        return HttpResponse(labels_html(labels, size=size))
    try:
        return pdf_response(labels_pdf(labels, size=size), filename)
    except CJKFontMissing as exc:
        page = request.build_absolute_uri(request.path.removesuffix(".pdf") + ".html")
        query = request.GET.urlencode()
        return _message(f"{exc.message}\n{page}{'?' + query if query else ''}", 503)


@printer_required
def label_pdf(request, number: str):
    size = label_size(request)
    return labels_response(request, _orders(request, [number]), size=size, html=False, filename=f"label-{number}.pdf")


@printer_required
def label_html(request, number: str):
    """The same label as a page the browser prints with the PC's fonts (``@page`` sized)."""
    size = label_size(request)
    return labels_response(request, _orders(request, [number]), size=size, html=True, filename="")


def _listed(request) -> list[str]:
    return [number for number, _slot in parse_entries(request.GET.get("orders", ""))]


@printer_required
def labels_pdf_view(request):
    size, numbers = label_size(request), _listed(request)
    return labels_response(request, _orders(request, numbers), size=size, html=False,
                           filename=f"labels-{len(numbers)}.pdf")


@printer_required
def labels_html_view(request):
    size = label_size(request)
    return labels_response(request, _orders(request, _listed(request)), size=size, html=True, filename="")
