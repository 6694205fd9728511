"""Waves: 10,000 待拣货 orders of one warehouse into waves with pick lists sorted by the walk.

Set-up (untimed, once): one warehouse with 400 bins along a walk (their codes deliberately not in
walking order), 300 SKUs each with a home bin and ample stock, one channel, and ``--orders``
(default 10,000) paid, approved orders of 1-4 lines (a third single-unit, some urgent, three
carriers), reserved in that warehouse. They are written with ``bulk_create`` (the intake is
measured by bench/intake.py; this measures wave building), with the stock rows' ``reserved`` and
one reserve movement per row, so the books balance.

Timed, alternately, ``--rounds`` times (after ``--warmup`` unmeasured rounds):

* ours: ``warehouse.services.wave_build`` over the whole warehouse (limits 50 orders / 200 units
  a wave), as a supervisor;
* raw: the same work in hand-written SQL with psycopg on one connection: one SELECT of the
  candidate orders and their lines, the same grouping in Python, the waves by one INSERT …
  SELECT unnest … RETURNING, the wave orders by COPY, and every pick line by one INSERT … SELECT
  that sums per wave, SKU and bin and numbers the lines by the bins' pick sequence.

After each run the result is checked (every order in exactly one live wave; each wave's lines in
walking order; line totals equal the orders' units) and then removed (waves, wave orders, pick
lines deleted), so every run starts from the same 10,000 ready orders.

What it writes: a dedicated PostgreSQL database (``--database-url``; its name must contain
"bench"), dropped and created afresh, migrated, and dropped at the end unless ``--keep``.
The last line is machine-readable: ``seconds=0.95 ratio=1.40 raw_seconds=0.68 orders=10000 waves=…``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta

import _common

MAX_ORDERS, MAX_UNITS = 50, 200
CARRIERS = ("中通快递", "圆通速递", "顺丰速运")


def setup(orders: int, seed: int) -> tuple[int, object]:
    """The warehouse, catalogue and ready orders; returns (warehouse id, the supervisor)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from channels.models import Channel, Platform
    from inventory.models import Bin, MovementReason, Sku, StockLevel, StockMovement, Warehouse
    from orders.models import Order, OrderLine, Priority
    from orders.states import OrderStatus

    rng = random.Random(seed)
    with transaction.atomic():
        warehouse = Warehouse.objects.create(code="BW", name="压测仓", provinces=["浙江"])
        walk = list(range(1, 401))
        rng.shuffle(walk)
        bins = Bin.objects.bulk_create(
            Bin(warehouse=warehouse, code=f"Z{code:03d}", pick_sequence=seq) for code, seq in zip(range(400), walk, strict=False)
        )
        skus = Sku.objects.bulk_create(
            Sku(code=f"BW{i:04d}", barcode=f"69{i:011d}", name=f"压测商品{i}", unit_weight_g=100 + i) for i in range(300)
        )
        levels = StockLevel.objects.bulk_create(
            StockLevel(sku=sku, warehouse=warehouse, home_bin=bins[i], on_hand=1_000_000) for i, sku in enumerate(skus)
        )
        StockMovement.objects.bulk_create(
            StockMovement(stock_level=level, delta_on_hand=1_000_000, reason=MovementReason.RECEIVE) for level in levels
        )
        channel = Channel.objects.create(code="bench-waves", name="压测渠道", platform=Platform.TAOBAO)
        now = timezone.now()
        order_rows = []
        for n in range(orders):
            priority = Priority.URGENT if rng.random() < 0.02 else Priority.NORMAL
            order_rows.append(
                Order(
                    number=f"BW{n:08d}", channel=channel, status=OrderStatus.READY, warehouse=warehouse,
                    priority=priority, carrier=rng.choice(CARRIERS), paid_at=now, placed_at=now,
                    promised_ship_at=now + timedelta(hours=rng.randrange(4, 48)), province="浙江省", city="杭州市",
                    street="文三路 90 号", recipient_name="压测", phone="13800000000",
                )
            )
        Order.objects.bulk_create(order_rows, batch_size=2000)
        lines, reserved = [], {}
        for order in order_rows:
            count = 1 if rng.random() < 0.4 else rng.randint(2, 4)
            for level in rng.sample(levels, count):
                quantity = 1 if count == 1 and rng.random() < 0.8 else rng.randint(1, 3)
                lines.append(
                    OrderLine(order=order, sku_id=level.sku_id, sku_code=f"BW{level.sku_id}", quantity=quantity,
                              warehouse=warehouse, stock_level=level, reserved_quantity=quantity)
                )
                reserved[level.pk] = reserved.get(level.pk, 0) + quantity
        OrderLine.objects.bulk_create(lines, batch_size=5000)
        for pk, quantity in reserved.items():
            StockLevel.objects.filter(pk=pk).update(reserved=quantity)
        StockMovement.objects.bulk_create(
            StockMovement(stock_level_id=pk, delta_reserved=q, reason=MovementReason.RESERVE, reference="bench")
            for pk, q in reserved.items()
        )
        supervisor = get_user_model().objects.create(username="bench_supervisor", is_superuser=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return warehouse.pk, supervisor


def run_ours(warehouse_id: int, supervisor) -> int:
    from warehouse.services import wave_build

    return len(wave_build(warehouse=warehouse_id, actor=supervisor, max_orders=MAX_ORDERS, max_units=MAX_UNITS))


CANDIDATES_SQL = """
SELECT o.id, o.carrier, o.priority, l.sku_id, l.stock_level_id, l.quantity
FROM orders_order o JOIN orders_orderline l ON l.order_id = o.id
WHERE o.warehouse_id = %s AND o.status = 'ready' AND o.exception_reason = ''
  AND l.reserved_quantity = l.quantity
  AND NOT EXISTS (SELECT 1 FROM warehouse_waveorder w WHERE w.order_id = o.id AND w.active)
ORDER BY o.priority DESC, o.promised_ship_at ASC NULLS LAST, o.paid_at, o.id
"""
WAVES_SQL = """
INSERT INTO warehouse_wave (number, warehouse_id, kind, status, carrier, order_count, unit_count, assignee_id,
                            created_by_id, created_at, released_at, picked_at, finished_at)
SELECT n, %s, k, 'open', c, oc, uc, NULL, %s, now(), NULL, NULL, NULL
FROM unnest(%s::text[], %s::text[], %s::text[], %s::int[], %s::int[]) WITH ORDINALITY AS t(n, k, c, oc, uc, ord)
ORDER BY ord
RETURNING id
"""
COPY_LINKS_SQL = "COPY warehouse_waveorder (wave_id, order_id, slot, active, left_reason) FROM STDIN"
PICK_LINES_SQL = """
INSERT INTO warehouse_pickline (wave_id, sequence, sku_id, stock_level_id, bin_id, quantity, picked, short,
                                short_reason, picked_by_id, done_at)
SELECT wave_id, row_number() OVER (PARTITION BY wave_id ORDER BY seq, bcode, scode), sku_id, stock_level_id, bin_id,
       qty, 0, 0, '', NULL, NULL
FROM (
    SELECT w.wave_id, l.sku_id, l.stock_level_id, s.home_bin_id AS bin_id, sum(l.quantity) AS qty,
           coalesce(b.pick_sequence, 2147483647) AS seq, coalesce(b.code, '') AS bcode, k.code AS scode
    FROM warehouse_waveorder w
    JOIN orders_orderline l ON l.order_id = w.order_id
    JOIN inventory_stocklevel s ON s.id = l.stock_level_id
    JOIN inventory_sku k ON k.id = l.sku_id
    LEFT JOIN inventory_bin b ON b.id = s.home_bin_id
    WHERE w.wave_id = ANY(%s)
    GROUP BY w.wave_id, l.sku_id, l.stock_level_id, s.home_bin_id, b.pick_sequence, b.code, k.code
) per_bin
"""


def run_raw(conn, warehouse_id: int, supervisor_id: int, tag: int) -> int:
    """The same build by hand: same rules (urgent and big orders alone, single-unit apart, per carrier, limits)."""
    with conn.transaction():
        conn.execute("SELECT id FROM inventory_warehouse WHERE id = %s FOR UPDATE", [warehouse_id])
        orders: dict[int, list] = {}
        for order_id, carrier, priority, _sku_id, _level_id, quantity in conn.execute(CANDIDATES_SQL, [warehouse_id]):
            entry = orders.setdefault(order_id, [carrier, priority, 0, 0])
            entry[2] += 1
            entry[3] += quantity
        waves: list[tuple[str, str, list[int], int]] = []
        open_groups: dict[tuple[str, str], int] = {}
        for order_id, (carrier, priority, line_count, units) in orders.items():
            if priority >= 1 or units > MAX_UNITS:
                waves.append(("order", carrier, [order_id], units))
                continue
            key = ("single_unit" if line_count == 1 and units == 1 else "batch", carrier)
            at = open_groups.get(key)
            if at is None or len(waves[at][2]) >= MAX_ORDERS or waves[at][3] + units > MAX_UNITS:
                open_groups[key] = at = len(waves)
                waves.append((key[0], carrier, [], 0))
            kind, carrier_, members, total = waves[at]
            members.append(order_id)
            waves[at] = (kind, carrier_, members, total + units)
        numbers = [f"R{tag:03d}-{i:05d}" for i in range(len(waves))]
        ids = [row[0] for row in conn.execute(
            WAVES_SQL,
            [warehouse_id, supervisor_id, numbers, [w[0] for w in waves], [w[1] for w in waves],
             [len(w[2]) for w in waves], [w[3] for w in waves]],
        )]
        with conn.cursor().copy(COPY_LINKS_SQL) as copy:
            for wave_id, (_kind, _carrier, members, _units) in zip(ids, waves, strict=True):
                for slot, order_id in enumerate(members, start=1):
                    copy.write_row((wave_id, order_id, slot, True, ""))
        conn.execute(PICK_LINES_SQL, [ids])
    return len(waves)


def check_and_clear(conn, orders: int) -> None:
    """Every order in one live wave, lines in walking order and summing to the orders' units; then remove."""
    with conn.transaction():
        (linked, distinct) = conn.execute(
            "SELECT count(*), count(DISTINCT order_id) FROM warehouse_waveorder WHERE active"
        ).fetchone()
        assert linked == distinct == orders, (linked, distinct, orders)
        (out_of_order,) = conn.execute(
            """SELECT count(*) FROM (
                 SELECT b.pick_sequence AS seq, lag(b.pick_sequence) OVER (PARTITION BY p.wave_id ORDER BY p.sequence) AS prev
                 FROM warehouse_pickline p JOIN inventory_bin b ON b.id = p.bin_id) x
               WHERE prev > seq"""
        ).fetchone()
        assert out_of_order == 0, f"{out_of_order} pick lines out of walking order"
        (lines_total,) = conn.execute("SELECT coalesce(sum(quantity), 0) FROM warehouse_pickline").fetchone()
        (units,) = conn.execute("SELECT sum(quantity) FROM orders_orderline").fetchone()
        assert lines_total == units, (lines_total, units)
        conn.execute("DELETE FROM warehouse_pickline")
        conn.execute("DELETE FROM warehouse_waveorder")
        conn.execute("DELETE FROM warehouse_wave")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    _common.add_database_argument(parser)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    import psycopg

    with _common.BenchDatabase(args.database_url, keep=args.keep) as db:
        started = time.monotonic()
        warehouse_id, supervisor = setup(args.orders, args.seed)
        print(f"set-up: {args.orders} ready orders in {time.monotonic() - started:.1f}s", flush=True)
        from django.db import connection

        ours, raw, wave_counts = [], [], []
        with psycopg.connect(db.url, autocommit=True) as conn:
            for round_ in range(args.warmup + args.rounds):
                measured = round_ >= args.warmup
                t0 = time.perf_counter()
                built = run_ours(warehouse_id, supervisor)
                ours_s = time.perf_counter() - t0
                connection.close()
                check_and_clear(conn, args.orders)
                t0 = time.perf_counter()
                raw_built = run_raw(conn, warehouse_id, supervisor.pk, round_)
                raw_s = time.perf_counter() - t0
                check_and_clear(conn, args.orders)
                label = f"round {round_ - args.warmup + 1}" if measured else "warm-up"
                print(f"{label}: ours {ours_s:.3f}s ({built} waves)  raw {raw_s:.3f}s ({raw_built} waves)", flush=True)
                if measured:
                    ours.append(ours_s)
                    raw.append(raw_s)
                    wave_counts.append(built)
        seconds, raw_seconds = statistics.median(ours), statistics.median(raw)
        print(f"median: ours {seconds:.3f}s raw {raw_seconds:.3f}s ratio {seconds / raw_seconds:.2f}")
        print(
            f"seconds={seconds:.2f} ratio={seconds / raw_seconds:.2f} raw_seconds={raw_seconds:.2f} "
            f"orders={args.orders} waves={wave_counts[-1]}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
