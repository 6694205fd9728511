"""``order_intake``: the one entry for orders from every channel."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from channels.models import Channel
from inventory.sql import batch, insert
from orders.drafts import DraftInvalid, OrderDraft
from orders.models import Customer, Order, OrderEvent, OrderLine, OrderSource
from orders.numbering import format_number, next_order_number, number_statement
from orders.services.allocation import allocate_and_reserve, needs_by_sku, read_catalog
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


@dataclass(frozen=True)
class _ChannelRow:
    pk: int
    code: str
    active: bool
    #: The order already taken in for this platform order, or None.
    existing_order_id: int | None


def _lookup_and_number(draft: OrderDraft) -> tuple[_ChannelRow | None, str | None]:
    """The channel with the order already taken in for this platform order (if any), and a new
    order number unless it is a repeat or the channel is missing or inactive: two statements
    sent together (one round trip on PostgreSQL). A number is drawn in autocommit, outside the
    intake's transaction (see ``orders.numbering``)."""
    quote = connection.ops.quote_name
    channel_table, source_table = quote(Channel._meta.db_table), quote(OrderSource._meta.db_table)
    number_sql, number_params, day = number_statement(unless_taken=(draft.channel, draft.external_id))
    with batch(), connection.cursor() as lookup, connection.cursor() as numbering:
        lookup.execute(
            # Only quoted table names are interpolated; the code and external id are parameters.
            f"SELECT c.id, c.active, (SELECT s.order_id FROM {source_table} s "  # noqa: S608
            f"WHERE s.channel_id = c.id AND s.external_id = %s) FROM {channel_table} c WHERE c.code = %s",
            [draft.external_id, draft.channel],
        )
        numbering.execute(number_sql, number_params)
        row = lookup.fetchone()
        drawn = numbering.fetchone()
    channel = _ChannelRow(row[0], draft.channel, bool(row[1]), row[2]) if row else None
    return channel, format_number(day, drawn[0]) if drawn else None


def order_intake(*, draft: OrderDraft, actor=None) -> IntakeResult:
    """Take in one platform order, exactly once.

    Validates the draft (``DraftInvalid``, nothing written), answers a repeat of (channel, external
    id) with the existing order, else numbers the order and, in one transaction, creates it with
    its lines, source and event, choosing a warehouse and reserving every line there. An unknown
    SKU, missing stock or an incomplete address still creates the order, on hold with the reason,
    with nothing reserved. The order number is drawn before the transaction opens (see
    ``orders.numbering``); the transaction locks the chosen stock rows in pk order.
    """
    draft = draft.normalized()
    draft.validate()
    channel, number = _lookup_and_number(draft)
    if channel is not None and channel.existing_order_id is not None:
        existing = _existing(draft.channel, draft.external_id)
        if existing is not None:
            return IntakeResult(order=existing, created=False)
    if channel is None or not channel.active:
        raise DraftInvalid({"channel": _("渠道 %(code)s 不存在或已停用") % {"code": draft.channel}})
    if number is None:
        # A concurrent delivery took this order in between the two statements: draw a number
        # anyway; the source's unique constraint then answers with that delivery's order.
        number = next_order_number()
    try:
        # On PostgreSQL the statements whose results are not needed yet travel together, the
        # last writes with the COMMIT (see ``inventory.sql.batch``).
        with batch(), transaction.atomic():
            order = _create(draft=draft, channel=channel, number=number, actor=actor)
    except IntegrityError:
        # A concurrent delivery of the same platform order committed first.
        existing = _existing(draft.channel, draft.external_id)
        if existing is None:
            raise
        return IntakeResult(order=existing, created=False)
    return IntakeResult(order=order, created=True)


def _create(*, draft: OrderDraft, channel: _ChannelRow, number: str, actor) -> Order:
    recipient = draft.recipient
    with connection.cursor() as customer:
        # Sent before the catalogue read, so both travel in one round trip on PostgreSQL.
        phone = _send_customer_upsert(customer, recipient.name, recipient.phone)
        skus, stock_rows = read_catalog(line.sku_code for line in draft.lines)
        customer_id = customer.fetchone()[0] if phone else None
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
        allocation = allocate_and_reserve(
            needs=needs_by_sku(draft.lines, skus),
            province=recipient.province,
            reference=number,
            actor=actor,
            stock_rows=stock_rows,
        )
        if allocation is None:
            hold_reason = HoldReason.OUT_OF_STOCK
            hold_note = _("没有一个仓库能整单发货")

    if hold_reason:
        status = OrderStatus.ON_HOLD
    else:
        status = OrderStatus.PENDING_REVIEW if draft.paid else OrderStatus.PENDING_PAYMENT
    now = timezone.now()
    goods = draft.goods_amount
    order = Order(
        number=number,
        channel_id=channel.pk,
        status=status,
        hold_reason=hold_reason,
        hold_note=hold_note,
        customer_id=customer_id,
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
        paid_amount=draft.paid_amount
        if draft.paid_amount is not None
        else max(goods + draft.shipping_fee - draft.discount_amount, Decimal("0")),
        placed_at=draft.placed_at or now,
        paid_at=(draft.paid_at or now) if draft.paid else None,
        promised_ship_at=draft.promised_ship_at,
        warehouse_id=allocation.warehouse_id if allocation else None,
    )
    insert([order], returning_pk=True)
    lines = []
    for line in draft.lines:
        sku = skus.get(line.sku_code)
        lines.append(
            OrderLine(
                order=order,
                sku_id=sku.pk if sku else None,
                sku_code=line.sku_code,
                title=line.title or (sku.name if sku else ""),
                quantity=line.quantity,
                unit_price=line.unit_price,
                warehouse_id=allocation.warehouse_id if allocation else None,
                stock_level_id=allocation.stock_levels[sku.pk] if allocation else None,
                reserved_quantity=line.quantity if allocation else 0,
            )
        )
    event = OrderEvent(
        order=order,
        action="created",
        to_status=status,
        actor=actor,
        note=hold_note,
        data={**draft.data, "channel": channel.code, "external_id": draft.external_id, "hold_reason": hold_reason},
    )
    insert([OrderSource(order=order, channel_id=channel.pk, external_id=draft.external_id)])
    insert(lines)
    insert([event])
    return order


def _send_customer_upsert(cursor, name: str, phone: str) -> str | None:
    """Send the upsert of the buyer, keyed by phone (the first name seen is kept), whose RETURNING
    gives the customer id; returns the phone, or None when masked or missing phones (privacy-
    protected platforms) make no customer and nothing was sent."""
    phone = (phone or "").strip()
    if not phone or "*" in phone or len(phone) > 32:
        return None
    table = connection.ops.quote_name(Customer._meta.db_table)
    cursor.execute(
        # Only the quoted table name is interpolated. The no-op update makes RETURNING give the
        # existing row's id on a conflict.
        f"INSERT INTO {table} (name, phone, created_at) VALUES (%s, %s, %s) "  # noqa: S608
        "ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone RETURNING id",
        [name[:100], phone, timezone.now()],
    )
    return phone
