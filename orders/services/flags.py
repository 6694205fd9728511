"""Exception flags (``OrderFlag``): raised, kept open until a person resolves them (who, when,
how), and mirrored on the order (``Order.exception_*``: the latest open one, red in the list).

``flag_raise`` and ``flags_resolve`` work on an order the caller has locked, inside its
transaction (``order_flag_exception``, ``order_report_short``, ``order_clear_exception`` in
``orders.services.changes``); ``flags_raise_many`` raises one reason on many orders at once for
the SLA sweep (``orders.services.sla``), locking them and skipping any another transaction holds.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.sql import bulk_insert
from orders.events import EventAction, order_event, order_event_record
from orders.flow_models import OrderFlag
from orders.models import Order
from orders.states import ExceptionReason


def flag_raise(order: Order, *, reason: str, note: str = "", actor=None, data: dict | None = None, now=None) -> OrderFlag:
    """Raise ``reason`` on ``order`` (locked by the caller): a new flag, or the open flag of the same
    reason brought up to date (one open flag per reason). Writes the ``flag_exception`` event."""
    now = now or timezone.now()
    flag = OrderFlag.objects.filter(order=order, reason=reason, resolved_at__isnull=True).first()
    if flag is None:
        flag = OrderFlag.objects.create(
            order=order, reason=reason, note=note, data=data or {}, raised_at=now, raised_by=actor
        )
    else:
        flag.note, flag.data = note, data or {}
        flag.save(update_fields=["note", "data"])
    order.exception_reason, order.exception_note, order.exception_at = reason, note, now
    order.save(update_fields=["exception_reason", "exception_note", "exception_at", "updated_at"])
    order_event_record(
        order=order,
        action=EventAction.FLAG_EXCEPTION,
        actor=actor,
        note=note or ExceptionReason(reason).label,
        data={"reason": reason, **(data or {})},
    )
    return flag


def flags_resolve(order: Order, *, actor, note: str, now=None) -> list[str]:
    """Resolve every open flag of ``order`` (locked by the caller) and clear the order's exception.
    Returns the reasons resolved (the order's own exception when no flag row was open)."""
    now = now or timezone.now()
    flags = list(OrderFlag.objects.filter(order=order, resolved_at__isnull=True).order_by("raised_at", "id"))
    for flag in flags:
        flag.resolved_at, flag.resolved_by, flag.resolution = now, actor, note
    OrderFlag.objects.bulk_update(flags, ["resolved_at", "resolved_by", "resolution"])
    reasons = [flag.reason for flag in flags] or [order.exception_reason]
    order.exception_reason, order.exception_note, order.exception_at = "", "", None
    order.save(update_fields=["exception_reason", "exception_note", "exception_at", "updated_at"])
    return reasons


def flags_raise_many(*, order_ids: list[int], reason: str, note: str, data: dict[int, dict], now: datetime) -> list[int]:
    """Raise ``reason`` on these orders in one transaction (a few statements whatever their
    number), skipping an order another transaction has locked (the next sweep finds it again) or
    that has had this flag since it was picked. Returns the ids flagged."""
    if not order_ids:
        return []
    with transaction.atomic():
        free = list(
            Order.objects.select_for_update(skip_locked=True)
            .filter(pk__in=order_ids)
            .exclude(flags__reason=reason)
            .order_by("pk")
            .values_list("pk", "status")
        )
        if not free:
            return []
        ids = [pk for pk, _status in free]
        bulk_insert([
            OrderFlag(order_id=pk, reason=reason, note=note, data=data.get(pk, {}), raised_at=now) for pk in ids
        ])
        Order.objects.filter(pk__in=ids).update(
            exception_reason=reason, exception_note=note, exception_at=now, updated_at=now
        )
        events = []
        for pk, status in free:
            stub = Order(pk=pk)
            events.append(
                order_event(
                    order=stub, action=EventAction.FLAG_EXCEPTION, from_status=status, to_status=status,
                    note=note, data={"reason": reason, **data.get(pk, {})},
                )
            )
        bulk_insert(events)
    return ids
