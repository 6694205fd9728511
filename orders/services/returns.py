"""After-sales (售后): request, approve or refuse, the buyer's return waybill, receiving at the
warehouse (restock or scrap, an exchange order), the refund.

Each function runs in one transaction that locks the order row first (``lock_order``) and then the
request row, so two people acting on one request, or two requests on one order, take turns; each
writes an ``OrderEvent`` (``RETURN_*``) on the order in the same transaction. Every check runs
before the first write: a refusal (``OrderActionRefused`` with a ``code``) changes nothing.

Restocked units are received into the return's warehouse with ``stock_receive`` (reason
``RETURN_IN``, the return number as reference), so the ledger keeps balancing and the re-run of
out-of-stock holds sees the new units. Scrapped units never re-enter stock. An exchange creates
the new outbound order through ``order_intake`` (its platform order id is the return number, so
repeating the receipt cannot create it twice).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.photos import PhotoRefused, clean_photo
from inventory.models import MovementReason, Sku
from inventory.services import stock_receive
from orders.drafts import DraftInvalid, DraftLine, OrderDraft, Recipient
from orders.events import EventAction, order_event_record
from orders.models import Order
from orders.returns_models import (
    Disposition,
    PhotoStage,
    RefundStatus,
    ReturnKind,
    ReturnLine,
    ReturnReason,
    ReturnRequest,
    ReturnSource,
    ReturnStatus,
)
from orders.services.errors import OrderActionRefused
from orders.services.intake import order_intake
from orders.services.lifecycle import check_note, lock_order
from orders.services.return_photos import save_photo
from orders.states import OrderStatus

#: Statuses in which a buyer may ask (the parcel has arrived); ops may also act once it has shipped.
CUSTOMER_RETURNABLE = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
OPS_RETURNABLE = (OrderStatus.SHIPPED, *CUSTOMER_RETURNABLE)
DESCRIPTION_LIMIT = ReturnRequest._meta.get_field("description").max_length


@dataclass(frozen=True)
class RequestedLine:
    order_line_id: int
    quantity: int
    exchange_sku_code: str = ""


@dataclass(frozen=True)
class ReceivedLine:
    return_line_id: int
    quantity: int
    disposition: str


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _refuse(message: str, code: str):
    raise OrderActionRefused(message, code=code)


def returned_quantities(order: Order) -> dict[int, int]:
    """Units of each order line already asked for in requests that were not refused."""
    rows = (
        ReturnLine.objects.filter(request__order=order)
        .exclude(request__status=ReturnStatus.REFUSED)
        .values("order_line_id")
        .annotate(n=Sum("quantity"))
    )
    return {row["order_line_id"]: row["n"] for row in rows}


def _check_window(order: Order) -> None:
    days = _setting("RETURN_WINDOW_DAYS", 15)
    delivered = order.events.filter(action=EventAction.DELIVER).order_by("-id").values_list("at", flat=True).first()
    if delivered is not None and timezone.now() - delivered > timedelta(days=days):
        _refuse(_("已超过签收后 %(days)d 天的售后期限，请联系客服") % {"days": days}, "return_window_closed")


def _clean_lines(order: Order, kind: str, lines: list[RequestedLine]) -> list[tuple]:
    if not lines:
        _refuse(_("请至少选择一件要售后的商品"), "no_lines")
    by_id = {line.pk: line for line in order.lines.all()}
    taken = returned_quantities(order)
    seen, cleaned = set(), []
    for wanted in lines:
        line = by_id.get(wanted.order_line_id)
        if line is None or wanted.order_line_id in seen:
            _refuse(_("所选商品不属于这个订单"), "bad_line")
        seen.add(line.pk)
        left = line.quantity - taken.get(line.pk, 0)
        if not isinstance(wanted.quantity, int) or wanted.quantity < 1 or wanted.quantity > left:
            _refuse(
                _("%(code)s 最多可申请 %(left)d 件") % {"code": line.sku_code, "left": max(left, 0)}, "bad_quantity"
            )
        exchange = (wanted.exchange_sku_code or "").strip() if kind == ReturnKind.EXCHANGE else ""
        if exchange and not Sku.objects.filter(code=exchange, active=True).exists():
            _refuse(_("换货商品编码 %(code)s 不存在") % {"code": exchange}, "bad_exchange_sku")
        cleaned.append((line, wanted.quantity, exchange))
    return cleaned


def return_request_create(
    *,
    order: Order | int,
    kind: str,
    reason: str,
    lines: list[RequestedLine],
    description: str = "",
    photos: list[bytes] = (),
    source: str = ReturnSource.CUSTOMER,
    actor=None,
) -> ReturnRequest:
    """A new request (待审核) on a shipped order: the buyer's from the tracking page once the
    parcel arrived (within ``RETURN_WINDOW_DAYS`` of delivery), or ops' from admin. Photos are
    checked and re-encoded before anything is written."""
    if kind not in ReturnKind.values:
        _refuse(_("未知的售后类型"), "bad_kind")
    if reason not in ReturnReason.values:
        _refuse(_("请选择售后原因"), "bad_reason")
    if source not in ReturnSource.values:
        _refuse(_("未知的售后来源"), "bad_source")
    description = (description or "").strip()
    if len(description) > DESCRIPTION_LIMIT:
        _refuse(_("问题描述不能超过 %(n)d 个字") % {"n": DESCRIPTION_LIMIT}, "description_too_long")
    if len(photos) > _setting("RETURN_PHOTO_LIMIT", 3):
        _refuse(_("最多上传 %(n)d 张照片") % {"n": _setting("RETURN_PHOTO_LIMIT", 3)}, "too_many_photos")
    try:
        cleaned_photos = [_clean(data) for data in photos]
    except PhotoRefused as exc:
        raise OrderActionRefused(exc.message, code=exc.code) from exc
    with transaction.atomic():
        locked = lock_order(order)
        allowed = CUSTOMER_RETURNABLE if source == ReturnSource.CUSTOMER else OPS_RETURNABLE
        if locked.status not in allowed:
            _refuse(
                _("订单 %(number)s 当前状态为「%(status)s」，还不能申请售后")
                % {"number": locked.number, "status": locked.get_status_display()},
                "not_returnable",
            )
        if source == ReturnSource.CUSTOMER:
            _check_window(locked)
        chosen = _clean_lines(locked, kind, lines)
        count = ReturnRequest.objects.filter(order=locked).count()
        request = ReturnRequest.objects.create(
            number=f"{locked.number}-R{count + 1}", order=locked, kind=kind, reason=reason,
            description=description, source=source, created_by=actor, warehouse_id=locked.warehouse_id,
        )
        ReturnLine.objects.bulk_create([
            ReturnLine(
                request=request, order_line=line, sku_id=line.sku_id, sku_code=line.sku_code, title=line.title,
                quantity=quantity, exchange_sku_code=exchange,
            )
            for line, quantity, exchange in chosen
        ])
        for photo in cleaned_photos:
            save_photo(request=request, photo=photo, stage=PhotoStage.CUSTOMER, actor=actor)
        order_event_record(
            order=locked, action=EventAction.RETURN_REQUEST, actor=actor,
            note=_("%(kind)s：%(reason)s") % {"kind": request.get_kind_display(), "reason": request.get_reason_display()},
            data={"return": request.number, "kind": kind, "reason": reason, "source": source},
        )
    return request


def _clean(data: bytes):
    return clean_photo(
        data,
        max_bytes=_setting("RETURN_PHOTO_MAX_BYTES", 10 * 1024 * 1024),
        max_pixels=_setting("RETURN_PHOTO_MAX_PIXELS", 40_000_000),
        max_side=_setting("RETURN_PHOTO_MAX_SIDE", 1600),
    )


def _lock(request: ReturnRequest | int, expected: tuple[str, ...] | None = None) -> tuple[Order, ReturnRequest]:
    pk = request.pk if isinstance(request, ReturnRequest) else request
    order_id = ReturnRequest.objects.filter(pk=pk).values_list("order_id", flat=True).first()
    if order_id is None:
        _refuse(_("售后单不存在"), "not_found")
    order = lock_order(order_id)
    locked = ReturnRequest.objects.select_for_update().get(pk=pk)
    if expected is not None and locked.status not in expected:
        _refuse(
            _("售后单 %(number)s 当前状态为「%(status)s」，不能这样处理")
            % {"number": locked.number, "status": locked.get_status_display()},
            "return_status",
        )
    return order, locked


def _amount(value, order: Order) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        _refuse(_("退款金额不是有效的数字"), "bad_amount")
    if not amount.is_finite() or amount < 0 or amount > order.paid_amount:
        _refuse(_("退款金额须在 0 到实付金额 %(paid)s 之间") % {"paid": order.paid_amount}, "bad_amount")
    return amount


def suggested_refund(request: ReturnRequest) -> Decimal:
    """The lines' value at the prices paid, at most what the order was paid."""
    total = sum((line.quantity * line.order_line.unit_price for line in request.lines.select_related("order_line")),
                Decimal("0"))
    return min(total, request.order.paid_amount).quantize(Decimal("0.01"))


def return_approve(*, request: ReturnRequest | int, actor, refund_amount=None, note: str = "") -> ReturnRequest:
    """Agree (待审核 → 已同意). A return or refund owes the buyer ``refund_amount`` (by default
    the lines' value), tracked as 待退款; an exchange owes nothing."""
    check_note(note)
    with transaction.atomic():
        order, locked = _lock(request, (ReturnStatus.REQUESTED,))
        if locked.kind == ReturnKind.EXCHANGE:
            amount, refund = Decimal("0"), RefundStatus.NONE
        else:
            amount = _amount(suggested_refund(locked) if refund_amount in (None, "") else refund_amount, order)
            refund = RefundStatus.PENDING
        locked.status, locked.refund_status, locked.refund_amount = ReturnStatus.APPROVED, refund, amount
        locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), note.strip()
        locked.save(update_fields=["status", "refund_status", "refund_amount", "decided_by", "decided_at",
                                   "decision_note"])
        order_event_record(
            order=order, action=EventAction.RETURN_APPROVE, actor=actor, note=note.strip(),
            data={"return": locked.number, "refund_amount": str(amount)},
        )
    return locked


def return_refuse(*, request: ReturnRequest | int, actor, note: str) -> ReturnRequest:
    """Refuse (待审核 → 已拒绝), with the reason the buyer will be told."""
    note = (note or "").strip()
    if not note:
        _refuse(_("拒绝售后请填写原因（会告知买家）"), "note_required")
    check_note(note)
    with transaction.atomic():
        order, locked = _lock(request, (ReturnStatus.REQUESTED,))
        locked.status, locked.decided_by, locked.decided_at, locked.decision_note = (
            ReturnStatus.REFUSED, actor, timezone.now(), note,
        )
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        order_event_record(
            order=order, action=EventAction.RETURN_REFUSE, actor=actor, note=note, data={"return": locked.number}
        )
    return locked


def return_ship_back(*, request: ReturnRequest | int, carrier: str, tracking_number: str, actor=None) -> ReturnRequest:
    """The buyer's waybill for the parcel coming back (the warehouse can scan it on arrival)."""
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    if not tracking_number or len(tracking_number) > 64 or len(carrier) > 32:
        _refuse(_("请填写正确的退回运单号"), "bad_tracking")
    with transaction.atomic():
        order, locked = _lock(request, (ReturnStatus.APPROVED,))
        if not locked.needs_goods_back:
            _refuse(_("仅退款无需寄回商品"), "no_goods_back")
        locked.return_carrier, locked.return_tracking = carrier, tracking_number
        locked.save(update_fields=["return_carrier", "return_tracking"])
        order_event_record(
            order=order, action=EventAction.RETURN_SHIP_BACK, actor=actor,
            data={"return": locked.number, "carrier": carrier, "tracking_number": tracking_number},
        )
    return locked


def return_receive(
    *, request: ReturnRequest | int, actor, lines: list[ReceivedLine], note: str = ""
) -> ReturnRequest:
    """The parcel is back and inspected (已同意 → 已收货验货): per line the units that arrived and
    whether they go back on the shelf or are scrapped. Restocked units enter the ledger; an
    exchange's new order is created. The caller checks that ``actor`` works in the warehouse."""
    check_note(note)
    with transaction.atomic():
        order, locked = _lock(request, (ReturnStatus.APPROVED,))
        if not locked.needs_goods_back:
            _refuse(_("仅退款无需验收"), "no_goods_back")
        own = {line.pk: line for line in locked.lines.select_related("sku")}
        given = {}
        for received in lines:
            line = own.get(received.return_line_id)
            if line is None or line.pk in given:
                _refuse(_("验收的商品不属于这张售后单"), "bad_line")
            if received.disposition not in Disposition.values:
                _refuse(_("请为 %(code)s 选择入库或报废") % {"code": line.sku_code}, "bad_disposition")
            if not isinstance(received.quantity, int) or not 0 <= received.quantity <= line.quantity:
                _refuse(_("%(code)s 实收数量须在 0 到 %(n)d 之间") % {"code": line.sku_code, "n": line.quantity},
                        "bad_quantity")
            if received.disposition == Disposition.RESTOCK and received.quantity and line.sku is None:
                _refuse(_("%(code)s 没有对应的 SKU，不能入库") % {"code": line.sku_code}, "no_sku")
            given[line.pk] = received
        if set(given) != set(own):
            _refuse(_("请逐行填写实收数量和处理方式"), "lines_missing")
        if not any(received.quantity for received in given.values()):
            _refuse(_("没有收到任何商品，不能验收"), "nothing_received")
        warehouse = locked.warehouse or order.warehouse
        if warehouse is None:
            _refuse(_("售后单没有退回仓库"), "no_warehouse")
        for line in own.values():
            received = given[line.pk]
            line.received_quantity, line.disposition = received.quantity, received.disposition
            restock = received.disposition == Disposition.RESTOCK
            line.restocked_quantity = received.quantity if restock else 0
            line.scrapped_quantity = 0 if restock else received.quantity
            if line.restocked_quantity:
                stock_receive(
                    sku=line.sku, warehouse=warehouse, quantity=line.restocked_quantity, reference=locked.number,
                    actor=actor, reason=MovementReason.RETURN_IN,
                )
        ReturnLine.objects.bulk_update(
            list(own.values()), ["received_quantity", "disposition", "restocked_quantity", "scrapped_quantity"]
        )
        locked.status, locked.received_by, locked.received_at = ReturnStatus.RECEIVED, actor, timezone.now()
        locked.receive_note, locked.warehouse = note.strip(), warehouse
        if locked.kind == ReturnKind.EXCHANGE:
            locked.exchange_order = _exchange_order(locked, order, list(own.values()), actor)
        _complete_if_done(locked)
        locked.save(update_fields=["status", "received_by", "received_at", "receive_note", "warehouse",
                                   "exchange_order"])
        order_event_record(
            order=order, action=EventAction.RETURN_RECEIVE, actor=actor, note=note.strip(),
            data={
                "return": locked.number,
                "restocked": {line.sku_code: line.restocked_quantity for line in own.values() if line.restocked_quantity},
                "scrapped": {line.sku_code: line.scrapped_quantity for line in own.values() if line.scrapped_quantity},
                "exchange_order": locked.exchange_order.number if locked.exchange_order else "",
            },
        )
    return locked


def _exchange_order(request: ReturnRequest, order: Order, lines: list[ReturnLine], actor) -> Order:
    draft = OrderDraft(
        channel=order.channel.code,
        external_id=request.number,
        recipient=Recipient(
            name=order.recipient_name, phone=order.phone if not order.phone_extension else
            f"{order.phone}-{order.phone_extension}", province=order.province, city=order.city,
            district=order.district, street=order.street,
        ),
        lines=tuple(
            DraftLine(sku_code=line.exchange_sku_code or line.sku_code, quantity=line.received_quantity,
                      title=line.title)
            for line in lines if line.received_quantity
        ),
        paid=True,
        paid_amount=Decimal("0"),
        priority=order.priority,
        seller_note=_("换货：售后单 %(number)s（原订单 %(order)s）") % {"number": request.number, "order": order.number},
    )
    try:
        return order_intake(draft=draft, actor=actor).order
    except DraftInvalid as exc:
        raise OrderActionRefused(
            _("换货订单无法创建：%(error)s") % {"error": "; ".join(exc.errors.values())}, code="exchange_failed"
        ) from exc


def _complete_if_done(request: ReturnRequest) -> None:
    refunded = request.refund_status in (RefundStatus.NONE, RefundStatus.REFUNDED)
    back = not request.needs_goods_back or request.status == ReturnStatus.RECEIVED
    if refunded and back and request.status in (ReturnStatus.APPROVED, ReturnStatus.RECEIVED):
        request.status = ReturnStatus.COMPLETED


def return_refund(*, request: ReturnRequest | int, actor, reference: str = "", note: str = "") -> ReturnRequest:
    """The platform has paid the refund (待退款 → 已退款); the request completes once nothing else waits."""
    reference = (reference or "").strip()
    if len(reference) > 64:
        _refuse(_("平台退款单号过长"), "bad_reference")
    check_note(note)
    with transaction.atomic():
        order, locked = _lock(request, (ReturnStatus.APPROVED, ReturnStatus.RECEIVED))
        if locked.refund_status != RefundStatus.PENDING:
            _refuse(_("这张售后单没有待退款"), "no_refund_pending")
        locked.refund_status, locked.refund_reference, locked.refunded_at = (
            RefundStatus.REFUNDED, reference, timezone.now(),
        )
        _complete_if_done(locked)
        locked.save(update_fields=["refund_status", "refund_reference", "refunded_at", "status"])
        # The refund event the platform's own refunds write too: the frequent-returns rules count it.
        order_event_record(
            order=order, action=EventAction.REFUND, actor=actor, note=note.strip(),
            data={"return": locked.number, "amount": str(locked.refund_amount), "reference": reference},
        )
    return locked


def return_photo_add(*, request: ReturnRequest | int, data: bytes, actor, stage: str = PhotoStage.RECEIVING):
    """A photo of the goods at inspection (or from ops), checked and re-encoded before it is kept."""
    try:
        photo = _clean(data)
    except PhotoRefused as exc:
        raise OrderActionRefused(exc.message, code=exc.code) from exc
    with transaction.atomic():
        _order, locked = _lock(request)
        return save_photo(request=locked, photo=photo, stage=stage, actor=actor)
