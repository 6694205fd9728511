"""Scanning on the floor: 20 pickers scan items through the real pick view on PostgreSQL; server
time per scan, against a raw-SQL baseline of the same writes.

Each of ``--pickers`` processes (default 20; ``spawn``; one per picker, as one phone each) is a
logged-in picker of the warehouse with a released batch wave of its own: ``--orders`` orders
(default 4) of 5 SKUs × 2 units, so 5 pick lines of 8 units. The picker walks the pick list as
the page shows it: per scan, ``POST /floor/wave/<id>/pick/scan/`` with the item's barcode and a
fresh request id, the way the page's script sends it (``X-Floor-Fetch``, the CSRF token checked),
through Django's whole stack in the worker (``django.test.Client``, no network): middleware,
session and login, the view, the floor service ``pick_scan`` (locks, the scan record), and the
answer with the page's panel rendered. One scan in 20 (``--wrong-share``) is a wrong item:
refused, recorded, nothing moves. Between scans the picker pauses ``--think-ms`` (default 500 ms,
±50%, untimed): a fast picker; 20 of them offer about 40 scans/s. Timed per scan: from the
request entering Django to the response (server time).

Raw baseline, in the same run shape (same processes, waves built the same way, same pacing and
wrong scans): each scan is one psycopg transaction doing what ``pick_scan`` does: find the
current line (first not done in walking order) and its SKU, lock the wave's orders needing that
SKU (pk order) and the line, look the request id up, then for a right item sum what the live
orders still hold, add the unit to the line (closing it when complete), insert the scan record,
and move the wave to picking (and to picked after its last line); a wrong item inserts the
refused record only. No session, no login, no template.

Checks (the script exits non-zero if one fails): every right scan answered 200 and every wrong
one 422 ``wrong_item``; per wave, the units picked equal the right scans, one scan record per scan
(the wrong ones refused), every line done and the wave picked.

What it writes: a dedicated PostgreSQL database (``--database-url``, default
postgres://postgres@127.0.0.1:5432/oms_bench_scan, or $DATABASE_URL; its name must contain
"bench"), dropped and created afresh, migrated, holding one warehouse, 5 SKUs with bins and stock,
the pickers, and per run their orders, waves, sessions and scan records; dropped at the end unless
``--keep``. One warm-up round (one order per wave) first, then ``--rounds`` rounds of ours and raw
alternately; figures are medians over the rounds.

The last line is machine-readable: ``p95_ms=21.4 ratio=3.10 p50_ms=14.2 raw_p95_ms=6.9 raw_p50_ms=3.1``
(ratio = median p95 ours / median p95 raw).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid

import _common

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/oms_bench_scan"
#: (code, barcode, bin, pick sequence)
SKUS = [(f"SCAN-{i}", f"69000000000{i:02d}", f"A-{i:02d}", i * 10) for i in range(1, 6)]
WRONG_CODE = "6900000009999"
UNITS_PER_LINE = 2

CURRENT_LINE_SQL = """
SELECT l.id, l.sku_id, s.code, s.barcode FROM warehouse_pickline l JOIN inventory_sku s ON s.id = l.sku_id
WHERE l.wave_id = %s AND l.done_at IS NULL ORDER BY l.sequence LIMIT 1
"""
LOCK_ORDERS_SQL = """
SELECT o.id, o.status FROM orders_order o WHERE o.id IN (
    SELECT wo.order_id FROM warehouse_waveorder wo JOIN orders_orderline ol ON ol.order_id = wo.order_id
    WHERE wo.wave_id = %s AND wo.active AND ol.sku_id = %s)
ORDER BY o.id FOR UPDATE
"""
LOCK_LINE_SQL = "SELECT picked, short, quantity FROM warehouse_pickline WHERE id = %s FOR UPDATE"
PRIOR_SQL = "SELECT ok FROM warehouse_scanrecord WHERE request_id = %s"
NEED_SQL = "SELECT COALESCE(SUM(reserved_quantity), 0) FROM orders_orderline WHERE order_id = ANY(%s) AND sku_id = %s"
PICK_SQL = """
UPDATE warehouse_pickline SET picked = picked + 1, picked_by_id = %s,
    done_at = CASE WHEN done_at IS NULL AND picked + 1 + short >= LEAST(quantity, %s) THEN now() ELSE done_at END
WHERE id = %s RETURNING done_at IS NOT NULL
"""
RECORD_SQL = """
INSERT INTO warehouse_scanrecord (step, wave_id, line_id, order_id, sku_id, code, quantity, ok, reason, message,
                                  data, actor_id, at, request_id)
VALUES ('pick', %s, %s, NULL, %s, %s, 1, %s, %s, %s, '{}', %s, now(), %s)
"""
STARTED_SQL = "UPDATE warehouse_wave SET status = 'picking' WHERE id = %s AND status = 'released'"
PICKED_SQL = """
UPDATE warehouse_wave SET status = 'picked', picked_at = now() WHERE id = %s AND status = 'picking'
AND NOT EXISTS (SELECT 1 FROM warehouse_pickline WHERE wave_id = %s AND done_at IS NULL)
"""


def plan_scans(lines: list[tuple[str, int]], wrong_share: float, seed: str) -> list[tuple[str, bool]]:
    """(code, right?) in walking order: each line's barcode once per unit, wrong items sprinkled in."""
    rng = random.Random(seed)
    plan = []
    for barcode, quantity in lines:
        for _ in range(quantity):
            if rng.random() < wrong_share:
                plan.append((WRONG_CODE, False))
            plan.append((barcode, True))
    return plan


def _ours(job: dict, worker: int, start) -> dict:
    import logging

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    logging.getLogger("django.request").setLevel(logging.ERROR)  # a refused scan is expected here
    wave_id, plan = job["waves"][worker], job["plans"][worker]
    client = Client(enforce_csrf_checks=True, SERVER_NAME="127.0.0.1")
    client.force_login(get_user_model().objects.get(pk=job["users"][worker]))
    page = f"/floor/wave/{wave_id}/pick/"
    assert client.get(page).status_code == 200
    headers = {"HTTP_X_FLOOR_FETCH": "1", "HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}
    rng = random.Random(f"think:{job['tag']}:{worker}")
    times, bad = [], []
    t0 = start()
    for code, right in plan:
        data = {"code": code, "request_id": uuid.uuid4().hex}
        began = time.perf_counter()
        response = client.post(f"{page}scan/", data, **headers)
        times.append(time.perf_counter() - began)
        expected = (200, "ok") if right else (422, "wrong_item")
        got = (response.status_code, response.json().get("code"))
        if got != expected:
            bad.append(f"{code}: {got} != {expected}")
        time.sleep(job["think"] * rng.uniform(0.5, 1.5))
    t1 = time.monotonic()
    connection.close()
    return {"t0": t0, "t1": t1, "times": times, "bad": bad}


def _raw_scan(conn, wave_id: int, actor_id: int, code: str) -> str:
    with conn.transaction():
        line = conn.execute(CURRENT_LINE_SQL, [wave_id]).fetchone()
        if line is None:
            return "wave_done"
        line_id, sku_id, sku_code, barcode = line
        orders = conn.execute(LOCK_ORDERS_SQL, [wave_id, sku_id]).fetchall()
        conn.execute(LOCK_LINE_SQL, [line_id]).fetchone()
        request_id = uuid.uuid4().hex
        if conn.execute(PRIOR_SQL, [request_id]).fetchone() is not None:
            return "replayed"
        if code not in (sku_code, barcode):
            conn.execute(RECORD_SQL, [wave_id, line_id, None, code, False, "wrong_item", "拿错了", actor_id, request_id])
            return "wrong_item"
        live = [pk for pk, status in orders if status == "picking"]
        (need,) = conn.execute(NEED_SQL, [live, sku_id]).fetchone()
        (closed,) = conn.execute(PICK_SQL, [actor_id, need, line_id]).fetchone()
        conn.execute(RECORD_SQL, [wave_id, line_id, sku_id, code, True, "", "", actor_id, request_id])
        conn.execute(STARTED_SQL, [wave_id])
        if closed:
            conn.execute(PICKED_SQL, [wave_id, wave_id])
        return "ok"


def _raw(job: dict, worker: int, start) -> dict:
    import psycopg

    wave_id, plan, actor_id = job["waves"][worker], job["plans"][worker], job["users"][worker]
    rng = random.Random(f"think:{job['tag']}:{worker}")
    times, bad = [], []
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        t0 = start()
        for code, right in plan:
            began = time.perf_counter()
            outcome = _raw_scan(conn, wave_id, actor_id, code)
            times.append(time.perf_counter() - began)
            if outcome != ("ok" if right else "wrong_item"):
                bad.append(f"{code}: {outcome}")
            time.sleep(job["think"] * rng.uniform(0.5, 1.5))
        t1 = time.monotonic()
    return {"t0": t0, "t1": t1, "times": times, "bad": bad}


def handle(job: dict, worker: int, start) -> dict:
    return (_ours if job["mode"] == "ours" else _raw)(job, worker, start)


def setup(pickers: int):
    """The warehouse, its SKUs on a walk of bins with stock, a channel, and the pickers."""
    from django.contrib.auth import get_user_model

    from channels.models import Channel, Platform
    from inventory.models import Bin, Sku, StockLevel, Warehouse
    from inventory.services import stock_receive
    from oms.roles import PICKER, sync_roles
    from warehouse.models import FloorMember

    sync_roles()
    warehouse = Warehouse.objects.create(code="HZ", name="杭州仓", provinces=["浙江", "上海", "江苏"])
    for code, barcode, bin_code, sequence in SKUS:
        sku = Sku.objects.create(code=code, barcode=barcode, name=f"压测商品 {code}", unit_weight_g=200)
        home = Bin.objects.create(warehouse=warehouse, code=bin_code, pick_sequence=sequence)
        stock_receive(sku=sku, warehouse=warehouse, quantity=1_000_000, reference="opening")
        StockLevel.objects.filter(sku=sku, warehouse=warehouse).update(home_bin=home)
    Channel.objects.create(code="bench-scan", name="压测店", platform=Platform.TAOBAO)
    from django.contrib.auth.models import Group

    group = Group.objects.get(name=PICKER)
    users = []
    for i in range(pickers):
        user = get_user_model().objects.create_user(username=f"picker{i:02d}")
        user.groups.add(group)
        FloorMember.objects.create(user=user, warehouse=warehouse)
        users.append(user)
    return warehouse, users


def build_waves(warehouse, users, orders_per_wave: int, tag: int):
    """One released batch wave per picker, its orders taken in and approved through the services."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from orders.drafts import DraftLine, OrderDraft, Recipient
    from orders.services import order_approve, order_intake
    from warehouse.services import wave_build, wave_release

    boss = get_user_model().objects.get_or_create(username="bench-supervisor", defaults={"is_superuser": True})[0]
    waves = []
    for i, user in enumerate(users):
        for n in range(orders_per_wave):
            draft = OrderDraft(
                channel="bench-scan",
                external_id=f"S{tag:03d}{i:02d}{n:04d}",
                recipient=Recipient(name="王小明", phone="13812341234", province="浙江省", city="杭州市",
                                    district="西湖区", street="文三路 90 号"),
                lines=tuple(DraftLine(sku_code=code, quantity=UNITS_PER_LINE, unit_price=Decimal("9.90"))
                            for code, *_rest in SKUS),
                paid=True,
            )
            order_approve(order=order_intake(draft=draft).order)
        (wave,) = wave_build(warehouse=warehouse, actor=boss, max_orders=orders_per_wave, max_units=10_000)
        waves.append(wave_release(wave=wave, actor=boss, assignee=user))
    return waves


def check_run(waves, plans) -> list[str]:
    from django.db.models import Count, Q, Sum

    from warehouse.models import ScanRecord, WaveStatus

    failures = []
    for wave, plan in zip(waves, plans, strict=True):
        wave.refresh_from_db()
        right = sum(1 for _code, ok in plan if ok)
        picked = wave.lines.aggregate(picked=Sum("picked"), open=Count("id", filter=Q(done_at__isnull=True)))
        scans = ScanRecord.objects.filter(wave=wave).aggregate(all=Count("id"), refused=Count("id", filter=Q(ok=False)))
        if picked != {"picked": right, "open": 0} or wave.status != WaveStatus.PICKED:
            failures.append(f"wave {wave.number}: {picked}, {wave.status}; expected {right} picked, all done")
        if scans != {"all": len(plan), "refused": len(plan) - right}:
            failures.append(f"wave {wave.number}: scan records {scans}; expected {len(plan)}, {len(plan) - right} refused")
    return failures


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common.add_database_argument(parser)
    if not os.environ.get("DATABASE_URL"):
        parser.set_defaults(database_url=DEFAULT_URL)
    parser.add_argument("--pickers", type=int, default=20, help="picker processes (default 20)")
    parser.add_argument("--orders", type=int, default=4, help="orders per picker's wave, 10 units each (default 4)")
    parser.add_argument("--think-ms", type=int, default=500, help="pause between a picker's scans (default 500)")
    parser.add_argument("--wrong-share", type=float, default=0.05, help="share of wrong scans (default 0.05)")
    args = parser.parse_args()

    figures: dict[str, dict[str, list[float]]] = {"ours": {"p50": [], "p95": []}, "raw": {"p50": [], "p95": []}}
    failures: list[str] = []
    print(
        f"scan bench: {args.pickers} pickers, waves of {args.orders} orders ({args.orders * UNITS_PER_LINE * len(SKUS)} "
        f"units), {args.wrong_share:.0%} wrong scans, {args.think_ms} ms think time; {args.warmup} warm-up + "
        f"{args.rounds} rounds, ours and raw alternately",
        flush=True,
    )
    with _common.BenchDatabase(args.database_url, keep=args.keep):
        warehouse, users = setup(args.pickers)
        with _common.WorkerPool(args.pickers, args.database_url, handle) as pool:
            tag = 0
            for round_no in range(1 - args.warmup, args.rounds + 1):
                measured = round_no > 0
                label = f"r{round_no}" if measured else f"warm-up{1 - round_no}"
                for mode in ("ours", "raw"):
                    tag += 1
                    waves = build_waves(warehouse, users, args.orders if measured else 1, tag)
                    plans = [
                        plan_scans([(line.sku.barcode, line.quantity) for line in wave.lines.select_related("sku")
                                    .order_by("sequence")], args.wrong_share, f"{tag}:{i}")
                        for i, wave in enumerate(waves)
                    ]
                    job = {"mode": mode, "tag": tag, "think": args.think_ms / 1000, "plans": plans,
                           "waves": [w.pk for w in waves], "users": [u.pk for u in users]}
                    wall, results = pool.run(job)
                    times = [t for r in results for t in r["times"]]
                    problems = [b for r in results for b in r["bad"]][:5] + check_run(waves, plans)
                    p50, p95 = percentile(times, 50), percentile(times, 95)
                    print(
                        f"{label:>9} {mode:>4}: {len(times)} scans in {wall:6.1f} s ({len(times) / wall:5.1f}/s), "
                        f"server time p50 {p50:6.1f} ms p95 {p95:6.1f} ms max {max(times) * 1000:6.1f} ms, "
                        f"checks {'ok' if not problems else 'FAILED'}",
                        flush=True,
                    )
                    failures += [f"{label} {mode}: {p}" for p in problems]
                    if measured:
                        figures[mode]["p50"].append(p50)
                        figures[mode]["p95"].append(p95)
    for failure in failures:
        print(f"FAIL: {failure}")
    if not failures:
        print("checks: every right scan applied once, every wrong one refused and recorded; every wave picked")
    median = {mode: {k: statistics.median(v) for k, v in f.items()} for mode, f in figures.items()}
    ratio = median["ours"]["p95"] / median["raw"]["p95"]
    print(f"median server time per scan: ours p50 {median['ours']['p50']:.1f} ms p95 {median['ours']['p95']:.1f} ms; "
          f"raw p50 {median['raw']['p50']:.1f} ms p95 {median['raw']['p95']:.1f} ms")
    print(
        f"p95_ms={median['ours']['p95']:.1f} ratio={ratio:.2f} p50_ms={median['ours']['p50']:.1f} "
        f"raw_p95_ms={median['raw']['p95']:.1f} raw_p50_ms={median['raw']['p50']:.1f}",
        flush=True,
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
