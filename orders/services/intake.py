"""``order_intake``: the one entry for orders from every channel."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from core.sql import batch, insert
from orders.drafts import DraftInvalid, OrderDraft
from orders.models import Customer, Order, OrderEvent, OrderLine, OrderSource, channel_model
from orders.numbering import format_number, next_order_number, number_statement
from orders.privacy import classify_contact, customer_phone
from orders.services.allocation import (
    Allocation,
    CatalogSku,
    StockRow,
    allocate_and_reserve,
    catalog_from_rows,
    catalog_statement,
    needs_by_sku,
)
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


@dataclass(frozen=True)
class _Prepared:
    """What the intake reads before its transaction, in one round trip on PostgreSQL."""

    channel: _ChannelRow | None
    #: None for a repeat or a missing/inactive channel (no number is spent on those).
    number: str | None
    skus: dict[str, CatalogSku]
    stock_rows: list[StockRow]
    #: The new order's id, drawn from its sequence on PostgreSQL so that its rows can be sent
    #: without waiting for the order's INSERT; None elsewhere.
    order_id: int | None


def _prepare(draft: OrderDraft) -> _Prepared:
    """The channel with the order already taken in for this platform order (if any), a new order
    number unless it is a repeat, the SKUs with their free stock, and (PostgreSQL) an order id.
    Read in autocommit, outside the intake's transaction: the number so that its counter row is
    locked for one statement only (see ``orders.numbering``); the stock as a first look only,
    since the reservation itself is the guarded update."""
    quote = connection.ops.quote_name
    channel_table, source_table = quote(channel_model()._meta.db_table), quote(OrderSource._meta.db_table)
    number_sql, number_params, day = number_statement(unless_taken=(draft.channel, draft.external_id))
    catalog_sql, catalog_params = catalog_statement(line.sku_code for line in draft.lines)
    new_id = connection.vendor == "postgresql"
    with batch(), connection.cursor() as lookup, connection.cursor() as numbering, connection.cursor() as catalog:
        lookup.execute(
            # Only quoted table names are interpolated; the code and external id are parameters.
            f"SELECT c.id, c.active, (SELECT s.order_id FROM {source_table} s "  # noqa: S608
            f"WHERE s.channel_id = c.id AND s.external_id = %s) FROM {channel_table} c WHERE c.code = %s",
            [draft.external_id, draft.channel],
        )
        # SQLite: finish the read before the numbering write. A read statement still open on the
        # connection pins an old WAL snapshot, and the write then fails at once with "database is
        # locked" (no busy wait) whenever another process committed in between.
        row = None if new_id else lookup.fetchone()
        numbering.execute(number_sql, number_params)
        catalog.execute(catalog_sql, catalog_params)
        if new_id:
            with connection.cursor() as sequence:
                sequence.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Order._meta.db_table])
                order_id = sequence.fetchone()[0]
        if new_id:
            row = lookup.fetchone()
        drawn = numbering.fetchone()
        skus, stock_rows = catalog_from_rows(catalog.fetchall())
    return _Prepared(
        channel=_ChannelRow(row[0], draft.channel, bool(row[1]), row[2]) if row else None,
        number=format_number(day, drawn[0]) if drawn else None,
        skus=skus,
        stock_rows=stock_rows,
        order_id=order_id if new_id else None,
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
    draft = draft.normalized()
    draft.validate()
    prepared = _prepare(draft)
    channel, number = prepared.channel, prepared.number
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
        # last writes with the COMMIT (see ``core.sql.batch``).
        with batch(), transaction.atomic():
            order = _create(draft=draft, prepared=prepared, number=number, actor=actor)
    except IntegrityError:
        # A concurrent delivery of the same platform order committed first.
        existing = _existing(draft.channel, draft.external_id)
        if existing is None:
            raise
        return IntakeResult(order=existing, created=False)
    return IntakeResult(order=order, created=True)


def _create(*, draft: OrderDraft, prepared: _Prepared, number: str, actor) -> Order:
    recipient = draft.recipient
    channel, skus = prepared.channel, prepared.skus
    with connection.cursor() as customer:
        # Sent first; on PostgreSQL read once the stock is settled, so that it travels with the
        # reservation (SQLite must finish a statement before the reservation's savepoint).
        phone = _send_customer_upsert(customer, recipient.name, recipient.phone)
        deferred = connection.vendor == "postgresql"
        customer_id = customer.fetchone()[0] if phone and not deferred else None
        hold_reason, hold_note, allocation = _allocate(draft, prepared, number, actor)
        if phone and deferred:
            customer_id = customer.fetchone()[0]
    order = new_order(
        draft=draft,
        number=number,
        order_id=prepared.order_id,
        channel_id=channel.pk,
        customer_id=customer_id,
        hold=(hold_reason, hold_note),
        warehouse_id=allocation.warehouse_id if allocation else None,
    )
    insert([order], returning_pk=prepared.order_id is None)
    source, lines, event = order_rows(
        order=order, draft=draft, channel_code=channel.code, skus=skus, allocation=allocation, actor=actor
    )
    insert([source])
    insert(lines)
    insert([event])
    return order


def new_order(
    *,
    draft: OrderDraft,
    number: str,
    order_id: int | None,
    channel_id: int,
    customer_id: int | None,
    hold: tuple[str, str],
    warehouse_id: int | None,
) -> Order:
    """The unsaved order row for ``draft`` (shared with ``orders.services.batch``)."""
    hold_reason, hold_note = hold
    recipient = draft.recipient
    if hold_reason:
        status = OrderStatus.ON_HOLD
    else:
        status = OrderStatus.PENDING_REVIEW if draft.paid else OrderStatus.PENDING_PAYMENT
    now = timezone.now()
    goods = draft.goods_amount
    contact = classify_contact(recipient.name, recipient.phone)
    return Order(
        id=order_id,
        number=number,
        channel_id=channel_id,
        status=status,
        hold_reason=hold_reason,
        hold_note=hold_note,
        customer_id=customer_id,
        recipient_name=recipient.name,
        phone=contact.phone,
        phone_privacy=contact.privacy,
        phone_extension=contact.extension,
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
        warehouse_id=warehouse_id,
    )


def order_rows(
    *, order: Order, draft: OrderDraft, channel_code: str, skus: dict[str, CatalogSku], allocation, actor
) -> tuple[OrderSource, list[OrderLine], OrderEvent]:
    """The unsaved source, lines and "created" event of a saved ``order`` (shared with the batch)."""
    lines = []
    for line in draft.lines:
        sku = skus.get(line.sku_code)
        lines.append(
            OrderLine(
                order_id=order.pk,
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
        order_id=order.pk,
        action="created",
        to_status=order.status,
        actor=actor,
        note=order.hold_note,
        data={
            **draft.data,
            "channel": channel_code,
            "external_id": draft.external_id,
            "hold_reason": order.hold_reason,
        },
    )
    source = OrderSource(
        order_id=order.pk,
        channel_id=order.channel_id,
        external_id=draft.external_id,
        buyer_nick=draft.buyer_nick,
        import_job_id=draft.import_job_id,
    )
    return source, lines, event


def _allocate(draft: OrderDraft, prepared: _Prepared, number: str, actor) -> tuple[str, str, Allocation | None]:
    """(hold reason, hold note, allocation): reserve every line in one warehouse, or say why not."""
    hold = intake_hold(draft, prepared.skus)
    if hold:
        return (*hold, None)
    allocation = allocate_and_reserve(
        needs=needs_by_sku(draft.lines, prepared.skus),
        province=draft.recipient.province,
        reference=number,
        actor=actor,
        stock_rows=prepared.stock_rows,
    )
    if allocation is None:
        return (*out_of_stock_hold(), None)
    return "", "", allocation


def intake_hold(draft: OrderDraft, skus: dict) -> tuple[str, str] | None:
    """(hold reason, note) when the order cannot be reserved whatever the stock: an unknown SKU
    code or an incomplete address; None otherwise (shared with ``orders.services.batch``)."""
    unknown = sorted({line.sku_code for line in draft.lines if line.sku_code not in skus})
    if unknown:
        return unknown_sku_hold(unknown)
    missing = draft.recipient.missing_parts()
    if missing:
        return bad_address_hold(missing)
    return None


# The hold reasons with their notes, worded once for the intake, the batch intake and the changes
# that retry a held order (``orders.services.changes``).


def unknown_sku_hold(codes: list[str]) -> tuple[str, str]:
    # Truncated: hundreds of long codes must not overflow the column and fail the intake.
    return HoldReason.UNKNOWN_SKU, Truncator(_("未知商家编码：%(codes)s") % {"codes": "、".join(codes)}).chars(
        _NOTE_LENGTH
    )


def bad_address_hold(missing: list[str]) -> tuple[str, str]:
    return HoldReason.BAD_ADDRESS, _("地址缺少：%(parts)s") % {"parts": "、".join(missing)}


def out_of_stock_hold() -> tuple[str, str]:
    return HoldReason.OUT_OF_STOCK, _("没有一个仓库能整单发货")


def _send_customer_upsert(cursor, name: str, phone: str) -> str | None:
    """Send the upsert of the buyer, keyed by phone (the first name seen is kept), whose RETURNING
    gives the customer id; returns the phone, or None when a missing phone or a platform privacy
    number (masked or virtual, ``orders.privacy``) makes no customer and nothing was sent."""
    phone = customer_phone(name, phone)
    if phone is None:
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
