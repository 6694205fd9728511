"""Every change to stock goes through these functions.

Counters change with guarded ``F()`` updates, never read-then-write; the database CHECK
constraints (``0 <= reserved <= on_hand``) hold the invariant whatever happens. Every change
writes a ``StockMovement`` in the same transaction. Functions that touch several stock rows lock
them in primary-key order, so two multi-line orders can never deadlock each other.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, IntegerField, Q, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from core.sql import bulk_insert, insert, slices
from inventory.models import MovementReason, Sku, StockLevel, StockMovement, Warehouse

_ID_COLUMN = f'"{StockLevel._meta.db_table}"."{StockLevel._meta.pk.column}"'


class StockError(Exception):
    """A stock change was refused; ``message`` is for people, ``code`` for programs."""

    code = "stock_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InsufficientStock(StockError):
    code = "out_of_stock"

    def __init__(self, message: str, shortages: dict[int, int] | None = None):
        super().__init__(message)
        #: stock level id -> units available when the change was refused
        self.shortages = shortages or {}


@dataclass(frozen=True)
class StockLine:
    """A quantity against one stock row."""

    stock_level_id: int
    quantity: int


def _merged(lines: Sequence[StockLine]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for line in lines:
        if line.quantity <= 0:
            raise StockError(_("数量必须大于 0"))
        merged[line.stock_level_id] = merged.get(line.stock_level_id, 0) + line.quantity
    return merged


def _per_row(quantities: dict[int, int]) -> RawSQL | Value:
    """Each row's own quantity, as one expression over the rows of one UPDATE.

    A plain value for a single row, else ``CASE id WHEN pk THEN qty ... END``, written out because
    ``Case(When(pk=...))`` resolves a filter per row, which made this UPDATE the costliest
    statement of an intake to build (see docs/BENCHMARKS.md).
    """
    if len(quantities) == 1:
        (qty,) = quantities.values()
        return Value(qty)
    whens = " ".join(["WHEN %s THEN %s"] * len(quantities))
    params = [value for item in quantities.items() for value in item]
    # Only placeholders are interpolated; the ids and quantities are query parameters.
    return RawSQL(f"CASE {_ID_COLUMN} {whens} ELSE 0 END", params, output_field=IntegerField())  # noqa: S611


def _guarded_update(quantities: dict[int, int], guard, **changes) -> int:
    """One UPDATE over all rows, each row updated only if ``guard(qty)`` holds for it.

    ``guard`` gets the row's quantity as an expression (see ``_per_row``). The rows are locked in
    primary-key order by a ``SELECT ... ORDER BY id FOR UPDATE`` subquery inside the same
    statement, so concurrent multi-row updates queue instead of deadlocking. Returns the number
    of rows updated.
    """
    target = StockLevel.objects.filter(Q(pk__in=list(quantities)) & guard(_per_row(quantities)))
    if len(quantities) > 1:
        locked = StockLevel.objects.filter(pk__in=list(quantities)).order_by("pk").select_for_update()
        target = target.filter(pk__in=locked.values("pk"))
    return target.update(**changes)


def _available(quantities: dict[int, int]) -> dict[int, int]:
    return {
        row["pk"]: row["on_hand"] - row["reserved"]
        for row in StockLevel.objects.filter(pk__in=list(quantities)).values("pk", "on_hand", "reserved")
    }


def _write_movements(quantities: dict[int, int], reason: str, *, on_hand: int, reserved: int, reference, actor):
    movements = [
        StockMovement(
            stock_level_id=pk,
            delta_on_hand=on_hand * qty,
            delta_reserved=reserved * qty,
            reason=reason,
            reference=reference,
            actor=actor,
        )
        for pk, qty in sorted(quantities.items())
    ]
    insert(movements)


def stock_reserve(*, lines: Sequence[StockLine], reference: str, actor=None) -> None:
    """Reserve every line or none (raises ``InsufficientStock``). Locks the rows in pk order.

    One guarded ``UPDATE … RETURNING`` (see ``_reserve_rows``; on PostgreSQL with its ledger rows
    in the same statement, ``_reserve_with_ledger``) inside its own savepoint: when a row
    lacks stock, rolling the savepoint back undoes the rows this call did reserve and releases
    every row lock it took, so a caller trying another warehouse next cannot deadlock with an
    order falling back the other way. (On PostgreSQL the intake sends the savepoint statements in
    the same round trips as its other statements; see ``core.sql.batch``.)
    """
    quantities = _merged(lines)
    with transaction.atomic():
        if connection.vendor == "postgresql" and len(quantities) <= MAX_ROWS_WITH_LEDGER:
            if _reserve_with_ledger(quantities, reference=reference, actor=actor):
                return
        else:
            reserved = _reserve_rows(quantities)
            if len(reserved) == len(quantities):
                _write_movements(
                    quantities, MovementReason.RESERVE, on_hand=0, reserved=1, reference=reference, actor=actor
                )
                return
        transaction.set_rollback(True)
    # Read after the rollback, so rows this call had partly reserved are not reported short.
    raise _shortage(quantities)


#: Rows one ``_reserve_with_ledger`` statement takes (its parameters stay far under the limit).
MAX_ROWS_WITH_LEDGER = 1000


def _reserve_with_ledger(quantities: dict[int, int], *, reference: str, actor) -> bool:
    """PostgreSQL: ``_reserve_rows``'s guarded update and the ledger rows of the rows it reserved in
    one statement (the UPDATE as a data-modifying CTE; the ledger in pk order, as
    ``_write_movements`` writes it). True when every row was reserved; otherwise the caller rolls
    its savepoint back, which undoes the partial reservation and its ledger rows alike."""
    ledger = connection.ops.quote_name(StockMovement._meta.db_table)
    actor_type = _actor_db_type(connection.vendor)
    ids = sorted(quantities)
    update, params = _reserve_statement(ids, quantities, with_quantity=True)
    # Only a quoted table name, a column type and placeholders are interpolated; values are parameters.
    sql = (
        f"WITH taken AS ({update}) "  # noqa: S608
        f"INSERT INTO {ledger} (stock_level_id, delta_on_hand, delta_reserved, reason, note, reference, actor_id, at) "
        f"SELECT id, 0, quantity, %s, '', %s, CAST(%s AS {actor_type}), %s FROM taken ORDER BY id "
        "RETURNING stock_level_id"
    )
    params += [MovementReason.RESERVE.value, reference, actor.pk if actor is not None else None, timezone.now()]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall()) == len(ids)


@functools.cache
def _actor_db_type(vendor: str) -> str:
    """The ledger's actor column type (asked of Django once per process: it builds it each time)."""
    return StockMovement._meta.get_field("actor").db_type(connection)


def stock_reserve_many(*, reservations: Sequence[tuple[str, Sequence[StockLine]]], actor=None) -> None:
    """Reserve many references' lines at once, all or none (raises ``InsufficientStock``): the
    guarded UPDATE of ``stock_reserve`` with the summed quantities, rows locked in pk order, then
    every reference's movements exactly as ``stock_reserve`` writes them (one per stock row, in pk
    order). For batch intakes that planned the reservations themselves."""
    per_reference = [(reference, _merged(lines)) for reference, lines in reservations]
    totals: dict[int, int] = {}
    for _reference, quantities in per_reference:
        for pk, qty in quantities.items():
            totals[pk] = totals.get(pk, 0) + qty
    if not totals:
        return
    with transaction.atomic():
        if len(_reserve_rows(totals)) == len(totals):
            movements = [
                StockMovement(
                    stock_level_id=pk,
                    delta_on_hand=0,
                    delta_reserved=qty,
                    reason=MovementReason.RESERVE,
                    reference=reference,
                    actor=actor,
                )
                for reference, quantities in per_reference
                for pk, qty in sorted(quantities.items())
            ]
            bulk_insert(movements)
            return
        transaction.set_rollback(True)
    raise _shortage(totals)


def _reserve_statement(ids: list[int], quantities: dict[int, int], *, with_quantity: bool = False) -> tuple[str, list]:
    """The guarded ``UPDATE … SET reserved = reserved + qty … RETURNING id`` over ``ids`` (in pk
    order), each row's ``qty`` from ``quantities``; ``with_quantity`` returns it too, as
    ``quantity``. Where the database locks rows, a multi-row update locks them in pk order first."""
    table = connection.ops.quote_name(StockLevel._meta.db_table)
    case = "CASE id " + " ".join(["WHEN %s THEN %s"] * len(ids)) + " END"
    case_params = [value for pk in ids for value in (pk, quantities[pk])]
    in_ids = ", ".join(["%s"] * len(ids))
    where = [f"id IN ({in_ids})", f"on_hand >= reserved + {case}"]
    params = [*case_params, *ids, *case_params]  # the SET's CASE, then the WHERE's
    if connection.features.has_select_for_update and len(ids) > 1:
        where.append(f"id IN (SELECT id FROM {table} WHERE id IN ({in_ids}) ORDER BY id FOR UPDATE)")  # noqa: S608
        params += ids
    returning = "id"
    if with_quantity:
        returning += f", {case} AS quantity"
        params += case_params
    # Only the quoted table name and placeholders are interpolated; ids and quantities are parameters.
    return f"UPDATE {table} SET reserved = reserved + {case} WHERE {' AND '.join(where)} RETURNING {returning}", params  # noqa: S608


def _reserve_rows(quantities: dict[int, int]) -> list[int]:
    """``reserved += qty`` on each row whose ``on_hand`` covers it; returns the ids it updated. The
    one reservation statement, for one order (``stock_reserve``) and for a batch
    (``stock_reserve_many``): an UPDATE … RETURNING per slice of rows under the parameter limit,
    which on PostgreSQL locks its rows in pk order (the slices go in pk order too).

    Raw SQL: Django's ``Case(When(pk=…))`` resolves a filter per row, which made this the
    costliest statement of an intake to build (docs/BENCHMARKS.md)."""
    lock = connection.features.has_select_for_update
    updated: list[int] = []
    with connection.cursor() as cursor:
        for ids in slices(sorted(quantities), params_each=6 if lock else 5):
            sql, params = _reserve_statement(ids, quantities)
            cursor.execute(sql, params)
            updated += [row[0] for row in cursor.fetchall()]
    return updated


def _shortage(quantities: dict[int, int]) -> InsufficientStock:
    available = _available(quantities)
    return InsufficientStock(
        _("库存不足"),
        shortages={pk: available.get(pk, 0) for pk, qty in quantities.items() if available.get(pk, 0) < qty},
    )


def stock_release(*, lines: Sequence[StockLine], reference: str, actor=None) -> None:
    """Give back reserved units (cancel, re-route). Locks the rows in pk order."""
    quantities = _merged(lines)
    with transaction.atomic():
        updated = _guarded_update(
            quantities,
            lambda qty: Q(reserved__gte=qty),
            reserved=F("reserved") - _per_row(quantities),
        )
        if updated != len(quantities):
            raise StockError(_("释放数量超过已占用数量"))
        _write_movements(quantities, MovementReason.RELEASE, on_hand=0, reserved=-1, reference=reference, actor=actor)


def stock_ship(*, lines: Sequence[StockLine], reference: str, actor=None) -> None:
    """Consume reserved units: they leave the building (on_hand and reserved both drop)."""
    quantities = _merged(lines)
    with transaction.atomic():
        per_row = _per_row(quantities)
        updated = _guarded_update(
            quantities,
            lambda qty: Q(reserved__gte=qty),
            reserved=F("reserved") - per_row,
            on_hand=F("on_hand") - per_row,
        )
        if updated != len(quantities):
            raise StockError(_("出库数量超过已占用数量"))
        _write_movements(quantities, MovementReason.SHIP, on_hand=-1, reserved=-1, reference=reference, actor=actor)


def _level_for(sku: Sku, warehouse: Warehouse) -> StockLevel:
    level, _created = StockLevel.objects.get_or_create(sku=sku, warehouse=warehouse)
    return level


def stock_receive(
    *, sku: Sku, warehouse: Warehouse, quantity: int, reference: str = "", actor=None,
    reason: str = MovementReason.RECEIVE,
) -> StockLevel:
    """Goods arrive: on_hand grows. Creates the stock row if this SKU is new to the warehouse.
    ``reason``: a purchase receipt, or goods a buyer sent back (``RETURN_IN``)."""
    if quantity <= 0:
        raise StockError(_("入库数量必须大于 0"))
    if reason not in (MovementReason.RECEIVE, MovementReason.RETURN_IN):
        raise StockError(_("入库原因无效"))
    with transaction.atomic():
        level = _level_for(sku, warehouse)
        StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
        StockMovement.objects.create(
            stock_level=level, delta_on_hand=quantity, reason=reason, reference=reference, actor=actor
        )
    level.refresh_from_db()
    return level


def stock_adjust(*, stock_level: StockLevel, delta: int, note: str, actor=None) -> StockLevel:
    """Stock-take correction. Refused if it would leave less on hand than is reserved."""
    if delta == 0:
        raise StockError(_("调整数量不能为 0"))
    if not note.strip():
        raise StockError(_("请填写调整原因"))
    with transaction.atomic():
        updated = StockLevel.objects.filter(pk=stock_level.pk, on_hand__gte=F("reserved") - delta).update(
            on_hand=F("on_hand") + delta
        )
        if not updated:
            raise InsufficientStock(_("调整后在库数量将少于已占用数量"))
        StockMovement.objects.create(
            stock_level=stock_level, delta_on_hand=delta, reason=MovementReason.ADJUST, note=note.strip(), actor=actor
        )
    stock_level.refresh_from_db()
    return stock_level


def stock_transfer(
    *, sku: Sku, source: Warehouse, destination: Warehouse, quantity: int, reference: str = "", actor=None
) -> None:
    """Move available units between warehouses. Locks both rows in pk order."""
    if quantity <= 0:
        raise StockError(_("调拨数量必须大于 0"))
    if source.pk == destination.pk:
        raise StockError(_("调出仓和调入仓不能相同"))
    with transaction.atomic():
        target = _level_for(sku, destination)
        origin = StockLevel.objects.filter(sku=sku, warehouse=source).first()
        if origin is None:
            raise InsufficientStock(_("调出仓没有该商品"))
        list(StockLevel.objects.filter(pk__in=[origin.pk, target.pk]).order_by("pk").select_for_update())
        taken = StockLevel.objects.filter(pk=origin.pk, on_hand__gte=F("reserved") + quantity).update(
            on_hand=F("on_hand") - quantity
        )
        if not taken:
            raise InsufficientStock(_("调出仓可用库存不足"))
        StockLevel.objects.filter(pk=target.pk).update(on_hand=F("on_hand") + quantity)
        StockMovement.objects.bulk_create(
            [
                StockMovement(
                    stock_level=origin, delta_on_hand=-quantity, reason=MovementReason.TRANSFER_OUT,
                    reference=reference, actor=actor,
                ),
                StockMovement(
                    stock_level=target, delta_on_hand=quantity, reason=MovementReason.TRANSFER_IN,
                    reference=reference, actor=actor,
                ),
            ]
        )
