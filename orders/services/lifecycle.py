"""Order transitions. Each one locks the order row, checks the state machine, applies the
transition and its stock effect, and writes the ``OrderEvent``, all in one transaction.

A second, concurrent transition on the same order waits for the row lock, then finds the order
in its new status and is refused (``OrderActionRefused``); it is never silently lost.
"""

from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from inventory.services import StockLine, stock_release, stock_ship
from orders.drafts import Recipient
from orders.events import EventAction, order_event_record
from orders.models import Order, OrderEvent, OrderLine
from orders.services.allocation import resolve_skus
from orders.services.errors import OrderActionRefused
from orders.services.reservation import Hold, LiveStock, reserve_or_hold
from orders.states import HoldReason

NOTE_LIMIT = OrderEvent._meta.get_field("note").max_length


def check_note(note: str) -> None:
    """Refuse a note longer than the event log keeps (before anything is written)."""
    if len(note or "") > NOTE_LIMIT:
        raise OrderActionRefused(_("说明不能超过 %(n)d 个字符") % {"n": NOTE_LIMIT}, code="note_too_long")


def lock_order(order: Order | int, expected_status: str | None = None) -> Order:
    """The order row, locked for the current transaction; refused when ``expected_status`` is given
    and the order is no longer in it (the person acted on it as they saw it; someone has moved it since)."""
    locked = Order.objects.select_for_update().get(pk=order.pk if isinstance(order, Order) else order)
    if expected_status is not None and locked.status != expected_status:
        raise OrderActionRefused(
            _("订单 %(number)s 已被其他人改为「%(status)s」，请刷新后再操作")
            % {"number": locked.number, "status": locked.get_status_display()},
            code="concurrent_change",
        )
    return locked


def _transition(
    order: Order | int,
    action: EventAction,
    *,
    actor,
    note: str = "",
    data: dict | None = None,
    kwargs: dict | None = None,
    effect: Callable[[Order], dict | None] | None = None,
    expected_status: str | None = None,
) -> Order:
    check_note(note)
    with transaction.atomic():
        locked = lock_order(order, expected_status)
        method = getattr(locked, action)
        if not can_proceed(method):
            raise OrderActionRefused(
                _("订单 %(number)s 当前状态为「%(status)s」，不能%(action)s")
                % {"number": locked.number, "status": locked.get_status_display(), "action": action.label},
                code="transition_not_allowed",
            )
        from_status = locked.status
        extra = effect(locked) if effect else None
        method(**(kwargs or {}))
        try:
            locked.save()
        except ConcurrentTransition as exc:
            raise OrderActionRefused(_("订单已被其他人同时修改，请刷新后重试"), code="concurrent_change") from exc
        order_event_record(
            order=locked,
            action=action,
            from_status=from_status,
            actor=actor,
            note=note,
            data={**(data or {}), **(extra or {})},
        )
    return locked


def _reserved_lines(order: Order) -> list[OrderLine]:
    return [line for line in order.lines.all() if line.reserved_quantity and line.stock_level_id]


def _release_reservation(order: Order, actor) -> dict:
    lines = _reserved_lines(order)
    if lines:
        stock_release(
            lines=[StockLine(line.stock_level_id, line.reserved_quantity) for line in lines],
            reference=order.number,
            actor=actor,
        )
        OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(reserved_quantity=0)
    released: dict[str, int] = {}
    for line in lines:
        released[line.sku_code] = released.get(line.sku_code, 0) + line.reserved_quantity
    return {"released": released}


def order_mark_paid(*, order: Order | int, actor=None, expected_status: str | None = None, paid_at=None, note: str = "") -> Order:
    """Paid: waiting orders go to review; a held unpaid order stays held, now paid."""
    return _transition(order, EventAction.PAY, expected_status=expected_status, actor=actor, note=note, kwargs={"paid_at": paid_at})


def order_approve(*, order: Order | int, actor=None, expected_status: str | None = None, note: str = "") -> Order:
    return _transition(order, EventAction.APPROVE, expected_status=expected_status, actor=actor, note=note)


def order_hold(*, order: Order | int, actor=None, expected_status: str | None = None, reason: str = HoldReason.MANUAL, note: str = "") -> Order:
    if reason not in HoldReason.values:
        raise OrderActionRefused(_("未知的挂起原因"), code="invalid_reason")
    if reason == HoldReason.MANUAL and not note.strip():
        raise OrderActionRefused(_("人工挂起请填写说明"), code="note_required")
    return _transition(
        order, EventAction.HOLD, expected_status=expected_status, actor=actor, note=note, data={"reason": reason}, kwargs={"reason": reason, "note": note}
    )


def order_release_hold(
    *, order: Order | int, actor=None, expected_status: str | None = None, note: str = "", keep_held: bool = False
) -> Order:
    """Release a hold. An order that holds no stock yet is first allocated and reserved again
    (after a SKU mapping, a restock or an address fix); if that still fails it stays on hold.

    The reservation is ``reserve_or_hold``. When it fails, a person's release is refused with the
    reason; an automatic retry (``keep_held``: after a mapping or an address fix) instead leaves
    the order held with the new reason and note (a ``hold_reason`` event when they change). Locks
    the order, then the stock rows it reserves in pk order. Returns the order as it is now."""

    def release() -> Order:
        return _transition(
            order, EventAction.RELEASE_HOLD, expected_status=expected_status, actor=actor, note=note,
            effect=lambda locked: _reserve(locked, actor),
        )

    if not keep_held:
        return release()
    with transaction.atomic():
        try:
            return release()
        except _StillHeld as still:
            # The transition's savepoint is rolled back; the row lock stays with this transaction.
            return _keep_held(lock_order(order), still.hold, actor)


class _StillHeld(OrderActionRefused):
    """The order still cannot be reserved; ``hold`` says why."""

    def __init__(self, hold: Hold):
        super().__init__(hold.refusal, code=hold.reason)
        self.hold = hold


def _reserve(order: Order, actor) -> dict | None:
    """The release's effect: reserve every line in one warehouse unless all are reserved already."""
    lines = [line for line in order.lines.all() if line.ships]
    if all(line.reserved_quantity == line.quantity for line in lines):
        return None
    _release_reservation(order, actor)
    skus = resolve_skus(line.sku_code for line in lines)
    recipient = Recipient(province=order.province, city=order.city, street=order.street)
    outcome = reserve_or_hold(
        lines=lines, skus=skus, recipient=recipient, stock=LiveStock(reference=order.number, actor=actor)
    )
    if outcome.hold is not None:
        raise _StillHeld(outcome.hold)
    allocation = outcome.allocation
    for line in lines:
        line.sku = skus[line.sku_code]
        line.warehouse_id = allocation.warehouse_id
        line.stock_level_id = allocation.stock_levels[line.sku.pk]
        line.reserved_quantity = line.quantity
    OrderLine.objects.bulk_update(lines, ["sku", "warehouse", "stock_level", "reserved_quantity"])
    order.warehouse_id = allocation.warehouse_id
    return {"warehouse_id": allocation.warehouse_id}


def _keep_held(order: Order, hold: Hold, actor) -> Order:
    """Leave ``order`` (locked, on hold) held, with the hold's reason and note."""
    if (order.hold_reason, order.hold_note) == (hold.reason, hold.note):
        return order
    order.hold_reason, order.hold_note = hold.reason, hold.note
    order.save(update_fields=["hold_reason", "hold_note", "updated_at"])
    order_event_record(
        order=order, action=EventAction.HOLD_REASON, actor=actor, note=hold.note, data={"reason": hold.reason}
    )
    return order


def order_cancel(*, order: Order | int, actor=None, expected_status: str | None = None, note: str = "") -> Order:
    """Cancel and give back every reserved unit."""
    return _transition(order, EventAction.CANCEL, expected_status=expected_status, actor=actor, note=note, effect=lambda locked: _release_reservation(locked, actor))


def order_start_picking(*, order: Order | int, actor=None, expected_status: str | None = None, note: str = "") -> Order:
    return _transition(order, EventAction.START_PICKING, expected_status=expected_status, actor=actor, note=note)


def order_stop_picking(*, order: Order | int, actor=None, expected_status: str | None = None, note: str = "") -> Order:
    """Back to 待拣货 (the wave was cancelled); the stock stays reserved for the next wave."""
    return _transition(order, EventAction.STOP_PICKING, expected_status=expected_status, actor=actor, note=note)


def order_pack(*, order: Order | int, actor=None, expected_status: str | None = None, note: str = "") -> Order:
    return _transition(order, EventAction.PACK, expected_status=expected_status, actor=actor, note=note)


def order_ship(*, order: Order | int, actor=None, expected_status: str | None = None, carrier: str, tracking_number: str, note: str = "") -> Order:
    """Ship: the reserved units leave stock (on_hand and reserved both drop)."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier or not tracking_number:
        raise OrderActionRefused(_("发货需要快递公司和运单号"), code="tracking_required")

    def effect(locked: Order) -> dict:
        lines = _reserved_lines(locked)
        wanted = sum(line.quantity for line in locked.lines.all() if line.ships)
        if sum(line.reserved_quantity for line in lines) != wanted:
            raise OrderActionRefused(_("订单库存未完全占用，不能发货"), code="not_reserved")
        stock_ship(
            lines=[StockLine(line.stock_level_id, line.reserved_quantity) for line in lines],
            reference=locked.number,
            actor=actor,
        )
        OrderLine.objects.filter(order=locked).update(reserved_quantity=0)
        return {"carrier": carrier, "tracking_number": tracking_number}

    return _transition(
        order,
        EventAction.SHIP,
        expected_status=expected_status,
        actor=actor,
        note=note,
        effect=effect,
        kwargs={"carrier": carrier, "tracking_number": tracking_number},
    )


def order_deliver(*, order: Order | int, actor=None, expected_status: str | None = None, note: str = "") -> Order:
    return _transition(order, EventAction.DELIVER, expected_status=expected_status, actor=actor, note=note)


def order_complete(*, order: Order | int, actor=None, expected_status: str | None = None, note: str = "") -> Order:
    return _transition(order, EventAction.COMPLETE, expected_status=expected_status, actor=actor, note=note)
