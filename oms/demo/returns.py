"""Demo after-sales: a few buyers ask for returns on delivered orders (a wrong item, a damaged
parcel, a size to exchange, one not wanted), ops decide, the warehouse receives one, one is
refunded; then the dashboard's roll-ups are built so the admin home page shows the fortnight."""

from datetime import timedelta

from orders.models import Order
from orders.returns_models import Disposition, ReturnKind, ReturnReason
from orders.services.errors import OrderActionRefused
from orders.services.returns import (
    ReceivedLine,
    RequestedLine,
    return_approve,
    return_receive,
    return_refund,
    return_refuse,
    return_request_create,
)
from orders.services.rollups import WINDOW_DAYS, analytics_refresh, dashboard_refresh, local_today
from orders.states import OrderStatus

#: (kind, reason, what happens next)
CASES = (
    (ReturnKind.RETURN, ReturnReason.WRONG_ITEM, "receive_refund"),
    (ReturnKind.REFUND_ONLY, ReturnReason.DAMAGED, "refund"),
    (ReturnKind.EXCHANGE, ReturnReason.SIZE, "approve"),
    (ReturnKind.RETURN, ReturnReason.NOT_WANTED, "refuse"),
    (ReturnKind.RETURN, ReturnReason.QUALITY, ""),
    (ReturnKind.RETURN, ReturnReason.MISSING_ITEM, "approve"),
)


def seed_returns(*, rng) -> int:
    delivered = list(
        Order.objects.filter(status__in=(OrderStatus.DELIVERED, OrderStatus.COMPLETED)).order_by("id")[:200]
    )
    rng.shuffle(delivered)
    made = 0
    for order, (kind, reason, then) in zip(delivered, CASES, strict=False):
        line = order.lines.exclude(gift="not_shipped").first()
        if line is None:
            continue
        try:
            request = return_request_create(
                order=order, kind=kind, reason=reason, lines=[RequestedLine(line.pk, 1)], source="ops"
            )
            if then == "refuse":
                return_refuse(request=request, actor=None, note="已超过七天无理由退货期限")
            elif then:
                return_approve(request=request, actor=None)
            if then == "receive_refund":
                return_receive(request=request, actor=None,
                               lines=[ReceivedLine(request.lines.get().pk, 1, Disposition.RESTOCK)])
            if then in ("receive_refund", "refund"):
                return_refund(request=request, actor=None, reference=f"RF{order.pk:08d}")
        except OrderActionRefused:
            continue
        made += 1
    return made


def build_dashboard() -> None:
    today = local_today()
    dashboard_refresh(first=today - timedelta(days=WINDOW_DAYS - 1), last=today)
    analytics_refresh()
