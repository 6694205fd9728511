"""``order_intake``: the one entry for orders from every channel."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core.sql import atomic_batch, batch, insert
from orders.drafts import DraftInvalid, OrderDraft
from orders.events import EventAction, order_event
from orders.models import Order, OrderEvent, OrderLine, OrderSource
from orders.numbering import format_number, next_order_number, number_statement
from orders.privacy import classify_contact
from orders.selectors import Taken, taken_from_rows, taken_orders, taken_statement, untaken_condition
from orders.services.allocation import CatalogSku, StockRow, catalog_from_rows, catalog_statement
from orders.services.customers import customer_phone, customers_upsert_statement
from orders.services.reservation import Hold, LiveStock, Reservation, reserve_or_hold
from orders.states import OrderStatus, ships


@dataclass(frozen=True)
class IntakeResult:
    order: Order
    #: False when this platform order was already taken in: ``order`` is the existing one, unchanged.
    created: bool


def _existing(draft: OrderDraft, order_id: int | None = None) -> Order | None:
    """The order already taken in for the draft's platform order (``order_id`` when known)."""
    if order_id is None:
        taken = taken_orders(channel=draft.channel, external_ids=[draft.external_id])
        found = taken.orders.get(draft.external_id) if taken else None
        if found is None:
            return None
        order_id = found[0]
    return Order.objects.get(pk=order_id)


@dataclass(frozen=True)
class PreparedIntake:
    """What the intake reads before its transaction, in one round trip on PostgreSQL
    (``order_intake_prepare``)."""

    #: The draft, normalized and valid.
    draft: OrderDraft
    #: The channel and whether it has taken this platform order in; None: no such channel.
    taken: Taken | None
    #: None for a repeat or a missing/inactive channel (no number is spent on those).
    number: str | None
    skus: dict[str, CatalogSku]
    stock_rows: list[StockRow]
    #: The new order's id, drawn from its sequence on PostgreSQL so that its rows can be sent
    #: without waiting for the order's INSERT; None elsewhere.
    order_id: int | None


def order_intake_prepare(*, draft: OrderDraft) -> PreparedIntake:
    """The first half of ``order_intake``, for a caller that runs the second half inside its own
    transaction (the inbox, which holds a lock on the platform order meanwhile): call it outside
    any transaction, then ``order_intake(prepared=...)``.

    Validates the draft (``DraftInvalid``, nothing written), then reads the dedup lookup (the
    channel and the order already taken in for this platform order, if any), a new order number
    unless it is a repeat, the SKUs with their free stock, and (PostgreSQL) an order id. In
    autocommit, outside the intake's transaction: the number so that its counter row is locked
    for this one round trip only (see ``orders.numbering``); the stock as a first look only, since
    the reservation itself is the guarded update. Whatever changes meanwhile, ``order_intake`` still takes the platform order
    in once (a number drawn for nothing leaves a gap)."""
    draft = draft.normalized()
    draft.validate()
    number_sql, number_params, day = number_statement(only_if=untaken_condition(draft.channel, draft.external_id))
    catalog_sql, catalog_params = catalog_statement(line.sku_code for line in draft.lines)
    postgres = connection.vendor == "postgresql"
    cursors = [connection.cursor() for _ in range(4)]
    lookup, numbering, catalog, sequence = cursors
    try:
        with batch():
            lookup.execute(*taken_statement(draft.channel, [draft.external_id]))
            # SQLite: finish the read before the numbering write. A read statement still open on the
            # connection pins an old WAL snapshot, and the write then fails at once with "database is
            # locked" (no busy wait) whenever another process committed in between.
            rows = None if postgres else lookup.fetchall()
            numbering.execute(number_sql, number_params)
            catalog.execute(catalog_sql, catalog_params)
            if postgres:
                sequence.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Order._meta.db_table])
        # PostgreSQL: the four answers came back together as the pipeline ended, one round trip.
        if postgres:
            rows = lookup.fetchall()
            order_id = sequence.fetchone()[0]
        drawn = numbering.fetchone()
        skus, stock_rows = catalog_from_rows(catalog.fetchall())
    finally:
        for cursor in cursors:
            cursor.close()
    return PreparedIntake(
        draft=draft,
        taken=taken_from_rows(rows),
        number=format_number(day, drawn[0]) if drawn else None,
        skus=skus,
        stock_rows=stock_rows,
        order_id=order_id if postgres else None,
    )


def order_intake(
    *, draft: OrderDraft | None = None, actor=None, prepared: PreparedIntake | None = None
) -> IntakeResult:
    """Take in one platform order, exactly once.

    Validates the draft (``DraftInvalid``, nothing written), answers a repeat of (channel, external
    id) with the existing order, else numbers the order and, in one transaction, creates it with
    its lines, source and event, choosing a warehouse and reserving every line there. An unknown
    SKU, missing stock or an incomplete address still creates the order, on hold with the reason,
    with nothing reserved. The order number is drawn before the transaction opens (see
    ``orders.numbering``); the transaction locks the chosen stock rows in pk order. Give either
    the ``draft`` or what ``order_intake_prepare`` made of it (``prepared``).
    """
    prepared = prepared or order_intake_prepare(draft=draft)
    draft = prepared.draft
    taken, number = prepared.taken, prepared.number
    if taken is not None and draft.external_id in taken.orders:
        return IntakeResult(order=_existing(draft, taken.orders[draft.external_id][0]), created=False)
    if taken is None or not taken.active:
        raise DraftInvalid({"channel": _("渠道 %(code)s 不存在或已停用") % {"code": draft.channel}})
    if number is None:
        # A concurrent delivery took this order in between the two statements: draw a number
        # anyway; the source's unique constraint then answers with that delivery's order.
        number = next_order_number()
    try:
        # On PostgreSQL the statements whose results are not needed yet travel together, the
        # last writes with the COMMIT (see ``core.sql.atomic_batch``).
        with atomic_batch():
            order = _create(draft=draft, prepared=prepared, number=number, actor=actor)
    except IntegrityError:
        # A concurrent delivery of the same platform order committed first.
        existing = _existing(draft)
        if existing is None:
            raise
        return IntakeResult(order=existing, created=False)
    return IntakeResult(order=order, created=True)


def _create(*, draft: OrderDraft, prepared: PreparedIntake, number: str, actor) -> Order:
    recipient = draft.recipient
    phone = customer_phone(recipient.name, recipient.phone)
    with connection.cursor() as customer:
        # Sent first; on PostgreSQL read once the stock is settled, so that it travels with the
        # reservation (SQLite must finish a statement before the reservation's savepoint).
        if phone:
            customer.execute(*customers_upsert_statement([(phone, recipient.name)]))
        deferred = connection.vendor == "postgresql"
        customer_id = customer.fetchone()[0] if phone and not deferred else None
        reservation = reserve_or_hold(
            lines=draft.lines,
            skus=prepared.skus,
            recipient=recipient,
            stock=LiveStock(reference=number, actor=actor, rows=prepared.stock_rows),
        )
        if phone and deferred:
            customer_id = customer.fetchone()[0]
    order = new_order(
        draft=draft,
        number=number,
        order_id=prepared.order_id,
        channel_id=prepared.taken.channel_id,
        customer_id=customer_id,
        reservation=reservation,
    )
    insert([order], returning_pk=prepared.order_id is None)
    source, lines, event = order_rows(
        order=order, draft=draft, channel_code=draft.channel, skus=prepared.skus, reservation=reservation, actor=actor
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
    reservation: Reservation,
) -> Order:
    """The unsaved order row for ``draft``, reserved or held (shared with ``orders.services.batch``)."""
    hold = reservation.hold or Hold("", "", "")
    allocation = reservation.allocation
    recipient = draft.recipient
    if reservation.hold:
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
        hold_reason=hold.reason,
        hold_note=hold.note,
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
        warehouse_id=allocation.warehouse_id if allocation else None,
    )


def order_rows(
    *, order: Order, draft: OrderDraft, channel_code: str, skus: dict[str, CatalogSku], reservation: Reservation, actor
) -> tuple[OrderSource, list[OrderLine], OrderEvent]:
    """The unsaved source, lines and "created" event of a saved ``order`` (shared with the batch)."""
    allocation = reservation.allocation
    lines = []
    for line in draft.lines:
        sku = skus.get(line.sku_code) if ships(line) else None
        reserved = allocation is not None and ships(line)
        lines.append(
            OrderLine(
                order_id=order.pk,
                sku_id=sku.pk if sku else None,
                sku_code=line.sku_code,
                title=line.title or (sku.name if sku else ""),
                quantity=line.quantity,
                unit_price=line.unit_price,
                warehouse_id=allocation.warehouse_id if reserved else None,
                stock_level_id=allocation.stock_levels[sku.pk] if reserved else None,
                reserved_quantity=line.quantity if reserved else 0,
                gift=line.gift,
            )
        )
    event = order_event(
        order=order,
        action=EventAction.CREATED,
        from_status="",
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
