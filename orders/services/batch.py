"""``order_intake_batch``: many platform orders in one transaction, writing exactly the rows that
``order_intake`` would write for each of them in turn (spreadsheet imports, large backfills).

Per batch, not per order: one read of the channels, one of the orders already taken in, one block
of order numbers, one catalogue read with the free stock, one customer upsert, one reservation
(``inventory.services.stock_reserve_many``) and one multi-row INSERT per table. Each order is
reserved or held by the single intake's path (``reservation.reserve_or_hold``) against the free
stock as the earlier orders of the batch leave it, so the result is the one that taking the
drafts one by one would give. If another process changes the picture meanwhile (takes
one of these platform orders, or reserves the stock the plan counted on), the batch rolls back
and the drafts go through ``order_intake`` one by one: slower, same outcome.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from core.sql import bulk_insert, prepared, slices
from inventory.services import InsufficientStock, StockLine, stock_reserve_many
from orders.drafts import DraftInvalid, OrderDraft
from orders.flow_reads import (
    facts_for,
    lists_from_rows,
    lists_statement,
    read_config,
    read_routing,
    refunds_from_rows,
    refunds_statement,
    rules_from_rows,
    rules_statement,
)
from orders.hooks import batch_shipping_estimator
from orders.models import Order
from orders.numbering import next_order_numbers
from orders.selectors import taken_orders
from orders.services.allocation import read_catalog
from orders.services.customers import customer_phone, customers_upsert
from orders.services.intake import after_intake, new_order, order_intake, order_rows
from orders.services.reservation import WarehouseRow, active_warehouses, reserve_or_hold


@dataclass(frozen=True)
class BatchResult:
    external_id: str
    order_id: int
    number: str
    #: False when the platform order was already taken in (earlier, or earlier in this batch).
    created: bool


@prepared()
def order_intake_batch(
    *,
    drafts: Sequence[OrderDraft],
    actor=None,
    also: Callable[[list[BatchResult]], None] | None = None,
    validated: bool = False,
    numbers: Sequence[str] = (),
) -> list[BatchResult]:
    """Take in ``drafts`` (one result per draft, in order), exactly once each.

    Validates every draft first (``DraftInvalid`` naming the draft; nothing written), unless the
    caller says it has (``validated=True``: each draft normalized and passed ``validate``). The order
    numbers are drawn before the transaction opens, as in ``order_intake``; call it outside a
    transaction. ``also(results)`` runs inside the batch's transaction, so a caller's bookkeeping
    (an import job's progress) commits with the orders (after a fall back to one by one, it runs
    in a transaction of its own once they are all in). Locks the stock rows it reserves, in pk order.

    A caller that runs it inside its own transaction (the inbox drain) may draw the numbers before
    opening it (``numbers``: ``next_order_numbers`` of as many as may be new, or more; the unused
    leave a gap), so that the counter row is not locked for the rest of that transaction.
    """
    drafts = list(drafts) if validated else [draft.normalized() for draft in drafts]
    for i, draft in enumerate(drafts if not validated else ()):
        try:
            draft.validate()
        except DraftInvalid as exc:
            raise DraftInvalid({f"[{i}].{k}": v for k, v in exc.errors.items()}) from exc
    if any(draft.station_id is not None for draft in drafts):
        # A station order may only be reserved in its station's warehouse, which the batch's plan
        # does not know about: such drafts take the single intake's path.
        return _one_by_one(drafts, actor, also)
    channels, existing = _taken(drafts)
    results: list[BatchResult | None] = [None] * len(drafts)
    first: dict[tuple[int, str], int] = {}
    new: list[int] = []
    for i, draft in enumerate(drafts):
        key = (channels[draft.channel], draft.external_id)
        if key in existing:
            order_id, number = existing[key]
            results[i] = BatchResult(draft.external_id, order_id, number, created=False)
        elif key not in first:
            first[key] = i
            new.append(i)
    if new:
        numbers = list(numbers[: len(new)]) if len(numbers) >= len(new) else next_order_numbers(len(new))
        try:
            with transaction.atomic():
                created = _create_many([drafts[i] for i in new], numbers, channels, actor)
                for i, result in zip(new, created, strict=True):
                    results[i] = result
                _fill_repeats(drafts, results, channels, first)
                if also:
                    also(results)
        except (IntegrityError, InsufficientStock):
            return _one_by_one(drafts, actor, also)
        _after(created, channels)
    _fill_repeats(drafts, results, channels, first)
    if not new and also:
        with transaction.atomic():
            also(results)
    return results


def _fill_repeats(drafts, results, channels, first) -> None:
    for i, draft in enumerate(drafts):
        if results[i] is None:
            original = results[first[(channels[draft.channel], draft.external_id)]]
            results[i] = BatchResult(draft.external_id, original.order_id, original.number, created=False)


def _after(created: list["BatchResult"], channels: dict[str, int]) -> None:
    """``after_intake`` for each new order, when a shop's policy or 自动合单 asks for it."""
    configs = {channel_id: read_config(channel_id=channel_id) for channel_id in set(channels.values())}
    if not any(c.auto_merge or c.allow_split for c in configs.values()):
        return
    for result in created:
        order = Order.objects.get(pk=result.order_id)
        after_intake(order, configs[order.channel_id])


def _one_by_one(drafts, actor, also) -> list[BatchResult]:
    results = []
    for draft in drafts:
        outcome = order_intake(draft=draft, actor=actor)
        results.append(
            BatchResult(draft.external_id, outcome.order.pk, outcome.order.number, outcome.created)
        )
    if also:
        with transaction.atomic():
            also(results)
    return results


def _taken(drafts) -> tuple[dict[str, int], dict[tuple[int, str], tuple[int, str]]]:
    """The channels by code (all must exist and be active, else ``DraftInvalid``) and, by (channel
    id, external id), the (order id, number) of the platform orders already taken in: the dedup
    lookup (``orders.selectors.taken_orders``), once per channel."""
    by_channel: dict[str, set[str]] = {}
    for draft in drafts:
        by_channel.setdefault(draft.channel, set()).add(draft.external_id)
    channels, taken, missing = {}, {}, []
    for code, external_ids in by_channel.items():
        found = taken_orders(channel=code, external_ids=external_ids)
        if found is None or not found.active:
            missing.append(code)
            continue
        channels[code] = found.channel_id
        for external_id, order in found.orders.items():
            taken[(found.channel_id, external_id)] = order
    if missing:
        raise DraftInvalid({"channel": _("渠道 %(code)s 不存在或已停用") % {"code": "、".join(sorted(missing))}})
    return channels, taken


class _FreeStock:
    """The batch's view of the stock (``reservation.StockView``): the catalogue's rows, kept
    current as the batch's orders take from them; what they take is reserved at the end, at once
    (``stock_reserve_many``). ``reference`` is the order being planned."""

    def __init__(self, rows):
        self.rows = {row[0]: list(row) for row in rows}
        self.by_sku: dict[int, list[int]] = {}
        for level_id, sku_id, *_rest in rows:
            self.by_sku.setdefault(sku_id, []).append(level_id)
        self.reference = ""
        self.reservations: list[tuple[str, list[StockLine]]] = []
        self._warehouses: list[WarehouseRow] | None = None

    def rows_for(self, needs: dict[int, int]) -> list:
        # Only rows with units free, as the single intake's catalogue query reads them.
        return [
            tuple(self.rows[level_id])
            for sku_id in needs
            for level_id in self.by_sku.get(sku_id, ())
            if self.rows[level_id][3] > self.rows[level_id][4]
        ]

    def take(self, levels: dict[int, int], needs: dict[int, int]) -> bool:
        for sku_id, qty in needs.items():
            self.rows[levels[sku_id]][4] += qty
        self.reservations.append((self.reference, [StockLine(levels[sku_id], qty) for sku_id, qty in needs.items()]))
        return True

    def free(self, needs: dict[int, int]) -> tuple[dict[tuple[int, int], int], list[WarehouseRow]]:
        if self._warehouses is None:
            self._warehouses = active_warehouses()
        free = {}
        for sku_id in needs:
            for level_id in self.by_sku.get(sku_id, ()):
                _level, _sku, warehouse_id, on_hand, reserved, _provinces = self.rows[level_id]
                free[(warehouse_id, sku_id)] = on_hand - reserved
        return free, self._warehouses


def _create_many(drafts: list[OrderDraft], numbers: list[str], channels, actor) -> list[BatchResult]:
    skus, stock_rows = read_catalog(line.sku_code for draft in drafts for line in draft.lines)
    stock = _FreeStock(stock_rows)
    buyers: dict[str, str] = {}
    for draft in drafts:
        phone = customer_phone(draft.recipient.name, draft.recipient.phone)
        if phone and phone not in buyers:
            buyers[phone] = draft.recipient.name  # the first name seen, as the single intake keeps
    customers = customers_upsert(buyers) if buyers else {}
    routing = read_routing()
    estimate = batch_shipping_estimator()  # the rate table read once, if a tie needs it
    reservations = []
    for draft, number in zip(drafts, numbers, strict=True):
        stock.reference = number
        reservations.append(
            reserve_or_hold(
                lines=draft.lines, skus=skus, recipient=draft.recipient, stock=stock, routing=routing, estimate=estimate
            )
        )
    stock_reserve_many(reservations=stock.reservations, actor=actor)
    ids = _order_ids(len(drafts))
    flows = _flow_facts(drafts, reservations, channels, routing)
    built = [
        new_order(
            draft=draft,
            number=number,
            order_id=order_id,
            channel_id=channels[draft.channel],
            customer_id=customers.get(customer_phone(draft.recipient.name, draft.recipient.phone)),
            reservation=reservation,
            flow=flow,
        )
        for draft, number, reservation, order_id, flow in zip(drafts, numbers, reservations, ids, flows, strict=True)
    ]
    orders = [order for order, _decision in built]
    decisions = [decision for _order, decision in built]
    bulk_insert(orders, returning_pk=ids[0] is None)
    sources, lines, events = [], [], []
    for order, draft, reservation, decision in zip(orders, drafts, reservations, decisions, strict=True):
        source, order_lines, order_events = order_rows(
            order=order, draft=draft, channel_code=draft.channel, skus=skus, reservation=reservation, actor=actor,
            decision=decision,
        )
        sources.append(source)
        lines.extend(order_lines)
        events.extend(order_events)
    bulk_insert(sources)
    bulk_insert(lines)
    bulk_insert(events)
    return [BatchResult(draft.external_id, order.pk, order.number, True) for order, draft in zip(orders, drafts, strict=True)]


def _flow_facts(drafts, reservations, channels: dict[str, int], routing) -> list:
    """What the review reads for each draft that will wait in 待审核 (paid and reserved; None for
    the others): the single intake's reads, made once for the whole batch."""
    waiting = [
        (draft, customer_phone(draft.recipient.name, draft.recipient.phone) or "")
        for draft, reservation in zip(drafts, reservations, strict=True)
        if draft.paid and reservation.hold is None
    ]
    if not waiting:
        return [None] * len(drafts)
    with connection.cursor() as cursor:
        cursor.execute(*rules_statement())
        rules = rules_from_rows(cursor.fetchall())
        entries, refunds = {}, {}
        for part in slices(sorted({phone for _draft, phone in waiting}), params_each=1, params_fixed=3):
            cursor.execute(*lists_statement(part))
            entries.update((row.id, row) for row in lists_from_rows(cursor.fetchall()))
            cursor.execute(*refunds_statement(part))
            refunds.update(refunds_from_rows(cursor.fetchall()))
    lists = [entries[pk] for pk in sorted(entries)]
    configs = {pk: read_config(channel_id=pk) for pk in {channels[draft.channel] for draft, _phone in waiting}}
    flows = []
    for draft, reservation in zip(drafts, reservations, strict=True):
        if not draft.paid or reservation.hold is not None:
            flows.append(None)
            continue
        phone = customer_phone(draft.recipient.name, draft.recipient.phone) or ""
        flows.append(facts_for(
            config=configs[channels[draft.channel]], rules=rules, lists=lists, refunds=refunds, routing=routing,
            phone=phone,
        ))
    return flows


def _order_ids(count: int) -> list[int | None]:
    """Ids drawn from the orders' sequence on PostgreSQL (one statement); None elsewhere (the
    INSERT returns them)."""
    if connection.vendor != "postgresql":
        return [None] * count
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Order._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]
