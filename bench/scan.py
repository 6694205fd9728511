"""Scanning on the floor: 20 pickers scan items through the real pick view, served by gunicorn on
PostgreSQL; server time per scan, against a raw-SQL baseline of the same writes.

Each of ``--pickers`` pickers (default 20; one thread each, as one phone each) is logged in (a
session cookie) with a released batch wave of its own: ``--orders`` orders (default 4) of 5 SKUs
× 2 units, so 5 pick lines of 8 units. The picker walks the pick list as the page shows it: per
scan, ``POST /floor/wave/<id>/pick/scan/`` with the item's barcode and a fresh request id, the way
the page's script sends it (``X-Floor-Fetch``, the CSRF token checked), over HTTP to gunicorn
(``--web-workers``, default 4, sync) running the project: middleware, session and login, the view,
the floor service ``pick_scan`` (locks, the scan record) and the answer with the page's panel
rendered. One scan in 20 (``--wrong-share``) is a wrong item: refused, recorded, nothing moves.
Between scans the picker pauses ``--think-ms`` (default 500 ms, ±50%): a fast picker; 20 of them
offer about 40 scans/s.

Server time per scan is gunicorn's own request time (access log ``%(D)s``: from the request
parsed to the response written, inside the worker; a request waiting for a free worker is not
counted). The client's time per scan (connect, send, answer, on localhost) is printed beside it.

Raw baseline, in the same run shape (same gunicorn settings, waves built the same way, same
pickers, pacing and wrong scans): ``bench/scan_raw.py``, a minimal WSGI app doing the same reads,
locks and writes in one psycopg transaction per scan, without session, login or template.

Checks (the script exits non-zero if one fails): every right scan answered 200 and every wrong
one 422 ``wrong_item``; per wave, the units picked equal the right scans, one scan record per scan
(the wrong ones refused), every line done and the wave picked.

What it writes: a dedicated PostgreSQL database (``--database-url``, default
postgres://postgres@127.0.0.1:5432/oms_bench_scan, or $DATABASE_URL; its name must contain
"bench"), dropped and created afresh, migrated, holding one warehouse, 5 SKUs with bins and stock,
the pickers and their sessions, and per run their orders, waves and scan records; dropped at the
end unless ``--keep``. It starts two gunicorn servers on 127.0.0.1 and stops them at the end. One
warm-up round (one order per wave) first, then ``--rounds`` rounds of ours and raw alternately;
figures are medians over the rounds.

The last line is machine-readable: ``p95_ms=21.4 ratio=3.10 p50_ms=14.2 raw_p95_ms=6.9 raw_p50_ms=3.1``
(server time; ratio = median p95 ours / median p95 raw).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import _common
from webhooks import free_port, server_env, start_gunicorn, stop

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/oms_bench_scan"
#: (code, barcode, bin, pick sequence)
SKUS = [(f"SCAN-{i}", f"69000000000{i:02d}", f"A-{i:02d}", i * 10) for i in range(1, 6)]
WRONG_CODE = "6900000009999"
UNITS_PER_LINE = 2
ACCESS_FORMAT = "%(U)s %(s)s %(D)s"


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


def picker_walk(port: int, picker: dict, plan: list[tuple[str, bool]], mode: str, think: float, seed: str) -> dict:
    """One picker's scans, paced like a person; returns client times and unexpected answers."""
    rng = random.Random(seed)
    times, bad = [], []
    for code, right in plan:
        request_id = uuid.uuid4().hex
        if mode == "ours":
            path = f"/floor/wave/{picker['wave']}/pick/scan/"
            body = urlencode({"code": code, "request_id": request_id})
            headers = {"Cookie": f"sessionid={picker['session']}; csrftoken={picker['csrf']}",
                       "X-CSRFToken": picker["csrf"], "X-Floor-Fetch": "1"}
        else:
            path = "/scan"
            body = urlencode({"wave": picker["wave"], "actor": picker["user"], "code": code, "request_id": request_id})
            headers = {}
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        began = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        times.append(time.perf_counter() - began)
        expected = (200, "ok") if right else (422, "wrong_item")
        try:
            got = (response.status, json.loads(raw).get("code"))
        except ValueError:
            got = (response.status, raw[:80])
        if got != expected:
            bad.append(f"{code}: {got} != {expected}")
        time.sleep(think * rng.uniform(0.5, 1.5))
    return {"times": times, "bad": bad}


def run_pickers(port: int, pickers: list[dict], plans: list, mode: str, think: float, tag: int):
    results: list[dict] = [{} for _ in pickers]

    def walk(i: int) -> None:
        results[i] = picker_walk(port, pickers[i], plans[i], mode, think, f"think:{tag}:{i}")

    threads = [threading.Thread(target=walk, args=(i,)) for i in range(len(pickers))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started, results


def setup(pickers: int) -> tuple:
    """The warehouse, its SKUs on a walk of bins with stock, a channel, and the logged-in pickers."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

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
    group = Group.objects.get(name=PICKER)
    people = []
    for i in range(pickers):
        user = get_user_model().objects.create_user(username=f"picker{i:02d}")
        user.groups.add(group)
        FloorMember.objects.create(user=user, warehouse=warehouse)
        client = Client()
        client.force_login(user)  # a session row in the database, as a phone's login leaves
        people.append({"user": user.pk, "session": client.cookies["sessionid"].value,
                       "csrf": secrets.token_hex(16)})
    return warehouse, people


def build_waves(warehouse, people: list[dict], orders_per_wave: int, tag: int) -> list:
    """One released batch wave per picker, its orders taken in and approved through the services."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from orders.drafts import DraftLine, OrderDraft, Recipient
    from orders.services import order_approve, order_intake
    from warehouse.services import wave_build, wave_release

    boss = get_user_model().objects.get_or_create(username="bench-supervisor", defaults={"is_superuser": True})[0]
    recipient = Recipient(name="王小明", phone="13812341234", province="浙江省", city="杭州市", district="西湖区",
                          street="文三路 90 号")
    lines = tuple(DraftLine(sku_code=code, quantity=UNITS_PER_LINE, unit_price=Decimal("9.90")) for code, *_ in SKUS)
    waves = []
    for i, person in enumerate(people):
        for n in range(orders_per_wave):
            draft = OrderDraft(channel="bench-scan", external_id=f"S{tag:03d}{i:02d}{n:04d}", recipient=recipient,
                               lines=lines, paid=True)
            order_approve(order=order_intake(draft=draft).order)
        (wave,) = wave_build(warehouse=warehouse, actor=boss, max_orders=orders_per_wave, max_units=10_000)
        waves.append(wave_release(wave=wave, actor=boss, assignee=get_user_model().objects.get(pk=person["user"])))
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


def server_times(log: Path, offset: int, path_part: str) -> tuple[list[float], int]:
    """Request times (s) of the scan requests gunicorn logged since ``offset``; and the new offset."""
    with open(log, "rb") as handle:
        handle.seek(offset)
        text = handle.read().decode()
        end = handle.tell()
    times = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and path_part in parts[0] and parts[2].isdigit():
            times.append(int(parts[2]) / 1_000_000)
    return times, end


def percentile_ms(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common.add_database_argument(parser)
    if not os.environ.get("DATABASE_URL"):
        parser.set_defaults(database_url=DEFAULT_URL)
    parser.add_argument("--pickers", type=int, default=20, help="pickers scanning at once (default 20)")
    parser.add_argument("--orders", type=int, default=4, help="orders per picker's wave, 10 units each (default 4)")
    parser.add_argument("--think-ms", type=int, default=500, help="pause between a picker's scans (default 500)")
    parser.add_argument("--wrong-share", type=float, default=0.05, help="share of wrong scans (default 0.05)")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers, both servers (default 4)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default sync)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1)")
    args = parser.parse_args()

    # The sessions made here must be valid in the servers: one secret key for all.
    secret_key = os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    figures = {mode: {"p50": [], "p95": []} for mode in ("ours", "raw")}
    failures: list[str] = []
    print(
        f"scan bench: {args.pickers} pickers, waves of {args.orders} orders "
        f"({args.orders * UNITS_PER_LINE * len(SKUS)} units), {args.wrong_share:.0%} wrong scans, "
        f"{args.think_ms} ms think time, gunicorn {args.web_workers} {args.worker_class} workers; "
        f"{args.warmup} warm-up + {args.rounds} rounds, ours and raw alternately",
        flush=True,
    )
    with _common.BenchDatabase(args.database_url, keep=args.keep), tempfile.TemporaryDirectory() as folder:
        warehouse, people = setup(args.pickers)
        ports = {"ours": free_port(), "raw": free_port()}
        logs = {mode: Path(folder) / f"{mode}-access.log" for mode in ports}
        offsets = {mode: 0 for mode in ports}
        servers = []
        with open(Path(folder) / "gunicorn.log", "w") as log:
            try:
                for mode, app in (("ours", "oms.wsgi:application"), ("raw", "scan_raw:app")):
                    env = {**server_env(args.database_url, secret_key),
                           "GUNICORN_CMD_ARGS": f"--access-logfile {logs[mode]} --access-logformat '{ACCESS_FORMAT}'"}
                    servers.append(start_gunicorn(app, ports[mode], env, args, log))
                tag = 0
                for round_no in range(1 - args.warmup, args.rounds + 1):
                    measured = round_no > 0
                    label = f"r{round_no}" if measured else f"warm-up{1 - round_no}"
                    for mode in ("ours", "raw"):
                        tag += 1
                        waves = build_waves(warehouse, people, args.orders if measured else 1, tag)
                        plans = [
                            plan_scans([(ln.sku.barcode, ln.quantity) for ln in w.lines.select_related("sku")
                                        .order_by("sequence")], args.wrong_share, f"{tag}:{i}")
                            for i, w in enumerate(waves)
                        ]
                        pickers = [{**person, "wave": wave.pk} for person, wave in zip(people, waves, strict=True)]
                        wall, results = run_pickers(ports[mode], pickers, plans, mode, args.think_ms / 1000, tag)
                        time.sleep(0.5)  # the access log is written after the response
                        served, offsets[mode] = server_times(logs[mode], offsets[mode], "scan")
                        client = [t for r in results for t in r["times"]]
                        problems = [b for r in results for b in r["bad"]][:5] + check_run(waves, plans)
                        if len(served) != len(client):
                            problems.append(f"gunicorn logged {len(served)} scans, {len(client)} were sent")
                        p50, p95 = percentile_ms(served, 50), percentile_ms(served, 95)
                        print(
                            f"{label:>9} {mode:>4}: {len(client)} scans in {wall:5.1f} s ({len(client) / wall:4.1f}/s); "
                            f"server time p50 {p50:6.1f} ms p95 {p95:6.1f} ms max {max(served) * 1000:6.1f} ms; "
                            f"client p95 {percentile_ms(client, 95):6.1f} ms; checks {'ok' if not problems else 'FAILED'}",
                            flush=True,
                        )
                        failures += [f"{label} {mode}: {p}" for p in problems]
                        if measured:
                            figures[mode]["p50"].append(p50)
                            figures[mode]["p95"].append(p95)
            finally:
                for server in servers:
                    stop(server)
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
