"""Returns on their way back to a warehouse, as the floor finds them (nothing here writes)."""

from django.db.models import Q, QuerySet

from orders.returns_models import ReturnKind, ReturnRequest, ReturnStatus
from warehouse.selectors import warehouses_for

LIST_LIMIT = 30


def returns_to_receive(user) -> QuerySet[ReturnRequest]:
    """Approved returns that send goods back to one of ``user``'s warehouses, those with a return
    waybill first, oldest first."""
    return (
        ReturnRequest.objects.filter(status=ReturnStatus.APPROVED, warehouse__in=warehouses_for(user))
        .exclude(kind=ReturnKind.REFUND_ONLY)
        .select_related("order")
        .order_by("return_tracking", "id")
    )


def return_for_scan(user, code: str) -> ReturnRequest | None:
    """The return to receive that ``code`` names: its number, its return waybill, or the number or
    waybill of the order it belongs to; None when none of the user's warehouses awaits it."""
    code = (code or "").strip()
    if not code or len(code) > 64:
        return None
    found = returns_to_receive(user).filter(
        Q(number=code) | Q(return_tracking=code) | Q(order__number=code) | Q(order__tracking_number=code)
    )
    return found.order_by("id").first()


def return_for(user, number: str) -> ReturnRequest | None:
    """The return ``number`` if it awaits receipt in one of ``user``'s warehouses."""
    return returns_to_receive(user).filter(number=number).prefetch_related("lines", "photos").first()
