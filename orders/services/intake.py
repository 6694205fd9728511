"""``order_intake``: the one entry for orders from every channel."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core import config_cache
from core.sql import atomic_batch, batch, insert, insert_together, prepared
from inventory.models import Warehouse
from orders.drafts import DraftInvalid, OrderDraft
from orders.events import EventAction, order_event
from orders.flow_reads import (
    FlowConfig,
    FlowFacts,
    config_from_rows,
    config_statement,
    lists_from_rows,
    lists_statement,
    refunds_from_rows,
    refunds_statement,
    routing_from_rows,
    routing_statements,
    rules_from_rows,
    rules_statement,
)
from orders.models import DeliveryStation, Order, OrderEvent, OrderLine, OrderSource, channel_model
from orders.numbering import format_number, next_order_number, number_statement
from orders.privacy import classify_contact
from orders.review import Decision, OrderFacts, review_decide
from orders.selectors import Taken, taken_from_rows, taken_orders, taken_statement, untaken_condition
from orders.services.allocation import CatalogSku, StockRow, catalog_from_rows, catalog_statement
from orders.services.customers import customer_phone, customers_upsert_statement
from orders.services.reservation import Hold, LiveStock, Reservation, reserve_or_hold
from orders.services.review import decision_events
from orders.states import SPLIT_MAY_HELP, OrderStatus, ships


@dataclass(frozen=True)
class IntakeResult:
    order: Order
    #: False when this platform order was already taken in: ``order`` is the existing one, unchanged.
    created: bool
    #: True when ``order`` carries the rows intake wrote (lines, sources, events, its channel's and
    #: warehouse's codes) so that a caller can show it without reading it back (``attach_rows``).
    with_rows: bool = False


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
    #: The only warehouse that may reserve the order (a station order: the station's supplier).
    warehouse_id: int | None = None
    #: What the auto-review and the routing read (``orders.flow_reads``).
    flow: FlowFacts | None = None
    #: Every warehouse's code by id, read in the same round trip when asked (``with_rows``: the
    #: caller shows the order, with its warehouse's code); None otherwise.
    warehouse_codes: dict[int, str] | None = None


def order_intake_prepare(*, draft: OrderDraft, with_rows: bool = False) -> PreparedIntake:
    """The first half of ``order_intake``, for a caller that runs the second half inside its own
    transaction (the inbox, which holds a lock on the platform order meanwhile): call it outside
    any transaction, then ``order_intake(prepared=...)``.

    Validates the draft (``DraftInvalid``, nothing written), then reads the dedup lookup (the
    channel and the order already taken in for this platform order, if any), a new order number
    unless it is a repeat, the SKUs with their free stock, what the auto-review and the routing
    read (``orders.flow_reads``: settings, rules, lists, the buyer's refunds), and (PostgreSQL) an order id. In
    autocommit, outside the intake's transaction: the number so that its counter row is locked
    for the end of this one round trip only (on PostgreSQL its last statement, committed without
    waiting for the disk; see ``orders.numbering``); the stock as a first look only, since
    the reservation itself is the guarded update. Whatever changes meanwhile, ``order_intake`` still takes the platform order
    in once (a number drawn for nothing leaves a gap)."""
    draft = draft.normalized()
    draft.validate()
    warehouse_id = station_warehouse(draft.station_id) if draft.station_id is not None else None
    number_sql, number_params, day = number_statement(only_if=untaken_condition(draft.channel, draft.external_id))
    catalog_sql, catalog_params = catalog_statement(line.sku_code for line in draft.lines)
    phone = customer_phone(draft.recipient.name, draft.recipient.phone) or ""
    # The shop's settings and rules as this process last read them (``core.config_cache``), or read now.
    config = config_cache.kept(("flow_config", draft.channel))
    rules = config_cache.kept("review_rules")
    routing = config_cache.kept("routing_rules")
    warehouse_codes = config_cache.kept("warehouse_codes") if with_rows else None
    reads = {"lists": lists_statement([phone]), "refunds": refunds_statement([phone])}
    if config is None:
        reads["config"] = config_statement(channel_code=draft.channel)
    if rules is None:
        reads["rules"] = rules_statement()
    if routing is None:
        reads.update(zip(("routes", "categories", "cold"), routing_statements(), strict=True))
    if with_rows and warehouse_codes is None:
        reads["warehouses"] = (f"SELECT id, code FROM {connection.ops.quote_name(Warehouse._meta.db_table)}", [])  # noqa: S608
    postgres = connection.vendor == "postgresql"
    lookup, numbering, catalog, sequence = cursors = [connection.cursor() for _ in range(4)]
    flow = {name: connection.cursor() for name in reads}
    cursors += flow.values()
    try:
        with batch():
            lookup.execute(*taken_statement(draft.channel, [draft.external_id]))
            # SQLite: finish the read before the numbering write. A read statement still open on the
            # connection pins an old WAL snapshot, and the write then fails at once with "database is
            # locked" (no busy wait) whenever another process committed in between.
            rows = None if postgres else lookup.fetchall()
            if not postgres:
                numbering.execute(number_sql, number_params)
            catalog.execute(catalog_sql, catalog_params)
            for name, statement in reads.items():
                flow[name].execute(*statement)
            if postgres:
                sequence.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Order._meta.db_table])
                # Last: the pipeline is one implicit transaction, which holds the day's counter row
                # (every new order's) from this statement to its end.
                numbering.execute(number_sql, number_params)
        # PostgreSQL: the answers came back together as the pipeline ended, one round trip.
        if postgres:
            rows = lookup.fetchall()
            order_id = sequence.fetchone()[0]
        drawn = numbering.fetchone()
        skus, stock_rows = catalog_from_rows(catalog.fetchall())
        got = {name: cursor.fetchall() for name, cursor in flow.items()}
        if config is None:
            config = config_from_rows(got["config"])
            if config.channel_id is not None:
                config_cache.keep(("flow_config", draft.channel), config)
        if rules is None:
            rules = config_cache.keep("review_rules", rules_from_rows(got["rules"]))
        if routing is None:
            routing = config_cache.keep("routing_rules", routing_from_rows(got["routes"], got["categories"], got["cold"]))
        if "warehouses" in got:
            warehouse_codes = config_cache.keep("warehouse_codes", dict(got["warehouses"]))
        facts = FlowFacts(
            config=config,
            rules=rules,
            lists=lists_from_rows(got["lists"]),
            refunds=refunds_from_rows(got["refunds"]).get(phone, []) if phone else [],
            routing=routing,
        )
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
        warehouse_id=warehouse_id,
        flow=facts,
        warehouse_codes=warehouse_codes,
    )


def station_warehouse(station_id: int) -> int:
    """The warehouse that supplies an active station, or ``DraftInvalid``."""
    found = DeliveryStation.objects.filter(pk=station_id, active=True).values_list("warehouse_id", flat=True).first()
    if found is None:
        raise DraftInvalid({"station_id": _("自提站点不存在或已停用")})
    return found


@prepared()
def order_intake(
    *, draft: OrderDraft | None = None, actor=None, prepared: PreparedIntake | None = None, with_rows: bool = False
) -> IntakeResult:
    """Take in one platform order, exactly once.

    Validates the draft (``DraftInvalid``, nothing written), answers a repeat of (channel, external
    id) with the existing order, else numbers the order and, in one transaction, creates it with
    its lines, source and event, choosing a warehouse and reserving every line there. An unknown
    SKU, missing stock or an incomplete address still creates the order, on hold with the reason,
    with nothing reserved. The order number is drawn before the transaction opens (see
    ``orders.numbering``); the transaction locks the chosen stock rows in pk order. Give either
    the ``draft`` or what ``order_intake_prepare`` made of it (``prepared``). ``with_rows``: a new
    order comes back carrying the rows written for it (``attach_rows``), for a caller that shows it.
    """
    prepared = prepared or order_intake_prepare(draft=draft, with_rows=with_rows)
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
    final = after_intake(order, prepared.flow.config)
    return IntakeResult(order=final, created=True, with_rows=final is order and prepared.warehouse_codes is not None)


def after_intake(order: Order, config: FlowConfig) -> Order:
    """The steps that follow a new order's commit, each in its own transaction: 自动合单 of an
    approved order, and the split of an order no single warehouse can take (shops that allow it)."""
    if config.auto_merge and order.status == OrderStatus.READY:
        from orders.services.merge import order_merge_auto

        return order_merge_auto(order=order.pk)
    if config.allow_split and order.status == OrderStatus.ON_HOLD and order.hold_reason in SPLIT_MAY_HELP:
        from orders.services.split import order_split_by_stock

        return order_split_by_stock(order=order.pk)
    return order


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
            stock=LiveStock(
                reference=number, actor=actor, rows=prepared.stock_rows, warehouse_id=prepared.warehouse_id
            ),
            routing=prepared.flow.routing,
        )
        if phone and deferred:
            customer_id = customer.fetchone()[0]
    order, decision = new_order(
        draft=draft,
        number=number,
        order_id=prepared.order_id,
        channel_id=prepared.taken.channel_id,
        customer_id=customer_id,
        reservation=reservation,
        flow=prepared.flow,
    )
    drawn_ahead = prepared.order_id is not None  # PostgreSQL: the order goes in with its rows, below
    if not drawn_ahead:
        insert([order], returning_pk=True)
    source, lines, events = order_rows(
        order=order, draft=draft, channel_code=draft.channel, skus=prepared.skus, reservation=reservation,
        actor=actor, decision=decision,
    )
    insert_together([order] if drawn_ahead else [], [source], lines, events)
    if prepared.warehouse_codes is not None:
        attach_rows(
            order, source=source, lines=lines, events=events, channel_code=draft.channel,
            warehouse_codes=prepared.warehouse_codes,
        )
    return order


def attach_rows(
    order: Order,
    *,
    source: OrderSource,
    lines: list[OrderLine],
    events: list[OrderEvent],
    channel_code: str,
    warehouse_codes: dict[int, str],
) -> None:
    """Hang the rows just written for a new ``order`` on it, as ``orders.selectors.order_get`` would
    have read them back (its channel and warehouses as instances that know their id and code; any
    other field of those is read when first asked for)."""
    channel = channel_model().from_db(connection.alias, ["id", "code"], [order.channel_id, channel_code])
    warehouses = {
        pk: Warehouse.from_db(connection.alias, ["id", "code"], [pk, warehouse_codes[pk]])
        for pk in {order.warehouse_id, *(line.warehouse_id for line in lines)} - {None}
        if pk in warehouse_codes
    }
    order.channel = channel
    if order.warehouse_id in warehouses:
        order.warehouse = warehouses[order.warehouse_id]
    for line in lines:
        if line.warehouse_id in warehouses:
            line.warehouse = warehouses[line.warehouse_id]
    source.channel = channel
    cache = {}
    for name, rows in (("lines", lines), ("sources", [source]), ("events", events), ("archived_events", [])):
        # What ``prefetch_related`` leaves: the relation's queryset with its rows already read.
        queryset = getattr(order, name).get_queryset()
        queryset._result_cache, queryset._prefetch_done = list(rows), True
        cache[name] = queryset
    order._prefetched_objects_cache = cache


def new_order(
    *,
    draft: OrderDraft,
    number: str,
    order_id: int | None,
    channel_id: int,
    customer_id: int | None,
    reservation: Reservation,
    flow: FlowFacts | None = None,
) -> tuple[Order, Decision | None]:
    """The unsaved order row for ``draft``, reserved or held (shared with ``orders.services.batch``),
    and, for a paid order reserved whole, the auto-review's decision (``flow``: what it reads; the
    order is built in the status the review leaves it in)."""
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
    paid_amount = (
        draft.paid_amount
        if draft.paid_amount is not None
        else max(goods + draft.shipping_fee - draft.discount_amount, Decimal("0"))
    )
    decision = None
    # A group-buy station order waits in 待审核 for its campaign's cutoff, which approves it: leaders
    # may still change it until then, so no rule moves it on before.
    if status == OrderStatus.PENDING_REVIEW and flow is not None and flow.reviews and draft.station_id is None:
        facts = OrderFacts(
            channel_id=channel_id, paid_amount=paid_amount, phone=contact.phone, privacy=contact.privacy,
            province=recipient.province, city=recipient.city, district=recipient.district, street=recipient.street,
            buyer_note=draft.buyer_note,
        )
        decision = review_decide(order=facts, facts=flow)
        status, _action = decision_events(decision)
        if status == OrderStatus.ON_HOLD:
            hold = Hold(decision.hold_reason, decision.note, "")
    order = Order(
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
        paid_amount=paid_amount,
        placed_at=draft.placed_at or now,
        paid_at=(draft.paid_at or now) if draft.paid else None,
        promised_ship_at=draft.promised_ship_at,
        warehouse_id=allocation.warehouse_id if allocation else None,
        station_id=draft.station_id,
    )
    return order, decision


def order_rows(
    *,
    order: Order,
    draft: OrderDraft,
    channel_code: str,
    skus: dict[str, CatalogSku],
    reservation: Reservation,
    actor,
    decision: Decision | None = None,
) -> tuple[OrderSource, list[OrderLine], list[OrderEvent]]:
    """The unsaved source, lines and events of a saved ``order`` (shared with the batch): "created"
    (with the routing's trace), then with a ``decision`` the review and its transition."""
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
    data = {**draft.data, "channel": channel_code, "external_id": draft.external_id}
    if reservation.route:
        data["route"] = reservation.route
    events = [
        order_event(
            order=order,
            action=EventAction.CREATED,
            from_status="",
            to_status=OrderStatus.PENDING_REVIEW if decision else order.status,
            actor=actor,
            note="" if decision else order.hold_note,
            data={**data, "hold_reason": "" if decision else order.hold_reason},
        )
    ]
    if decision is not None:
        events.extend(review_rows(order, decision))
    source = OrderSource(
        order_id=order.pk,
        channel_id=order.channel_id,
        external_id=draft.external_id,
        buyer_nick=draft.buyer_nick,
        import_job_id=draft.import_job_id,
    )
    return source, lines, events


def review_rows(order: Order, decision: Decision) -> list[OrderEvent]:
    """The review event of an order reviewed at intake, and its transition's (by nobody: the rules)."""
    waiting = OrderStatus.PENDING_REVIEW
    rows = [
        order_event(
            order=order, action=EventAction.REVIEW, from_status=waiting, to_status=waiting,
            note=decision.note, data=decision.trace,
        )
    ]
    status, action = decision_events(decision)
    if action:
        data = {"review_rule": decision.rule_id}
        if action == EventAction.HOLD:
            data["reason"] = decision.hold_reason
        rows.append(
            order_event(
                order=order, action=action, from_status=waiting, to_status=status, note=decision.note, data=data
            )
        )
    return rows
