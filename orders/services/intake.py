"""``order_intake``: the one entry for orders from every channel."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from channels.models import Channel
from orders.drafts import DraftInvalid, OrderDraft
from orders.models import Customer, Order, OrderEvent, OrderLine, OrderSource
from orders.numbering import next_order_number
from orders.services.allocation import allocate_and_reserve, needs_by_sku, resolve_skus
from orders.states import HoldReason, OrderStatus

_NOTE_LENGTH = Order._meta.get_field("hold_note").max_length


@dataclass(frozen=True)
class IntakeResult:
    order: Order
    #: False when this platform order was already taken in: ``order`` is the existing one, unchanged.
    created: bool


def _existing(channel_code: str, external_id: str) -> Order | None:
    source = (
        OrderSource.objects.select_related("order")
        .filter(channel__code=channel_code, external_id=external_id)
        .first()
    )
    return source.order if source else None


def _channel_with_existing(channel_code: str, external_id: str) -> Channel | None:
    """The channel (active or not), annotated with ``existing_order_id``: the order already taken
    in for this platform order, or None. One query for the dedup and the channel lookup."""
    sources = OrderSource.objects.filter(channel=OuterRef("pk"), external_id=external_id)
    return (
        Channel.objects.filter(code=channel_code)
        .annotate(existing_order_id=Subquery(sources.values("order_id")[:1]))
        .first()
    )


def order_intake(*, draft: OrderDraft, actor=None) -> IntakeResult:
    """Take in one platform order, exactly once.

    Validates the draft (``DraftInvalid``, nothing written), answers a repeat of (channel, external
    id) with the existing order, else numbers the order and, in one transaction, creates it with
    its lines, source and event, choosing a warehouse and reserving every line there. An unknown
    SKU, missing stock or an incomplete address still creates the order, on hold with the reason,
    with nothing reserved. The order number is drawn before the transaction opens (see
    ``orders.numbering``); the transaction locks the chosen stock rows in pk order.
    """
    draft.validate()
    channel = _channel_with_existing(draft.channel, draft.external_id)
    if channel is not None and channel.existing_order_id is not None:
        existing = _existing(draft.channel, draft.external_id)
        if existing is not None:
            return IntakeResult(order=existing, created=False)
    if channel is None or not channel.active:
        raise DraftInvalid({"channel": _("渠道 %(code)s 不存在或已停用") % {"code": draft.channel}})
    number = next_order_number()
    try:
        with transaction.atomic():
            order = _create(draft=draft, channel=channel, number=number, actor=actor)
    except IntegrityError:
        # A concurrent delivery of the same platform order committed first.
        existing = _existing(draft.channel, draft.external_id)
        if existing is None:
            raise
        return IntakeResult(order=existing, created=False)
    return IntakeResult(order=order, created=True)


def _create(*, draft: OrderDraft, channel: Channel, number: str, actor) -> Order:
    recipient = draft.recipient
    skus = resolve_skus(line.sku_code for line in draft.lines)
    hold_reason, hold_note = "", ""
    allocation = None
    unknown = sorted({line.sku_code for line in draft.lines if line.sku_code not in skus})
    missing = recipient.missing_parts()
    if unknown:
        hold_reason = HoldReason.UNKNOWN_SKU
        # Truncated: hundreds of long codes must not overflow the column and fail the intake.
        hold_note = Truncator(_("未知商家编码：%(codes)s") % {"codes": "、".join(unknown)}).chars(_NOTE_LENGTH)
    elif missing:
        hold_reason = HoldReason.BAD_ADDRESS
        hold_note = _("地址缺少：%(parts)s") % {"parts": "、".join(missing)}
    else:
        allocation = allocate_and_reserve(needs=needs_by_sku(draft.lines, skus), province=recipient.province, reference=number, actor=actor)
        if allocation is None:
            hold_reason = HoldReason.OUT_OF_STOCK
            hold_note = _("没有一个仓库能整单发货")

    if hold_reason:
        status = OrderStatus.ON_HOLD
    else:
        status = OrderStatus.PENDING_REVIEW if draft.paid else OrderStatus.PENDING_PAYMENT
    now = timezone.now()
    goods = draft.goods_amount
    order = Order.objects.create(
        number=number,
        channel=channel,
        status=status,
        hold_reason=hold_reason,
        hold_note=hold_note,
        customer=_customer(recipient.name, recipient.phone),
        recipient_name=recipient.name,
        phone=recipient.phone,
        province=recipient.province,
        city=recipient.city,
        district=recipient.district,
        street=recipient.street,
        buyer_note=draft.buyer_note,
        seller_note=draft.seller_note,
        priority=draft.priority,
        currency=draft.currency,
        goods_amount=goods,
        shipping_fee=draft.shipping_fee,
        discount_amount=draft.discount_amount,
        paid_amount=draft.paid_amount if draft.paid_amount is not None else goods + draft.shipping_fee
        - draft.discount_amount,
        placed_at=draft.placed_at or now,
        paid_at=(draft.paid_at or now) if draft.paid else None,
        promised_ship_at=draft.promised_ship_at,
        warehouse_id=allocation.warehouse_id if allocation else None,
    )
    OrderSource.objects.create(order=order, channel=channel, external_id=draft.external_id)
    lines = []
    for line in draft.lines:
        sku = skus.get(line.sku_code)
        lines.append(
            OrderLine(
                order=order,
                sku=sku,
                sku_code=line.sku_code,
                title=line.title or (sku.name if sku else ""),
                quantity=line.quantity,
                unit_price=line.unit_price,
                warehouse_id=allocation.warehouse_id if allocation else None,
                stock_level_id=allocation.stock_levels[sku.pk] if allocation else None,
                reserved_quantity=line.quantity if allocation else 0,
            )
        )
    OrderLine.objects.bulk_create(lines)
    OrderEvent.objects.create(
        order=order,
        action="created",
        to_status=status,
        actor=actor,
        note=hold_note,
        data={**draft.data, "channel": channel.code, "external_id": draft.external_id, "hold_reason": hold_reason},
    )
    return order


def _customer(name: str, phone: str) -> Customer | None:
    """The buyer, keyed by phone; masked or missing phones (privacy-protected platforms) make none."""
    phone = (phone or "").strip()
    if not phone or "*" in phone or len(phone) > 32:
        return None
    customer, _created = Customer.objects.get_or_create(phone=phone, defaults={"name": name[:100]})
    return customer
