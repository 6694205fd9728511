"""Hot SKU: many buyers race for one SKU; exactly the stock is sold, nothing more, no deadlock.

``--buyers`` processes (default 50; ``spawn`` start method, each calls ``django.setup()``;
processes rather than threads so that ours and the baseline each get both cores, not one GIL)
share ``--attempts`` attempts (default 5,000) at one SKU with exactly ``--stock`` units (default
1,000) in one warehouse. Each attempt is one paid 1-line order of 1 unit through
``orders.services.order_intake``: it must be reserved while stock lasts and go on hold with reason
``out_of_stock`` after. The baseline, in the same run with the same processes, is a raw psycopg loop
on its own fresh stock row: per attempt, in one transaction, ``UPDATE inventory_stocklevel SET
reserved = reserved + 1 WHERE id = %s AND on_hand >= reserved + 1`` and, if a row was updated, the
``inventory_stockmovement`` row. The baseline writes no order, so the ratio says what a whole
intake costs next to the bare reservation, not how well the two reserve.

Checked after every run, and the script exits non-zero if any check fails: exactly ``stock``
attempts reserved and the rest out of stock (ours: that many orders reserved and the rest on hold
with reason out_of_stock, one ``created`` event each); no exception at all (a deadlock or any
error other than running out of stock fails the run); the stock row has ``reserved == stock`` and
``on_hand`` unchanged; the ledger sums to the stock row. One unmeasured warm-up round at a tenth
of the size comes first, then ``--rounds`` rounds of ours and raw alternately; figures are medians,
the ratio is median(ours) / median(raw), in attempts per second.

What it writes: a dedicated PostgreSQL database (``--database-url``, default
postgres://postgres@127.0.0.1:5432/oms_bench, or $DATABASE_URL; its name must contain "bench"),
dropped and created afresh, migrated, holding one warehouse, a fresh SKU and stock row per run,
one channel per ours-run and its orders; the database is dropped at the end unless ``--keep``.

The last line is machine-readable: ``ratio=0.10 attempts_per_s=95 raw_per_s=950``.
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal

import _common

RESERVE_SQL = "UPDATE inventory_stocklevel SET reserved = reserved + 1 WHERE id = %s AND on_hand >= reserved + 1"
MOVEMENT_SQL = """
INSERT INTO inventory_stockmovement (stock_level_id, delta_on_hand, delta_reserved, reason, note, reference,
                                     actor_id, at)
VALUES (%s, 0, 1, 'reserve', '', %s, NULL, now())
"""


def handle(job: dict, worker: int, start) -> dict:
    """One buyer's attempts in one run (in the worker process)."""
    attempts = job["attempts"][worker]
    sold = held = other = 0
    last_sale = 0.0
    errors: list[str] = []
    if job["mode"] == "ours":
        from django.db import connection

        from orders.drafts import DraftLine, OrderDraft, Recipient
        from orders.services import order_intake
        from orders.states import HoldReason, OrderStatus

        recipient = Recipient(
            name=f"买家{worker:02d}",
            phone=f"1{job['tag']:02d}{worker:08d}",
            province="浙江省",
            city="杭州市",
            district="西湖区",
            street="文三路 90 号",
        )
        drafts = [
            OrderDraft(
                channel=job["channel"],
                external_id=f"H{job['tag']:02d}{worker:03d}{i:06d}",
                recipient=recipient,
                lines=(DraftLine(sku_code=job["sku"], quantity=1, unit_price=Decimal("99.00")),),
                paid=True,
            )
            for i in range(attempts)
        ]
        connection.ensure_connection()
        t0 = start()
        for draft in drafts:
            try:
                order = order_intake(draft=draft).order
            except Exception as exc:  # every exception fails the run; keep going to count them
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            if order.status == OrderStatus.PENDING_REVIEW:
                sold += 1
                last_sale = time.monotonic()
            elif order.status == OrderStatus.ON_HOLD and order.hold_reason == HoldReason.OUT_OF_STOCK:
                held += 1
            else:
                other += 1
        t1 = time.monotonic()
        connection.close()
    else:
        import os

        import psycopg

        level = job["stock_level_id"]
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            t0 = start()
            for i in range(attempts):
                try:
                    with conn.transaction():
                        if conn.execute(RESERVE_SQL, [level]).rowcount == 1:
                            conn.execute(MOVEMENT_SQL, [level, f"H{job['tag']:02d}{worker:03d}{i:06d}"])
                            sold += 1
                            last_sale = time.monotonic()
                        else:
                            held += 1
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
            t1 = time.monotonic()
    return {"t0": t0, "t1": t1, "sold": sold, "held": held, "other": other, "errors": errors, "last_sale": last_sale}


def new_stock_row(tag: int, stock: int, warehouse) -> tuple[str, int]:
    """A fresh SKU with exactly ``stock`` units in ``warehouse``, through the real services."""
    from inventory.models import Sku
    from inventory.services import stock_receive

    sku = Sku.objects.create(code=f"HOT-{tag:02d}", name=f"爆款 {tag:02d}")
    level = stock_receive(sku=sku, warehouse=warehouse, quantity=stock, reference="opening")
    return sku.code, level.pk


def check_run(job: dict, results: list[dict], stock: int) -> list[str]:
    """Every invariant of one run; returns the failures (empty when all hold)."""
    from django.db.models import Count, Q, Sum

    from inventory.models import MovementReason, StockLevel, StockMovement
    from orders.events import EventAction
    from orders.models import Order, OrderEvent, OrderLine
    from orders.states import HoldReason, OrderStatus

    attempts = sum(job["attempts"])
    failures = []
    sold = sum(r["sold"] for r in results)
    held = sum(r["held"] for r in results)
    other = sum(r["other"] for r in results)
    errors = [e for r in results for e in r["errors"]]
    if errors:
        failures.append(f"{len(errors)} attempts raised, e.g. {errors[0]}")
    if (sold, held, other) != (stock, attempts - stock, 0):
        failures.append(f"sold {sold}, out of stock {held}, other {other}; expected {stock}, {attempts - stock}, 0")
    level = StockLevel.objects.get(pk=job["stock_level_id"])
    if (level.on_hand, level.reserved) != (stock, stock):
        failures.append(f"stock row on_hand={level.on_hand} reserved={level.reserved}; expected {stock}/{stock}")
    ledger = StockMovement.objects.filter(stock_level=level).aggregate(
        on_hand=Sum("delta_on_hand"),
        reserved=Sum("delta_reserved"),
        reserves=Count("id", filter=Q(reason=MovementReason.RESERVE)),
    )
    if (ledger["on_hand"], ledger["reserved"]) != (level.on_hand, level.reserved):
        failures.append(f"ledger sums {ledger} do not match the stock row {level.on_hand}/{level.reserved}")
    if ledger["reserves"] != stock:
        failures.append(f"{ledger['reserves']} reserve movements; expected {stock}")
    if job["mode"] == "ours":
        orders = Order.objects.filter(channel__code=job["channel"])
        counts = orders.aggregate(
            total=Count("id"),
            reserved=Count("id", filter=Q(status=OrderStatus.PENDING_REVIEW)),
            held=Count("id", filter=Q(status=OrderStatus.ON_HOLD, hold_reason=HoldReason.OUT_OF_STOCK)),
        )
        if counts != {"total": attempts, "reserved": stock, "held": attempts - stock}:
            failures.append(f"orders {counts}; expected {attempts} total, {stock} reserved, the rest on hold")
        lines = OrderLine.objects.filter(order__in=orders).aggregate(
            reserved=Sum("reserved_quantity"), at_row=Count("id", filter=Q(stock_level=level))
        )
        if lines != {"reserved": stock, "at_row": stock}:
            failures.append(f"order lines {lines}; expected {stock} units reserved at the stock row")
        events = OrderEvent.objects.filter(order__in=orders, action=EventAction.CREATED).count()
        if events != attempts:
            failures.append(f"{events} created events for {attempts} orders")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common.add_database_argument(parser)
    parser.add_argument("--buyers", type=int, default=50, help="concurrent buyer processes (default 50)")
    parser.add_argument("--attempts", type=int, default=5000, help="attempts per run, all buyers (default 5000)")
    parser.add_argument("--stock", type=int, default=1000, help="units of the hot SKU per run (default 1000)")
    args = parser.parse_args()
    if args.attempts < args.stock:
        parser.error("--attempts must be at least --stock")

    figures: dict[str, list[float]] = {"ours": [], "raw": []}
    failures: list[str] = []
    print(
        f"hot SKU bench: {args.buyers} buyer processes, {args.attempts} attempts at {args.stock} units, "
        f"{args.warmup} warm-up (1/10 size) + {args.rounds} rounds, ours and raw alternately",
        flush=True,
    )
    with _common.BenchDatabase(args.database_url, keep=args.keep):
        from channels.models import Channel, Platform
        from inventory.models import Warehouse

        warehouse = Warehouse.objects.create(code="HOT", name="爆款仓", provinces=["浙江", "上海", "江苏"])
        with _common.WorkerPool(args.buyers, args.database_url, handle) as pool:
            tag = 0
            for round_no in range(1 - args.warmup, args.rounds + 1):
                measured = round_no > 0
                label = f"r{round_no}" if measured else f"warm-up{1 - round_no}"
                scale = 1 if measured else 10
                attempts, stock = args.attempts // scale, args.stock // scale
                for mode in ("ours", "raw"):
                    tag += 1
                    sku_code, level_id = new_stock_row(tag, stock, warehouse)
                    channel = f"hot-{mode}-{label}-{tag:02d}"
                    Channel.objects.create(code=channel, name=channel, platform=Platform.TAOBAO)
                    job = {
                        "mode": mode,
                        "tag": tag,
                        "channel": channel,
                        "sku": sku_code,
                        "stock_level_id": level_id,
                        "attempts": _common.split(attempts, args.buyers),
                    }
                    wall, results = pool.run(job)
                    rate = attempts / wall
                    problems = check_run(job, results, stock)
                    status = "ok" if not problems else "FAILED"
                    sold_out = max(r["last_sale"] for r in results) - min(r["t0"] for r in results)
                    print(
                        f"{label:>9} {mode:>4}: {attempts} attempts in {wall:6.2f} s = {rate:7.1f} attempts/s, "
                        f"{sum(r['sold'] for r in results)} sold (sold out after {sold_out:5.2f} s), "
                        f"{sum(r['held'] for r in results)} out of stock, checks {status}",
                        flush=True,
                    )
                    failures += [f"{label} {mode}: {p}" for p in problems]
                    if measured:
                        figures[mode].append(rate)
    for failure in failures:
        print(f"FAIL: {failure}")
    if not failures:
        print(
            "checks: every run sold exactly the stock, the rest out of stock, no error, no deadlock; "
            "stock rows and ledgers agree"
        )
    _common.report(unit="attempts/s", ours=figures["ours"], raw=figures["raw"], ours_key="attempts_per_s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
