"""The parcel's label: the seam between the scale and the carrier services.

Once a parcel has passed the scale (or a supervisor let it through), its waybill is issued by
``warehouse.carriers.services.shipment_issue`` (the carrier proposed for the weighed box, the
adapter's number, 三段码 and 集包地) and recorded on the parcel with ``parcel_assign_waybill``, so
the dock scan must match it. A refusal (no rate to the zone, the carrier said no) leaves the
weigh as it was, keeps the reason on the parcel (``label_error``) for the weigh page, and can be
retried. Each function locks the order row first, as every order service does.
"""

from django.utils.translation import gettext as _

from orders.models import Order
from orders.services.lifecycle import lock_order
from orders.states import OrderStatus
from warehouse.carriers.errors import ShippingRefused
from warehouse.carriers.services import shipment_issue
from warehouse.models import Parcel, Shipment, ShipmentStatus
from warehouse.services.common import order_refusal, recorded
from warehouse.services.errors import FloorRefused
from warehouse.services.packing import _load_order

LABEL_ERROR_LIMIT = Parcel._meta.get_field("label_error").max_length


def parcel_of(order: Order) -> Parcel | None:
    return Parcel.objects.filter(order=order).select_related("box").first()


def issued_waybill(order: Order) -> str | None:
    """The waybill number the carrier services hold issued for the order: "" when its shipment was
    voided or not issued yet, None when it has no shipment (a waybill recorded by hand)."""
    status, number = Shipment.objects.filter(order=order).values_list("status", "waybill_number").first() or (None, None)
    if status is None:
        return None
    return number if status == ShipmentStatus.ISSUED else ""


def parcel_assign_waybill(*, order: Order | int, carrier: str, waybill: str, actor) -> Parcel:
    """Record the waybill printed for the parcel (issued by the carrier services): the dock scan
    then must match it. Only before shipping; the same waybill again changes nothing."""
    carrier, waybill = (carrier or "").strip(), (waybill or "").strip()
    if not carrier or not waybill:
        raise FloorRefused(_("需要快递公司和运单号"), code="tracking_required")
    loaded = _load_order(order, actor)

    def work():
        locked = lock_order(loaded.pk)
        parcel = parcel_of(locked)
        if locked.status != OrderStatus.PACKED or parcel is None:
            raise FloorRefused(order_refusal(locked)[0], code="not_packed")
        if (parcel.carrier, parcel.waybill, parcel.label_error) != (carrier, waybill, ""):
            parcel.carrier, parcel.waybill, parcel.label_error = carrier, waybill, ""
            parcel.save(update_fields=["carrier", "waybill", "label_error"])
        return parcel

    return recorded(work)


def parcel_label(*, order: Order | int, actor) -> Parcel:
    """Issue the weighed parcel's waybill and record it on the parcel; returns the parcel.

    Safe to repeat: an issued shipment is returned as it is (same number), and a shipment voided
    since (a damaged label, another carrier) gets a new number here. Refused: an order not packed,
    a parcel not cleared by the scale (``not_weighed``), and the carrier services' refusals
    (``label_refused``, the reason kept on the parcel for the weigh page)."""
    loaded = _load_order(order, actor)

    def work():
        locked = lock_order(loaded.pk)
        parcel = parcel_of(locked)
        if locked.status != OrderStatus.PACKED or parcel is None:
            message, reason = order_refusal(locked)
            raise FloorRefused(message, code=reason if locked.status == OrderStatus.CANCELLED else "not_packed")
        if not parcel.may_ship:
            raise FloorRefused(_("包裹还没有称重通过，不能出面单"), code="not_weighed")
        if locked.station_id is not None:
            raise FloorRefused(_("团购站点订单随站点配送发出，不出快递面单"), code="station_order")
        try:
            shipment = shipment_issue(
                order=locked, weight_g=parcel.weight_g, box_mm=parcel.box.dimensions_mm, actor=actor
            )
        except ShippingRefused as exc:
            parcel.label_error = exc.message[:LABEL_ERROR_LIMIT]
            parcel.save(update_fields=["label_error"])
            return FloorRefused(_("面单未出：%(reason)s") % {"reason": exc.message}, code="label_refused")
        return parcel_assign_waybill(
            order=locked, carrier=shipment.carrier.name, waybill=shipment.waybill_number, actor=actor
        )

    return recorded(work)


def label_after_weigh(parcel: Parcel, actor) -> Parcel:
    """After the weigh (or a supervisor's release) is committed: the label, if the parcel may
    ship. A refusal is kept on the parcel and does not undo the weigh; the parcel as it now is."""
    if not parcel.may_ship or Order.objects.filter(pk=parcel.order_id, station__isnull=False).exists():
        return parcel  # not cleared yet, or a group-buy order (it leaves on its station's run)
    try:
        return parcel_label(order=parcel.order_id, actor=actor)
    except FloorRefused:
        return parcel_of(parcel.order_id)
