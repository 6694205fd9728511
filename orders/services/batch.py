"""``order_intake_batch``: many platform orders in one transaction, writing exactly the rows that
``order_intake`` would write for each of them in turn (spreadsheet imports, large backfills).

Per batch, not per order: one read of the channels, one of the orders already taken in, one block
of order numbers, one catalogue read with the free stock, one customer upsert, one reservation
(``inventory.services.stock_reserve_many``) and one multi-row INSERT per table. The warehouse of
each order is chosen in Python by the single intake's rule (``allocation.warehouse_candidates``)
against the free stock as the earlier orders of the batch leave it, so the result is the one that
taking the drafts one by one would give. If another process changes the picture meanwhile (takes
one of these platform orders, or reserves the stock the plan counted on), the batch rolls back
and the drafts go through ``order_intake`` one by one: slower, same outcome.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.sql import bulk_insert
from inventory.services import InsufficientStock, StockLine, stock_reserve_many
from orders.drafts import DraftInvalid, OrderDraft
from orders.models import Customer, Order, OrderSource, channel_model
from orders.numbering import next_order_numbers
from orders.privacy import customer_phone
from orders.services.allocation import Allocation, needs_by_sku, read_catalog, warehouse_candidates
from orders.services.intake import intake_hold, new_order, order_intake, order_rows, out_of_stock_hold


@dataclass(frozen=True)
class BatchResult:
    external_id: str
    order_id: int
    number: str
    #: False when the platform order was already taken in (earlier, or earlier in this batch).
    created: bool


def order_intake_batch(
    *,
    drafts: Sequence[OrderDraft],
    actor=None,
    also: Callable[[list[BatchResult]], None] | None = None,
    validated: bool = False,
) -> list[BatchResult]:
    """Take in ``drafts`` (one result per draft, in order), exactly once each.

    Validates every draft first (``DraftInvalid`` naming the draft; nothing written), unless the
    caller says it has (``validated=True``: each draft normalized and passed ``validate``). The order
    numbers are drawn before the transaction opens, as in ``order_intake``; call it outside a
    transaction. ``also(results)`` runs inside the batch's transaction, so a caller's bookkeeping
    (an import job's progress) commits with the orders (after a fall back to one by one, it runs
    in a transaction of its own once they are all in). Locks the stock rows it reserves, in pk order.
    """
    drafts = list(drafts) if validated else [draft.normalized() for draft in drafts]
    for i, draft in enumerate(drafts if not validated else ()):
        try:
            draft.validate()
        except DraftInvalid as exc:
            raise DraftInvalid({f"[{i}].{k}": v for k, v in exc.errors.items()}) from exc
    channels = _channels({draft.channel for draft in drafts})
    existing = _taken(drafts, channels)
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
        numbers = next_order_numbers(len(new))
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


def _channels(codes: set[str]) -> dict[str, int]:
    found = dict(channel_model().objects.filter(code__in=codes, active=True).values_list("code", "pk"))
    missing = sorted(codes - set(found))
    if missing:
        raise DraftInvalid({"channel": _("渠道 %(code)s 不存在或已停用") % {"code": "、".join(missing)}})
    return found


def _taken(drafts, channels) -> dict[tuple[int, str], tuple[int, str]]:
    """(channel id, external id) -> (order id, number) for the platform orders already taken in."""
    by_channel: dict[int, set[str]] = {}
    for draft in drafts:
        by_channel.setdefault(channels[draft.channel], set()).add(draft.external_id)
    taken = {}
    for channel_id, external_ids in by_channel.items():
        rows = OrderSource.objects.filter(channel_id=channel_id, external_id__in=external_ids).values_list(
            "external_id", "order_id", "order__number"
        )
        for external_id, order_id, number in rows:
            taken[(channel_id, external_id)] = (order_id, number)
    return taken


class _FreeStock:
    """The catalogue's stock rows, kept current as the batch's orders reserve from them."""

    def __init__(self, rows):
        self.rows = {row[0]: list(row) for row in rows}
        self.by_sku: dict[int, list[int]] = {}
        for level_id, sku_id, *_rest in rows:
            self.by_sku.setdefault(sku_id, []).append(level_id)

    def rows_for(self, needs: dict[int, int]):
        # Only rows with units free, as the single intake's catalogue query reads them.
        return [
            tuple(self.rows[level_id])
            for sku_id in needs
            for level_id in self.by_sku.get(sku_id, ())
            if self.rows[level_id][3] > self.rows[level_id][4]
        ]

    def take(self, levels: dict[int, int], needs: dict[int, int]) -> None:
        for sku_id, qty in needs.items():
            self.rows[levels[sku_id]][4] += qty


def _create_many(drafts: list[OrderDraft], numbers: list[str], channels, actor) -> list[BatchResult]:
    skus, stock_rows = read_catalog(line.sku_code for draft in drafts for line in draft.lines)
    free = _FreeStock(stock_rows)
    customers = _upsert_customers(drafts)
    plans, reservations = [], []
    for draft, number in zip(drafts, numbers, strict=True):
        hold = intake_hold(draft, skus)
        allocation = None
        if hold is None:
            needs = needs_by_sku(draft.lines, skus)
            candidates = warehouse_candidates(
                needs=needs, province=draft.recipient.province, rows=free.rows_for(needs)
            )
            if candidates:
                warehouse_id, levels = candidates[0]
                allocation = Allocation(warehouse_id=warehouse_id, stock_levels=levels)
                free.take(levels, needs)
                reservations.append(
                    (number, [StockLine(levels[sku_id], qty) for sku_id, qty in needs.items()])
                )
            else:
                hold = out_of_stock_hold()
        plans.append((draft, number, hold or ("", ""), allocation))
    stock_reserve_many(reservations=reservations, actor=actor)
    ids = _order_ids(len(drafts))
    orders = [
        new_order(
            draft=draft,
            number=number,
            order_id=order_id,
            channel_id=channels[draft.channel],
            customer_id=customers.get(_customer_phone(draft)),
            hold=hold,
            warehouse_id=allocation.warehouse_id if allocation else None,
        )
        for (draft, number, hold, allocation), order_id in zip(plans, ids, strict=True)
    ]
    bulk_insert(orders, returning_pk=ids[0] is None)
    sources, lines, events = [], [], []
    for order, (draft, _number, _hold, allocation) in zip(orders, plans, strict=True):
        source, order_lines, event = order_rows(
            order=order,
            draft=draft,
            channel_code=draft.channel,
            skus=skus,
            allocation=allocation,
            actor=actor,
        )
        sources.append(source)
        lines.extend(order_lines)
        events.append(event)
    bulk_insert(sources)
    bulk_insert(lines)
    bulk_insert(events)
    return [
        BatchResult(draft.external_id, order.pk, order.number, True)
        for order, (draft, *_rest) in zip(orders, plans, strict=True)
    ]


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


def _customer_phone(draft: OrderDraft) -> str | None:
    """The phone a customer is kept under, or None (``orders.privacy.customer_phone``), as in ``order_intake``."""
    return customer_phone(draft.recipient.name, draft.recipient.phone)


def _upsert_customers(drafts: list[OrderDraft]) -> dict[str, int]:
    """phone -> customer id, creating the new ones with the first name seen (as the single intake does)."""
    names: dict[str, str] = {}
    for draft in drafts:
        phone = _customer_phone(draft)
        if phone and phone not in names:
            names[phone] = draft.recipient.name[:100]
    if not names:
        return {}
    table = connection.ops.quote_name(Customer._meta.db_table)
    now = timezone.now()
    found: dict[str, int] = {}
    items = list(names.items())
    # The no-op update makes RETURNING give the existing row's id on a conflict, as in order_intake.
    upsert = "ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone RETURNING id, phone"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                # Only the quoted table name is interpolated; the values are array parameters.
                f"INSERT INTO {table} (name, phone, created_at) "  # noqa: S608
                f"SELECT n, p, %s FROM unnest(%s::text[], %s::text[]) AS c(n, p) {upsert}",
                [now, [name for _p, name in items], [phone for phone, _n in items]],
            )
            found.update((phone, pk) for pk, phone in cursor.fetchall())
            return found
        size = max(1, connection.features.max_query_params // 3)
        for start in range(0, len(items), size):
            part = items[start : start + size]
            rows = ", ".join(["(%s, %s, %s)"] * len(part))
            params = [value for phone, name in part for value in (name, phone, now)]
            # Only the quoted table name and placeholders are interpolated; values are parameters.
            cursor.execute(f"INSERT INTO {table} (name, phone, created_at) VALUES {rows} {upsert}", params)  # noqa: S608
            found.update((phone, pk) for pk, phone in cursor.fetchall())
    return found
