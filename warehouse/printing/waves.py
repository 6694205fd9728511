"""A wave's documents in one PDF each: the execution sheets of its orders with their slot numbers
(格口, for the put wall), and the labels issued so far (reprinting a jammed roll, or a wave whose
labels were issued before picking). Reached from the phone's pick and sort pages and from the
wave's admin page; a wave of another warehouse reads as one that does not exist."""

from django.db.models import Q
from django.utils.translation import gettext as _

from orders.states import PACKED_OR_LATER
from warehouse.carriers.errors import ShippingRefused
from warehouse.models import Shipment, ShipmentStatus, Wave, WaveStatus
from warehouse.printing.access import printable_waves
from warehouse.printing.views import label_size, labels_response, printer_required, sheet_response


def _wave(request, pk: int) -> tuple[Wave, list]:
    """The wave and its orders' links, by slot: those still in it; for a finished wave, those that
    left it packed (a reprint after the wave is done), not the ones cancelled or taken out."""
    wave = printable_waves(request.user).filter(pk=pk).first()
    if wave is None:
        raise ShippingRefused(_("找不到这个波次，或它不属于你的仓库"), code="not_found")
    links = wave.wave_orders.select_related("order").order_by("slot")
    if wave.status == WaveStatus.DONE:
        links = links.filter(Q(active=True) | Q(order__status__in=PACKED_OR_LATER))
    else:
        links = links.filter(active=True)
    links = list(links)
    if not links:
        raise ShippingRefused(_("波次 %(number)s 没有要打印的订单") % {"number": wave.number}, code="not_found")
    return wave, links


@printer_required
def wave_sheets_pdf(request, pk: int):
    wave, links = _wave(request, pk)
    return sheet_response(
        request, [(link.order, link.slot) for link in links], wave=wave.number, filename=f"sheets-{wave.number}.pdf"
    )


def _issued(request, pk: int) -> tuple[Wave, list]:
    """The wave and those of its orders whose waybill is issued, by slot."""
    wave, links = _wave(request, pk)
    issued = set(
        Shipment.objects.filter(order__in=[link.order_id for link in links], status=ShipmentStatus.ISSUED)
        .values_list("order_id", flat=True)
    )
    orders = [link.order for link in links if link.order_id in issued]
    if not orders:
        raise ShippingRefused(
            _("波次 %(number)s 还没有出面单的订单（包裹称重通过后出面单）") % {"number": wave.number}, code="not_issued"
        )
    return wave, orders


@printer_required
def wave_labels_pdf(request, pk: int):
    size = label_size(request)
    wave, orders = _issued(request, pk)
    return labels_response(request, orders, size=size, html=False, filename=f"labels-{wave.number}.pdf")


@printer_required
def wave_labels_html(request, pk: int):
    size = label_size(request)
    return labels_response(request, _issued(request, pk)[1], size=size, html=True, filename="")
