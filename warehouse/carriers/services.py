"""The write path for shipments: propose a carrier, let ops change it, issue and void waybills.

Each function locks the order row first (``orders.services.lifecycle.lock_order``), so it is
serialised with the order's own transitions: a cancel and an issue cannot both win, and two
issues for one order (a double tap, two stations) give one waybill.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.events import EventAction, order_event_record
from orders.models import Order
from orders.services.lifecycle import lock_order
from orders.states import BEFORE_PACKING, OrderStatus
from warehouse.carriers.adapters import WaybillError, WaybillRequest, adapter_for
from warehouse.carriers.errors import ShippingRefused
from warehouse.carriers.proposal import carrier_propose, check_weight, quote_for_service
from warehouse.models.carriers import CarrierService, Shipment, ShipmentStatus

#: OrderEvent actions written here (the evidence timeline reads them).
EVENT_CARRIER_CHANGED = EventAction.CARRIER_CHANGE
EVENT_WAYBILL_ISSUED = EventAction.WAYBILL_ISSUE
EVENT_WAYBILL_VOIDED = EventAction.WAYBILL_VOID

#: A carrier may be proposed or changed until the parcel leaves.
PROPOSABLE = [*BEFORE_PACKING, OrderStatus.PACKED]
#: A waybill is issued from 打单 (before picking) up to the pack station.
ISSUABLE = [OrderStatus.READY, OrderStatus.PICKING, OrderStatus.PACKED]
#: A waybill may be voided until the parcel leaves, and after a cancel (the label is then waste).
VOIDABLE = [*ISSUABLE, OrderStatus.CANCELLED]
REASON_LIMIT = Shipment._meta.get_field("change_reason").max_length


def _check_status(order: Order, allowed, action: str) -> None:
    if order.status not in allowed:
        raise ShippingRefused(
            _("订单 %(number)s 当前状态为「%(status)s」，不能%(action)s")
            % {"number": order.number, "status": order.get_status_display(), "action": action},
            code="wrong_status",
        )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ShippingRefused(_("请填写原因"), code="reason_required")
    if len(reason) > REASON_LIMIT:
        raise ShippingRefused(_("原因不能超过 %(n)d 个字符") % {"n": REASON_LIMIT}, code="reason_too_long")
    return reason


def _apply_quote(shipment: Shipment, quote, zone, weight_g: int) -> None:
    shipment.service_id = quote.service_id
    shipment.carrier_id = CarrierService.objects.values_list("carrier_id", flat=True).get(pk=quote.service_id)
    shipment.price = quote.price
    shipment.billing_weight_g = quote.billing_weight_g
    shipment.weight_g = weight_g
    shipment.zone_name = zone.name


def shipment_propose(*, order: Order | int, weight_g: int, box_mm=None, actor=None, now=None) -> Shipment:
    """Record the proposed carrier for ``weight_g`` (and the box, for volumetric weight).

    A choice ops made stays chosen (re-priced for the new weight); an issued shipment is returned
    unchanged. Locks the order row."""
    check_weight(weight_g, box_mm)
    with transaction.atomic():
        order = lock_order(order)
        shipment = Shipment.objects.filter(order=order).first() or Shipment(order=order)
        if shipment.status == ShipmentStatus.ISSUED:
            return shipment
        _check_status(order, PROPOSABLE, _("推荐快递"))
        proposal = carrier_propose(order=order, weight_g=weight_g, box_mm=box_mm, now=now)
        shipment.proposed_service_id = proposal.quote.service_id
        shipment.proposal_reason = proposal.reason
        shipment.quotes = [quote.as_json() for quote in proposal.quotes]
        quote = proposal.quote
        if shipment.changed_by_id and shipment.service_id:
            _zone, quote = quote_for_service(
                order=order, service=shipment.service, weight_g=weight_g, box_mm=box_mm
            )
        _apply_quote(shipment, quote, proposal.zone, weight_g)
        shipment.save()
    return shipment


def shipment_choose(*, order: Order | int, service: CarrierService, reason: str, actor) -> Shipment:
    """Ops change the carrier service of a proposed shipment, with a reason. Refused once the
    waybill is issued (void it first) or when the service does not deliver to the order's zone."""
    reason = _reason(reason)
    with transaction.atomic():
        order = lock_order(order)
        _check_status(order, PROPOSABLE, _("改派快递"))
        shipment = Shipment.objects.filter(order=order).first()
        if shipment is None or shipment.weight_g is None:
            raise ShippingRefused(_("该订单还没有推荐快递（需要先称重或估重）"), code="no_proposal")
        if shipment.status == ShipmentStatus.ISSUED:
            raise ShippingRefused(
                _("已出面单 %(number)s，请先作废面单再改派") % {"number": shipment.waybill_number}, code="already_issued"
            )
        zone, quote = quote_for_service(order=order, service=service, weight_g=shipment.weight_g)
        before = shipment.service.name if shipment.service_id else ""
        _apply_quote(shipment, quote, zone, shipment.weight_g)
        shipment.changed_by = actor
        shipment.change_reason = reason
        shipment.save()
        order_event_record(
            order=order, action=EVENT_CARRIER_CHANGED, actor=actor, note=reason,
            data={"from": before, "to": service.name, "price": str(quote.price)},
        )
    return shipment


def shipment_issue(*, order: Order | int, weight_g: int | None = None, box_mm=None, actor=None) -> Shipment:
    """Issue the waybill through the carrier's adapter; idempotent: an issued shipment is returned
    as it is (same number). Proposes first if there is no proposal yet (``weight_g`` needed then).

    The adapter is asked inside the order lock with a reference of the order number and the void
    count, so a retry after a lost answer gets the same number from the carrier."""
    if weight_g is not None:
        check_weight(weight_g, box_mm)
    with transaction.atomic():
        locked = lock_order(order)
        shipment = Shipment.objects.filter(order=locked).select_related("service__carrier").first()
        if shipment is not None and shipment.status == ShipmentStatus.ISSUED:
            return shipment
        _check_status(locked, ISSUABLE, _("出面单"))
        if shipment is None or (weight_g is not None and weight_g != shipment.weight_g):
            if weight_g is None:
                raise ShippingRefused(_("出面单需要重量"), code="bad_weight")
            shipment = shipment_propose(order=locked, weight_g=weight_g, box_mm=box_mm, actor=actor)
            shipment = Shipment.objects.select_related("service__carrier").get(pk=shipment.pk)
        carrier = shipment.service.carrier
        request = WaybillRequest(
            carrier_code=carrier.code,
            service_name=shipment.service.name,
            reference=f"{locked.number}-{shipment.attempt}",
            order_number=locked.number,
            province=locked.province,
            city=locked.city,
            district=locked.district,
            street=locked.street,
            weight_g=shipment.weight_g,
        )
        try:
            issued = adapter_for(carrier.adapter).issue(request)
        except WaybillError as exc:
            raise ShippingRefused(exc.message, code="carrier_refused") from exc
        shipment.status = ShipmentStatus.ISSUED
        shipment.carrier = carrier
        shipment.waybill_number = issued.number
        shipment.sort_code = issued.sort_code
        shipment.hub = issued.hub
        shipment.issued_at = timezone.now()
        shipment.issued_by = actor
        try:
            with transaction.atomic():
                shipment.save()
        except IntegrityError as exc:
            raise ShippingRefused(
                _("%(carrier)s 返回的运单号 %(number)s 已用于其他订单，请联系快递公司")
                % {"carrier": carrier.name, "number": issued.number},
                code="duplicate_waybill",
            ) from exc
        order_event_record(
            order=locked, action=EVENT_WAYBILL_ISSUED, actor=actor,
            data={"carrier": carrier.name, "waybill": issued.number, "service": shipment.service.name},
        )
    return shipment


def shipment_void(*, order: Order | int, reason: str, actor) -> Shipment:
    """Void an issued waybill that has not left (wrong carrier, damaged label): the carrier is
    told, the shipment goes back to proposed, and the next issue gets a new number."""
    reason = _reason(reason)
    with transaction.atomic():
        locked = lock_order(order)
        shipment = Shipment.objects.filter(order=locked).select_related("carrier").first()
        if shipment is None or shipment.status != ShipmentStatus.ISSUED:
            raise ShippingRefused(_("该订单没有可作废的面单"), code="not_issued")
        _check_status(locked, VOIDABLE, _("作废面单"))
        number = shipment.waybill_number
        try:
            adapter_for(shipment.carrier.adapter).cancel(carrier_code=shipment.carrier.code, number=number)
        except WaybillError as exc:
            raise ShippingRefused(exc.message, code="carrier_refused") from exc
        shipment.status = ShipmentStatus.PROPOSED
        shipment.waybill_number = shipment.sort_code = shipment.hub = ""
        shipment.issued_at = None
        shipment.issued_by = None
        shipment.attempt += 1
        shipment.save()
        order_event_record(
            order=locked, action=EVENT_WAYBILL_VOIDED, actor=actor, note=reason,
            data={"carrier": shipment.carrier.name, "waybill": number},
        )
    return shipment
