"""HTTP intake under load: ``POST /api/v1/orders`` and ``POST /api/v1/orders/batch`` served by a
real gunicorn on PostgreSQL, against the raw-SQL baseline of the same writes in the same run.

Each round, for ``--seconds`` each:

* **ours, N clients** (``--clients``, default 20; threads spread over ``--client-processes``
  processes): each client holds one HTTP/1.1 connection it reuses (gunicorn's sync workers close
  it after each answer; the client then opens a new one, as any keep-alive client would) and its
  own integration token, and posts realistic 3-line orders (``bench/intake.py``'s generator: paid
  or not, provinces, buyer notes; auto-review and routing rules on) one after another with
  ``Idempotency-Key``. Counted: answers 201 per second, latency p50/p95/p99 (client side).
* **ours, 1 client**: the same with one client, for the latency of a request on a quiet server.
* **batch**: ``--batch-clients`` clients (default 4) post ``--batch-size`` orders (default 250) at a
  time to the batch endpoint with ``Idempotency-Key``. Counted: orders answered ``created`` or
  ``held`` per second.
* **raw**: ``--raw-processes`` processes (default: the gunicorn workers) take the same kind of
  orders in with ``bench/raw_intake.py`` (psycopg 3, pipeline mode, the same rows: order, lines,
  source, events, reservation, ledger, customer) for the same time.

Checks (the script fails if one does not hold): every answer is 201 (single) or 200 with no
``invalid`` (batch); the orders in the database are exactly the ones answered; every stock row
matches its ledger. Rounds: one short warm-up, then ``--rounds`` (default 3); figures are medians.
On a server with autovacuum off, each run starts after an untimed ``VACUUM ANALYZE`` (every
request updates its token's rate-limit row and its idempotency record: without it the dead rows
pile up run after run).

What it writes: a dedicated PostgreSQL database (``--database-url``, default
postgres://postgres@127.0.0.1:5432/oms_bench_http, or $DATABASE_URL; its name must contain
"bench"), dropped and created afresh, migrated, with 3 warehouses, 60 SKUs with 1,000,000 units each
in every warehouse, the review and routing rules of ``bench/intake.py``, one API user and token per
client, one channel per run and the orders of every run; dropped at the end unless ``--keep``. It
starts one gunicorn (``--web-workers`` sync workers, default 4, persistent database connections) on
127.0.0.1 (``--port``, default a free one) and stops it at the end.

The last line is machine-readable:
``orders_per_s=231 p99_ms=104.2 batch_per_s=812 ratio=0.55 p50_1_ms=8.1 raw_per_s=420``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time

import _common
from intake import build_drafts, check_ledger, seed_catalog
from webhooks import autovacuum_off, free_port, percentile, start_gunicorn, stop, vacuum

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/oms_bench_http"


def draft_body(draft) -> dict:
    """The API's JSON for a bench draft (``orders.serializers.OrderIntakeInput``)."""
    recipient = draft.recipient
    return {
        "channel": draft.channel,
        "external_id": draft.external_id,
        "recipient": {
            "name": recipient.name, "phone": recipient.phone, "province": recipient.province,
            "city": recipient.city, "district": recipient.district, "street": recipient.street,
        },
        "lines": [{"sku_code": x.sku_code, "quantity": x.quantity, "unit_price": str(x.unit_price)} for x in draft.lines],
        "paid": draft.paid,
        "placed_at": draft.placed_at.isoformat() if draft.placed_at else None,
        "paid_at": draft.paid_at.isoformat() if draft.paid_at else None,
        "promised_ship_at": draft.promised_ship_at.isoformat() if draft.promised_ship_at else None,
        "shipping_fee": str(draft.shipping_fee),
        "discount_amount": str(draft.discount_amount),
        "buyer_note": draft.buyer_note,
        "priority": draft.priority,
    }


CHUNK = 250


def bodies_for(job: dict, client: int):
    """The client's orders as API bodies, made ``CHUNK`` at a time as the run needs them."""
    chunk = 0
    while True:
        drafts = build_drafts({**job, "orders": CHUNK, "seed": f"{job['seed']}c{chunk}x"}, client)
        yield from (draft_body(d) for d in drafts)
        chunk += 1


# -- the clients (in client processes) --------------------------------------------------------------


def _client_process(port: int, job: dict, tokens: list[str], first: int, start_at: float, seconds: float):
    """``len(tokens)`` client threads, from ``start_at`` for ``seconds``; returns
    [(status, latency s, orders answered)] per request and the (start, end) of the process."""
    _common.configure_django(job["url"])
    results: list[tuple[int, float, int]] = []
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()
    batch = job["batch_size"]

    def run(index: int, token: str):
        bodies = bodies_for(job, first + index)
        ready = [next(bodies) for _ in range(batch or 1)]
        headers = {"Content-Type": "application/json", "Authorization": f"Token {token}", "Connection": "keep-alive"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        done, n = [], 0
        while time.time() < start_at:
            time.sleep(0.002)
        began = time.time()
        deadline = began + seconds
        while time.time() < deadline:
            if batch:
                payload, path, count = {"orders": ready}, "/api/v1/orders/batch", batch
            else:
                payload, path, count = ready[0], "/api/v1/orders", 1
            data = json.dumps(payload).encode()
            key = f"{job['channel']}-{first + index}-{n}"
            t0 = time.perf_counter()
            conn.request("POST", path, body=data, headers={**headers, "Idempotency-Key": key})
            response = conn.getresponse()
            answer = response.read()
            elapsed = time.perf_counter() - t0
            if batch:
                counts = json.loads(answer) if response.status == 200 else {}
                good = counts.get("created", 0) + counts.get("held", 0)
                ok = response.status == 200 and good + counts.get("duplicate", 0) == count and not counts.get("invalid")
                done.append((response.status if ok else -response.status, elapsed, good))
            else:
                done.append((response.status, elapsed, 1 if response.status == 201 else 0))
            if response.will_close:
                conn.close()
            n += count
            ready = [next(bodies) for _ in range(batch or 1)]
        conn.close()
        with lock:
            results.extend(done)
            spans.append((began, time.time()))

    threads = [threading.Thread(target=run, args=(i, token)) for i, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, spans


def load(port: int, job: dict, tokens: list[str], processes: int, seconds: float):
    """Run the clients; returns ([(status, latency s, orders)], wall seconds from the first client's
    start to the last one's end)."""
    processes = max(1, min(processes, len(tokens)))
    shares = _common.split(len(tokens), processes)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes) as pool:
        start_at = time.time() + 8  # every process up and Django set up before the start (else: when ready)
        jobs, first = [], 0
        for share in shares:
            jobs.append(pool.apply_async(_client_process, (port, job, tokens[first : first + share], first, start_at, seconds)))
            first += share
        outcomes = [j.get(timeout=_common.STEP_TIMEOUT) for j in jobs]
    spans = [span for _rows, process_spans in outcomes for span in process_spans]
    wall = max(end for _b, end in spans) - min(began for began, _e in spans)
    return [row for rows, _spans in outcomes for row in rows], wall


# -- the raw baseline (in worker processes) ---------------------------------------------------------


def raw_handle(job: dict, worker: int, start) -> dict:
    import psycopg
    from django.conf import settings
    from raw_intake import RawIntake

    drafts = build_drafts({**job, "orders": job["per_process"]}, worker)
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        raw = RawIntake(conn, prefix=settings.ORDER_NUMBER_PREFIX)
        t0 = start()
        deadline, n = t0 + job["seconds"], 0
        while time.monotonic() < deadline:
            if n == len(drafts):
                raise AssertionError("the raw baseline ran out of orders; raise --raw-orders")
            if not raw.intake(drafts[n])[1]:
                raise AssertionError(f"{drafts[n].external_id} was taken as a repeat")
            n += 1
        t1 = time.monotonic()
    return {"t0": t0, "t1": t1, "orders": n}


# -- the database side ------------------------------------------------------------------------------


def make_tokens(count: int) -> list[str]:
    from django.contrib.auth.models import Permission, User
    from rest_framework.authtoken.models import Token

    perms = list(Permission.objects.filter(content_type__app_label="orders",
                                           codename__in=["add_order", "view_order", "view_pii"]))
    keys = []
    for i in range(count):
        user = User.objects.create_user(username=f"bench-erp-{i:02d}")
        user.user_permissions.add(*perms)
        keys.append(Token.objects.create(user=user).key)
    return keys


def new_channel(label: str) -> str:
    from channels.models import Channel, Platform

    Channel.objects.create(code=label, name=label, platform=Platform.TAOBAO)
    return label


def check_written(channel: str, answered: int) -> None:
    from orders.models import Order, OrderSource

    orders = Order.objects.filter(channel__code=channel).count()
    sources = OrderSource.objects.filter(channel__code=channel).count()
    if orders != answered or sources != answered:
        raise SystemExit(f"FAIL: {channel}: {answered} orders answered, {orders} orders / {sources} sources written")


def summarize(label: str, results, seconds: float) -> dict:
    bad = [status for status, _s, _n in results if status not in (200, 201)]
    if bad:
        raise SystemExit(f"FAIL: {label}: {len(bad)} unexpected answers, e.g. {bad[:5]}")
    latencies = [s * 1000 for _status, s, _n in results]
    orders = sum(n for _status, _s, n in results)
    return {
        "orders": orders, "per_s": orders / seconds, "requests": len(results),
        "p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common.add_database_argument(parser)
    if not os.environ.get("DATABASE_URL"):
        parser.set_defaults(database_url=DEFAULT_URL)
    parser.add_argument("--seconds", type=float, default=15, help="length of each measured run (default 15)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--client-processes", type=int, default=4, help="processes the clients run in (default 4)")
    parser.add_argument("--batch-clients", type=int, default=4, help="concurrent batch clients (default 4)")
    parser.add_argument("--batch-size", type=int, default=250, help="orders per batch request (default 250)")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--raw-processes", type=int, default=0, help="raw baseline processes (default: --web-workers)")
    parser.add_argument("--raw-orders", type=int, default=4000, help="orders prepared per raw process (default 4000)")
    parser.add_argument("--port", type=int, default=0, help="gunicorn port (default: a free one)")
    args = parser.parse_args()
    args.worker_class, args.threads = "sync", 1
    raw_processes = args.raw_processes or args.web_workers
    print(
        f"http intake bench: gunicorn {args.web_workers} sync workers; {args.clients} clients and 1 client posting "
        f"3-line orders, {args.batch_clients} clients posting batches of {args.batch_size}, raw baseline in "
        f"{raw_processes} processes; {args.seconds:.0f} s per run, {args.warmup} warm-up + {args.rounds} rounds",
        flush=True,
    )
    names = ("orders", "p50", "p95", "p99", "one_p50", "one_p99", "batch", "batch_p50", "raw")
    figures: dict[str, list[float]] = {k: [] for k in names}
    with _common.BenchDatabase(args.database_url, keep=args.keep):
        skus = seed_catalog(60)
        tokens = make_tokens(max(args.clients, args.batch_clients))
        env = {
            **os.environ, "DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "oms.settings", "DEBUG": "0",
            "SECRET_KEY": os.environ["SECRET_KEY"], "LOG_LEVEL": "ERROR", "DB_CONN_MAX_AGE": "600",
        }
        port = args.port or free_port()
        log = tempfile.NamedTemporaryFile("w+", prefix="bench-http-", suffix=".log", delete=False)  # noqa: SIM115
        print(f"server output: {log.name}", flush=True)
        server = start_gunicorn("oms.wsgi:application", port, env, args, log)
        vacuum_between = autovacuum_off()
        if vacuum_between:
            print("this PostgreSQL runs with autovacuum off: VACUUM ANALYZE before each run (untimed), as autovacuum "
                  "would between bursts", flush=True)
        try:
            with _common.WorkerPool(raw_processes, args.database_url, raw_handle) as pool:
                for round_no in range(1 - args.warmup, args.rounds + 1):
                    measured = round_no > 0
                    label = f"r{round_no}" if measured else "warm-up"
                    seconds = args.seconds if measured else min(args.seconds, 5)
                    base = {"url": args.database_url, "skus": skus, "phone_pool": 5000, "seconds": seconds,
                            "per_process": args.raw_orders, "batch_size": 0}
                    runs = [
                        ("ours", args.clients, 0),
                        ("one", 1, 0),
                        ("batch", args.batch_clients, args.batch_size),
                    ]
                    for mode, clients, batch in runs:
                        if vacuum_between:
                            vacuum()
                        channel = new_channel(f"http-{mode}-{label}")
                        job = {**base, "channel": channel, "seed": f"{mode}{round_no}", "phone_tag": 10 + round_no,
                               "batch_size": batch}
                        results, wall = load(port, job, tokens[:clients], min(args.client_processes, clients), seconds)
                        s = summarize(f"{label} {mode}", results, wall)
                        check_written(channel, s["orders"])
                        print(f"{label:>8} {mode:>5}: {s['orders']:6d} orders in {wall:4.1f} s = {s['per_s']:6.1f}/s, "
                              f"{s['requests']} requests, p50 {s['p50']:6.1f} ms p95 {s['p95']:6.1f} ms "
                              f"p99 {s['p99']:6.1f} ms", flush=True)
                        if measured:
                            if mode == "ours":
                                figures["orders"].append(s["per_s"])
                                figures["p50"].append(s["p50"])
                                figures["p95"].append(s["p95"])
                                figures["p99"].append(s["p99"])
                            elif mode == "one":
                                figures["one_p50"].append(s["p50"])
                                figures["one_p99"].append(s["p99"])
                            else:
                                figures["batch"].append(s["per_s"])
                                figures["batch_p50"].append(s["p50"])
                    if vacuum_between:
                        vacuum()
                    channel = new_channel(f"http-raw-{label}")
                    job = {**base, "channel": channel, "seed": f"raw{round_no}", "phone_tag": 10 + round_no}
                    wall, results = pool.run(job)
                    done = sum(r["orders"] for r in results)
                    check_written(channel, done)
                    print(f"{label:>8} {'raw':>5}: {done:6d} orders in {wall:.1f} s = {done / wall:6.1f}/s", flush=True)
                    if measured:
                        figures["raw"].append(done / wall)
        finally:
            stop(server)
        check_ledger()
        print("checks: every answer 201 (batch: 200, none invalid); the orders written are exactly the ones answered; "
              "every stock row matches its ledger")
    med = {key: statistics.median(values) for key, values in figures.items()}
    print()
    print(f"median of {args.rounds} rounds:")
    print(f"  {args.clients} clients: {med['orders']:.1f} orders/s, p50 {med['p50']:.1f} ms, p95 {med['p95']:.1f} ms, "
          f"p99 {med['p99']:.1f} ms")
    print(f"  1 client: p50 {med['one_p50']:.1f} ms, p99 {med['one_p99']:.1f} ms")
    print(f"  batch ({args.batch_clients} clients x {args.batch_size}): {med['batch']:.1f} orders/s, "
          f"p50 {med['batch_p50']:.0f} ms per request")
    print(f"  raw SQL ({raw_processes} processes): {med['raw']:.1f} orders/s")
    print(
        f"orders_per_s={med['orders']:.0f} p99_ms={med['p99']:.1f} batch_per_s={med['batch']:.0f} "
        f"ratio={med['orders'] / med['raw']:.2f} p50_1_ms={med['one_p50']:.1f} raw_per_s={med['raw']:.0f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    sys.exit(main())
