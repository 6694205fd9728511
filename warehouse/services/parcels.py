"""Weighing and the hand-over at the dock.

Weighing compares the scale with the parcel's expected weight (items + box tare) within the
warehouse's tolerance; a parcel outside it is refused, kept as flagged (``weight_ok`` False) and
cannot ship until weighed again within tolerance or let through by a supervisor with a reason.
A parcel cleared either way gets its label at once (``labels.parcel_label``: the waybill issued
by the carrier services), after the weigh is committed, so a refused label never undoes a weigh.
Shipping calls ``order_ship``, which consumes the stock; the tracking write-back reads its event.
Each function locks the order row first.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order
from orders.services import OrderActionRefused, order_flag_exception, order_ship
from orders.services.lifecycle import lock_order
from orders.states import ExceptionReason, OrderStatus
from warehouse.models import FloorStep, Parcel
from warehouse.services.common import (
    clean_request_id,
    order_refusal,
    prior,
    record,
    recorded,
    refuse,
    replay_refusal,
)
from warehouse.services.errors import FloorRefused
from warehouse.services.labels import issued_waybill, label_after_weigh, parcel_of
from warehouse.services.packing import _load_order, _wave_id

#: A scale reading above this is a typing mistake, not a parcel (grams).
MAX_WEIGHT_G = 100_000
OVERRIDE_REASON_LIMIT = Parcel._meta.get_field("override_reason").max_length


def parcel_weigh(*, order: Order | int, weight_g: int, actor, request_id: str = "") -> Parcel:
    """The packed parcel on the scale. Within tolerance: passed, and the label issued (a label the
    carrier services refuse leaves the reason in ``parcel.label_error``; the weigh stands).
    Outside it, or when an item has no unit weight (the check is impossible): refused, recorded
    and the parcel flagged."""
    request_id = clean_request_id(request_id)
    if not isinstance(weight_g, int) or isinstance(weight_g, bool) or not 0 < weight_g <= MAX_WEIGHT_G:
        raise FloorRefused(_("请输入 1 到 %(max)d 克之间的重量") % {"max": MAX_WEIGHT_G}, code="invalid_weight")
    loaded = _load_order(order, actor)

    def work():
        locked = lock_order(loaded.pk)
        earlier = prior(request_id, actor)
        parcel = parcel_of(locked)
        if earlier is not None:
            return parcel if earlier.ok else replay_refusal(earlier)
        fields = {"order": locked, "wave_id": _wave_id(locked), "code": str(weight_g), "request_id": request_id}
        if locked.status != OrderStatus.PACKED or parcel is None:
            if locked.status == OrderStatus.PICKING:
                message, reason = _("订单 %(number)s 还没有打包") % {"number": locked.number}, "not_packed"
            else:
                message, reason = order_refusal(locked)
            return refuse(message, reason=reason, step=FloorStep.WEIGH, actor=actor, **fields)
        parcel.weight_g, parcel.weighed_by, parcel.weighed_at = weight_g, actor, timezone.now()
        expected, tolerance = parcel.expected_weight_g, parcel.tolerance_g
        parcel.weight_ok = expected is not None and abs(weight_g - expected) <= tolerance
        parcel.save(update_fields=["weight_g", "weighed_by", "weighed_at", "weight_ok"])
        data = {"weight_g": weight_g, "expected_weight_g": expected, "tolerance_g": tolerance}
        if expected is None:
            return refuse(
                _("有商品没有单件重量，无法核对，请主管确认后放行"),
                reason="no_unit_weight", step=FloorStep.WEIGH, actor=actor, data=data, **fields,
            )
        if not parcel.weight_ok:
            # The floor reports to ops: a red exception on the order (orders never read the floor).
            order_flag_exception(
                order=locked, reason=ExceptionReason.WEIGHT_MISMATCH, actor=actor, data=data,
                note=_("称重不符：预计 %(expected)d 克，实际 %(actual)d 克") % {"expected": expected, "actual": weight_g},
            )
            return refuse(
                _("重量不符：预计 %(expected)d 克（允差 ±%(tolerance)d 克），实际 %(actual)d 克，请开箱核对")
                % {"expected": expected, "tolerance": tolerance, "actual": weight_g},
                reason="weight_out_of_tolerance", step=FloorStep.WEIGH, actor=actor, data=data, **fields,
            )
        record(step=FloorStep.WEIGH, actor=actor, data=data, **fields)
        return parcel

    return label_after_weigh(recorded(work), actor)


def parcel_weigh_override(*, order: Order | int, reason: str, supervisor) -> Parcel:
    """A supervisor lets a flagged parcel through (weighed outside tolerance, or not checkable),
    with a reason, and its label is issued as after a passing weigh. Needs
    ``warehouse.override_weight_parcel``."""
    reason = (reason or "").strip()
    if not reason:
        raise FloorRefused(_("请填写放行原因"), code="reason_required")
    if len(reason) > OVERRIDE_REASON_LIMIT:
        raise FloorRefused(_("放行原因不能超过 %(n)d 个字") % {"n": OVERRIDE_REASON_LIMIT}, code="reason_too_long")
    loaded = _load_order(order, supervisor)
    if not supervisor.has_perm("warehouse.override_weight_parcel"):
        raise FloorRefused(_("只有主管可以放行称重超差的包裹"), code="permission_denied")
    with transaction.atomic():
        locked = lock_order(loaded.pk)
        parcel = parcel_of(locked)
        if locked.status != OrderStatus.PACKED or parcel is None:
            raise FloorRefused(order_refusal(locked)[0], code="not_packed")
        if parcel.weight_g is None:
            raise FloorRefused(_("包裹还没有称重"), code="not_weighed")
        if not parcel.may_ship:
            _override(parcel, locked, reason, supervisor)
    return label_after_weigh(parcel, supervisor)


def _override(parcel: Parcel, order: Order, reason: str, supervisor) -> None:
    parcel.override_by, parcel.override_reason, parcel.override_at = supervisor, reason, timezone.now()
    parcel.save(update_fields=["override_by", "override_reason", "override_at"])
    record(
        step=FloorStep.WEIGH, actor=supervisor, order=order, wave_id=_wave_id(order), code=str(parcel.weight_g),
        data={"override": True, "reason": reason, "weight_g": parcel.weight_g,
              "expected_weight_g": parcel.expected_weight_g},
    )


def parcel_ship(*, order: Order | int, waybill: str, actor, request_id: str = "") -> Parcel:
    """The label scanned at the dock: the parcel leaves with the carrier and waybill its label
    carries (``order_ship``: the reserved stock is consumed, the platforms hear the tracking
    number through the write-back).

    Refused and recorded: a parcel not weighed within tolerance nor let through
    (``not_weighed``), one without a label recorded (``no_label``), a label that is not the one
    recorded for this parcel (``wrong_label``), a label whose waybill was voided since
    (``label_void``), an order not packed. Shipping an already shipped parcel with the same
    waybill returns it."""
    request_id = clean_request_id(request_id)
    waybill = (waybill or "").strip()
    if not waybill:
        raise FloorRefused(_("请扫描面单条码"), code="tracking_required")
    loaded = _load_order(order, actor)

    def work():
        locked = lock_order(loaded.pk)
        parcel = parcel_of(locked)
        if locked.status == OrderStatus.SHIPPED and parcel is not None and parcel.waybill == waybill:
            return parcel
        earlier = prior(request_id, actor)
        if earlier is not None and not earlier.ok:
            return replay_refusal(earlier)
        fields = {"order": locked, "wave_id": _wave_id(locked), "code": waybill, "request_id": request_id}
        if locked.status != OrderStatus.PACKED or parcel is None:
            message, reason = order_refusal(locked)
            return refuse(message, reason=reason, step=FloorStep.SHIP, actor=actor, **fields)
        if not parcel.may_ship:
            return refuse(
                _("包裹还没有称重通过，不能发货"), reason="not_weighed", step=FloorStep.SHIP, actor=actor, **fields
            )
        if not parcel.waybill:
            return refuse(
                _("包裹还没有面单：请在称重台出面单、贴好后再交接"), reason="no_label", step=FloorStep.SHIP, actor=actor,
                **fields,
            )
        if parcel.waybill != waybill:
            return refuse(
                _("面单不符：这个包裹的运单号是 %(expected)s") % {"expected": parcel.waybill},
                reason="wrong_label", step=FloorStep.SHIP, actor=actor, **fields,
            )
        if issued_waybill(locked) not in (None, waybill):
            return refuse(
                _("面单 %(waybill)s 已作废：请到称重台重新出面单，贴上新面单") % {"waybill": waybill},
                reason="label_void", step=FloorStep.SHIP, actor=actor, **fields,
            )
        try:
            order_ship(
                order=locked, actor=actor, expected_status=OrderStatus.PACKED, carrier=parcel.carrier,
                tracking_number=waybill,
            )
        except OrderActionRefused as exc:
            raise FloorRefused(exc.message, code=exc.code) from exc
        parcel.shipped_by, parcel.shipped_at = actor, timezone.now()
        parcel.save(update_fields=["shipped_by", "shipped_at"])
        record(step=FloorStep.SHIP, actor=actor, data={"carrier": parcel.carrier}, **fields)
        return parcel

    return recorded(work)
