"""Spreadsheet import throughput: a 100,000-row Pinduoduo export (GBK CSV) through the background
import path, against a raw-SQL baseline that writes the same rows.

Ours: one process (``spawn``, ``django.setup()`` once) does what the admin and the worker do:
``import_create`` (check, store the file, preview: counts of new / duplicate / invalid orders)
then ``import_run`` (stream the file again, ``order_intake_batch`` per 1,000 orders, one
transaction per chunk with the job's progress). Timed: the run, and preview + run.

Raw: another process does the same work by hand with psycopg 3: read the CSV (GB18030), group
rows into orders, then per 1,000 orders: the dedup lookup, a block of order numbers, the free
stock, the warehouse chosen by the same rule, the customer upsert, one guarded reservation UPDATE
(rows locked in pk order), and COPY into orders, sources, lines, events and stock movements, one
transaction per chunk. After every round the script checks that both wrote the same rows
(counts, amounts, statuses, reservations per channel).

Peak RSS is each process's own high-water mark (``resource.getrusage``), over all its rounds; CPU
is the process's own CPU time for the run (``time.process_time``), which load from other
processes on a shared machine does not inflate the way it inflates wall time.

What it writes: a dedicated PostgreSQL database (``--database-url``, default
postgres://postgres@127.0.0.1:5432/oms_bench_import, or $DATABASE_URL; its name must contain
"bench"), dropped and created afresh, migrated, filled with 3 warehouses and ``--skus`` SKUs with
plenty of stock, one channel per run; the export file in a temporary folder (also MEDIA_ROOT);
both are removed at the end unless ``--keep``.

The last line is machine-readable: ``ratio=0.63 rows_per_s=2400 raw_per_s=3800``.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import _common

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/oms_bench_import"
WAREHOUSES = [("HZ", "杭州仓", ["浙江", "上海", "江苏"]), ("GZ", "广州仓", ["广东", "广西", "福建"]),
              ("CD", "成都仓", ["四川", "重庆"])]
CHUNK = 1000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_export(path: Path, rows_wanted: int, skus: list[str]) -> tuple[int, int]:
    """Write a GBK CSV Pinduoduo export of about ``rows_wanted`` rows, an order at a time;
    returns (rows, orders)."""
    from tests.channels.import_files import PDD_HEADER, iter_pdd_orders

    rows = orders = 0
    with open(path, "w", encoding="gbk", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(PDD_HEADER)
        for group in iter_pdd_orders(rows_wanted, seed=7, skus=skus):
            if rows >= rows_wanted:
                break
            writer.writerows(group)
            rows += len(group)
            orders += 1
    return rows, orders


# ---- ours -------------------------------------------------------------------------------------


def handle_ours(job: dict, _index: int, start) -> dict:
    from django.core.files import File

    from channels.models import Channel
    from channels.services.imports import import_create, import_run

    channel = Channel.objects.get(code=job["channel"])
    t0 = start()
    c0 = time.process_time()
    with open(job["path"], "rb") as raw:
        created = import_create(channel=channel, file=File(raw, name="pinduoduo.csv"))
    t_preview, c_preview = time.monotonic(), time.process_time()
    done = import_run(created.pk)
    t1 = time.monotonic()
    cpu = time.process_time() - c_preview
    assert done.status == "done", done.error
    return {
        "t0": t0, "t1": t1, "run_s": t1 - t_preview, "preview_s": t_preview - t0, "rss_mb": peak_rss_mb(),
        "cpu_s": cpu, "preview_cpu_s": c_preview - c0, "new": done.new_orders, "invalid": done.invalid_orders, "rows": done.done_rows,
    }


# ---- raw --------------------------------------------------------------------------------------


def _orders_from_csv(path: str):
    """(external id, [(sku, qty, amount)], first row) per order, grouped like the importer does."""
    with open(path, encoding="gb18030", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        col = {name.replace("（", "(").replace("）", ")"): i for i, name in enumerate(header)}
        key, lines, first = None, [], None
        for row in reader:
            number = row[col["订单号"]].strip()
            if number != key:
                if lines:
                    yield key, lines, first
                key, lines, first = number, [], row
            qty = int(row[col["商品数量(件)"]])
            amount = Decimal(row[col["用户实付金额(元)"]])
            title, variant = row[col["商品"]], row[col["商品规格/样式"]]
            lines.append((row[col["商家编码-SKU维度"]], f"{title}（{variant}）" if variant else title, qty, amount))
        if lines:
            yield key, lines, first


RAW_STOCK_SQL = """
SELECT sl.id, sl.sku_id, sl.warehouse_id, sl.on_hand, sl.reserved, w.provinces
  FROM inventory_stocklevel sl JOIN inventory_warehouse w ON w.id = sl.warehouse_id
 WHERE sl.sku_id = ANY(%s) AND w.active AND sl.on_hand > sl.reserved
"""
RAW_RESERVE_SQL = """
WITH locked AS (SELECT id FROM inventory_stocklevel WHERE id = ANY(%(ids)s) ORDER BY id FOR UPDATE)
UPDATE inventory_stocklevel sl SET reserved = sl.reserved + w.qty
  FROM unnest(%(ids)s::bigint[], %(qtys)s::int[]) AS w(id, qty)
 WHERE sl.id = w.id AND sl.id IN (SELECT id FROM locked) AND sl.on_hand >= sl.reserved + w.qty
"""


def handle_raw(job: dict, _index: int, start) -> dict:
    import json

    import psycopg
    from django.conf import settings
    from django.utils import timezone

    from orders.address import normalize_province
    from orders.privacy import classify_contact
    from orders.services.customers import customer_phone

    conn = psycopg.connect(job["conninfo"], autocommit=True)
    t0 = start()
    c0 = time.process_time()
    (channel_id,) = conn.execute("SELECT id FROM channels_channel WHERE code = %s", [job["channel"]]).fetchone()
    skus = {code: (pk, name) for pk, code, name in conn.execute("SELECT id, code, name FROM inventory_sku")}
    prefix, day = settings.ORDER_NUMBER_PREFIX, timezone.localdate()
    new = 0
    batch: list = []

    def flush(batch):
        nonlocal new
        with conn.transaction():
            ids = [o[0] for o in batch]
            taken = {r[0] for r in conn.execute(
                "SELECT external_id FROM orders_ordersource WHERE channel_id = %s AND external_id = ANY(%s)",
                [channel_id, ids])}
            todo = [o for o in batch if o[0] not in taken]
            if not todo:
                return
            (last,) = conn.execute(
                "INSERT INTO orders_ordernumbersequence (day, last) VALUES (%s, %s) ON CONFLICT (day) "
                "DO UPDATE SET last = orders_ordernumbersequence.last + EXCLUDED.last RETURNING last",
                [day, len(todo)]).fetchone()
            numbers = [f"{prefix}{day:%Y%m%d}{n:06d}" for n in range(last - len(todo) + 1, last + 1)]
            sku_ids = sorted({skus[code][0] for o in todo for code, *_r in o[1] if code in skus})
            free = {r[0]: list(r) for r in conn.execute(RAW_STOCK_SQL, [sku_ids])}
            by_sku: dict[int, list[int]] = {}
            for level in free.values():
                by_sku.setdefault(level[1], []).append(level[0])
            phones: dict[str, str] = {}
            for o in todo:
                phone = customer_phone(o[2][6], o[2][7])
                if phone:
                    phones.setdefault(phone, o[2][6][:100])
            customers = dict((p, pk) for pk, p in conn.execute(
                "INSERT INTO orders_customer (name, phone, created_at) SELECT n, p, now() "
                "FROM unnest(%s::text[], %s::text[]) AS c(n, p) "
                "ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone RETURNING id, phone",
                [list(phones.values()), list(phones)]).fetchall())
            order_ids = [r[0] for r in conn.execute(
                "SELECT nextval(pg_get_serial_sequence('orders_order', 'id')) FROM generate_series(1, %s)",
                [len(todo)])]
            totals: dict[int, int] = {}
            orders, sources, lines, events, movements = [], [], [], [], []
            now = timezone.now()
            for (ext, items, first), number, oid in zip(todo, numbers, order_ids, strict=True):
                needs: dict[int, int] = {}
                for code, _title, qty, _amount in items:
                    needs[skus[code][0]] = needs.get(skus[code][0], 0) + qty
                wanted = normalize_province(first[8])
                by_wh: dict[int, dict[int, int]] = {}
                serves: dict[int, bool] = {}
                for sku_id in needs:
                    for lid in by_sku.get(sku_id, ()):
                        level = free[lid]
                        if level[3] - level[4] >= needs[sku_id]:
                            by_wh.setdefault(level[2], {})[sku_id] = lid
                        serves[level[2]] = wanted in {normalize_province(p) for p in level[5] or []}
                best = sorted((w for w, lv in by_wh.items() if len(lv) == len(needs)), key=lambda w: (not serves[w], w))
                wh = best[0]
                levels = by_wh[wh]
                for sku_id, qty in needs.items():
                    free[levels[sku_id]][4] += qty
                    totals[levels[sku_id]] = totals.get(levels[sku_id], 0) + qty
                    movements.append((levels[sku_id], 0, qty, "reserve", "", number, None, now))
                goods = sum((amount / qty).quantize(Decimal("0.01")) * qty for _c, _t, qty, amount in items)
                paid = sum(amount for *_r, amount in items)
                contact = classify_contact(first[6], first[7])
                placed = timezone.make_aware(datetime.strptime(first[18], "%Y-%m-%d %H:%M:%S"))
                orders.append((oid, number, channel_id, "pending_review", "", "",
                               customers.get(customer_phone(first[6], first[7])), first[6], contact.phone,
                               first[8], first[9], first[10], first[12], "", "", 0, "CNY", goods, 0, 0, paid, placed,
                               now, None, wh, "", "", now, now, "", "", contact.privacy, contact.extension))
                sources.append((oid, channel_id, ext, "", None, now))
                for code, title, qty, amount in items:
                    sku_id = skus[code][0]
                    lines.append((oid, sku_id, code, title, qty, (amount / qty).quantize(Decimal("0.01")), wh,
                                  levels[sku_id], qty, ""))
                data = {"platform": "pinduoduo", "import": "pinduoduo", "platform_status": first[16],
                        **({"after_sale": first[17]} if first[17] else {}),
                        "channel": job["channel"], "external_id": ext, "hold_reason": ""}
                events.append((oid, "created", "", "pending_review", None, now, "", json.dumps(data)))
            ids_sorted = sorted(totals)
            cur = conn.execute(RAW_RESERVE_SQL, {"ids": ids_sorted, "qtys": [totals[i] for i in ids_sorted]})
            assert cur.rowcount == len(ids_sorted), "stock moved under the raw import"
            copies = [
                ("orders_order", "id, number, channel_id, status, hold_reason, hold_note, customer_id, recipient_name, "
                 "phone, province, city, district, street, buyer_note, seller_note, priority, currency, goods_amount, "
                 "shipping_fee, discount_amount, paid_amount, placed_at, paid_at, promised_ship_at, warehouse_id, "
                 "carrier, tracking_number, created_at, updated_at, exception_reason, exception_note, phone_privacy, "
                 "phone_extension", orders),
                ("orders_ordersource", "order_id, channel_id, external_id, buyer_nick, import_job_id, created_at",
                 sources),
                ("orders_orderline", "order_id, sku_id, sku_code, title, quantity, unit_price, warehouse_id, "
                 "stock_level_id, reserved_quantity, gift", lines),
                ("orders_orderevent", "order_id, action, from_status, to_status, actor_id, at, note, data", events),
                ("inventory_stockmovement", "stock_level_id, delta_on_hand, delta_reserved, reason, note, reference, "
                 "actor_id, at", movements),
            ]
            for table, columns, rows in copies:
                with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            new += len(todo)

    rows = 0
    for order in _orders_from_csv(job["path"]):
        batch.append(order)
        rows += len(order[1])
        if len(batch) >= CHUNK:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    t1 = time.monotonic()
    conn.close()
    cpu = time.process_time() - c0
    return {"t0": t0, "t1": t1, "run_s": t1 - t0, "cpu_s": cpu, "rss_mb": peak_rss_mb(), "new": new, "rows": rows}


# ---- checks and main ---------------------------------------------------------------------------


def summary(code: str) -> tuple:
    from django.db.models import Count, Sum

    from inventory.models import StockMovement
    from orders.models import Order, OrderEvent, OrderLine

    orders = Order.objects.filter(channel__code=code)
    return (
        orders.count(),
        orders.aggregate(g=Sum("goods_amount"), p=Sum("paid_amount")),
        sorted(orders.values_list("status").annotate(n=Count("id"))),
        OrderLine.objects.filter(order__channel__code=code).aggregate(q=Sum("quantity"), r=Sum("reserved_quantity")),
        OrderEvent.objects.filter(order__channel__code=code).count(),
        StockMovement.objects.filter(reference__in=orders.values("number")).aggregate(r=Sum("delta_reserved")),
        orders.filter(customer__isnull=False).count(),
    )


def seed(count: int) -> list[str]:
    from inventory.models import Sku, StockLevel, StockMovement, Warehouse

    warehouses = [Warehouse.objects.create(code=c, name=n, provinces=p) for c, n, p in WAREHOUSES]
    skus = Sku.objects.bulk_create([Sku(code=f"PDD-{i:04d}", name=f"商品{i}") for i in range(count)])
    levels = StockLevel.objects.bulk_create(
        [StockLevel(sku=s, warehouse=w, on_hand=10_000_000) for s in skus for w in warehouses]
    )
    StockMovement.objects.bulk_create(
        [StockMovement(stock_level=lv, delta_on_hand=lv.on_hand, reason="receive", reference="bench") for lv in levels]
    )
    return [s.code for s in skus]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common.add_database_argument(parser)
    if not os.environ.get("DATABASE_URL"):
        parser.set_defaults(database_url=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the export (default 100000)")
    parser.add_argument("--skus", type=int, default=200, help="SKUs in the catalogue (default 200)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="oms-bench-import-"))
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    figures: dict[str, list[float]] = {"ours": [], "raw": []}
    peaks = {"ours": 0.0, "raw": 0.0}
    previews = []
    with _common.BenchDatabase(args.database_url, keep=args.keep) as db:
        from channels.models import Channel, Platform

        skus = seed(args.skus)
        path = folder / "pinduoduo-gbk.csv"
        rows, orders = write_export(path, args.rows, skus)
        size_mb = path.stat().st_size / 2**20
        print(f"import bench: {rows} rows, {orders} orders, GBK CSV {size_mb:.1f} MB; "
              f"{args.warmup} warm-up + {args.rounds} rounds, ours and raw alternately", flush=True)
        conninfo = db.url
        with _common.WorkerPool(1, db.url, handle_ours) as ours, _common.WorkerPool(1, db.url, handle_raw) as raw:
            run = 0
            for round_no in range(1 - args.warmup, args.rounds + 1):
                label = f"r{round_no}" if round_no > 0 else f"warm-up{1 - round_no}"
                codes = {}
                for mode, pool in (("ours", ours), ("raw", raw)):
                    run += 1
                    code = f"bench-{mode}-{label}-{run:02d}"
                    Channel.objects.create(code=code, name=code, platform=Platform.PINDUODUO)
                    codes[mode] = code
                    _wall, (result,) = pool.run({"channel": code, "path": str(path), "conninfo": conninfo})
                    assert result["new"] == orders, result
                    rate = rows / result["run_s"]
                    peaks[mode] = max(peaks[mode], result["rss_mb"])
                    extra = f", preview {result['preview_s']:.1f} s" if mode == "ours" else ""
                    extra += f", CPU {result['cpu_s']:.1f} s (this process)"
                    print(f"{label:>9} {mode:>4}: {rows} rows / {orders} orders in {result['run_s']:6.2f} s = "
                          f"{rate:8.0f} rows/s, {orders / result['run_s']:7.0f} orders/s{extra}, "
                          f"peak RSS {result['rss_mb']:.0f} MB", flush=True)
                    if round_no > 0:
                        figures[mode].append(rate)
                        if mode == "ours":
                            previews.append(result["preview_s"])
                a, b = summary(codes["ours"]), summary(codes["raw"])
                assert a == b, f"ours and raw differ:\n{a}\n{b}"
        print("checks: ours and raw wrote the same orders, lines, events, reservations and movements in every round")
    print(f"peak RSS: ours {peaks['ours']:.0f} MB, raw {peaks['raw']:.0f} MB; "
          f"preview (median) {sorted(previews)[len(previews) // 2]:.1f} s")
    _common.report(unit="rows/s", ours=figures["ours"], raw=figures["raw"], ours_key="rows_per_s")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
