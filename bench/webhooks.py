"""Signed webhooks under load: ``POST /channels/<code>/webhook`` served by gunicorn, with the
django-q2 worker (``manage.py qcluster``) taking the inbox into orders, against a raw baseline.

Each round, 20 concurrent senders (``--senders``; ``--sender-processes`` processes of threads,
one new HTTP connection per request, as platforms send) post 10,000 payloads (``--payloads``) in
the five platforms' own shapes (``sample_payload`` of each connector: the simulator's generator
of SKUs, prices, awkward addresses and masked buyers): 75% distinct new orders, 20% duplicate
deliveries of distinct ones of them (the same body, signed again, as a platform's retry; dated
before the round, so never the same signed request as its original), 5% forged (signed with a
wrong secret, a stale timestamp or no signature at all; each a new order that must never appear). Ours then waits until the worker has drained the inbox.

The worker takes the inbox in by the batch (``channels.services.drain``): the first delivery of a
burst queues one drain task, which claims pending messages 100 at a time and takes each batch in
through ``order_intake_batch`` in one transaction; a second drain runs beside it when messages
keep arriving. So that the worker's own pace shows (not the pace webhooks arrive at), each
measured round of ours starts with a backlog of ``--backlog`` (20,000) pending new orders in its
inbox, released to the worker as the senders start. Reported for ours: **orders/s processed
while the senders run** (orders of the round created between the first send and the last
answer, over that time; flagged ARRIVAL-BOUND if the inbox ran empty before the senders
stopped) and orders/s from the first send until the backlog and every delivery are in.

Checks (the script fails if one does not hold): every genuine request 202 and every forged one
401; one order per distinct platform order (0 duplicate orders), none for a forged one; no inbox
message failed; the inbox holds exactly the genuine deliveries.

Raw baseline: the same sends, with the same gunicorn settings, to ``bench/webhook_raw.py``, a
minimal WSGI app that verifies the same HMAC and does one psycopg INSERT into the inbox table.
Rounds alternate ours, raw, with one short unmeasured warm-up of both first; the figures are
medians of ``--rounds`` rounds. On a server with autovacuum off, each round starts after an
untimed ``VACUUM ANALYZE``, as autovacuum would run between bursts. Reported: acknowledgements/s, p50/p95/p99 acknowledgement latency
(client side: connect, send, response read), with the ratios ours/raw, and for ours the orders/s
while sending and to the drained inbox.

What it writes: a dedicated PostgreSQL database (``--database-url``, default
postgres://postgres@127.0.0.1:5432/oms_bench_webhooks, or $DATABASE_URL; its name must contain
"bench"), dropped and created afresh, migrated, with 3 warehouses, 30 SKUs with plenty of stock,
five channels per round for ours and five for raw, and the inbox rows and orders of every round;
dropped at the end unless ``--keep``. It starts two gunicorn servers and one qcluster on
127.0.0.1 and stops them at the end.

The last line is machine-readable:
``ratio=0.61 acks_per_s=410 raw_acks_per_s=672 p95_ms=71 raw_p95_ms=40 p95_ratio=1.78 orders_per_s=450
drained_per_s=420`` (``orders_per_s``: processed while the senders run).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import queue
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import _common

PLATFORMS = ("taobao", "jd", "pinduoduo", "douyin", "aliexpress")
BENCH_DIR = _common.ROOT / "bench"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/oms_bench_webhooks"
WAREHOUSES = [
    ("HZ", "杭州仓", ["浙江", "上海", "江苏"]),
    ("GZ", "广州仓", ["广东", "广西", "福建"]),
    ("BJ", "北京仓", ["北京", "天津", "河北"]),
]
SKU_COUNT = 30

# -- the load ---------------------------------------------------------------------------------------


def build_sends(*, round_no: int, total: int, dup_share: float, forged_share: float, seed: int) -> list[dict]:
    """The round's sends, shuffled: {platform, body, kind ('new', 'dup' or 'forged'), external_id, how}."""
    from channels.connectors import PlatformStatus, get_connector
    from channels.simulator.generator import OrderGenerator, SkuChoice
    from channels.simulator.store import PlatformStore

    rng = random.Random(f"{seed}:{round_no}")
    forged = round(total * forged_share)
    dups = round(total * dup_share)
    new = total - forged - dups
    skus = [SkuChoice(f"W{i:03d}", f"压测商品{i:03d}") for i in range(SKU_COUNT)]
    generator = OrderGenerator(PlatformStore(seed=seed), rate=1, skus=skus, seed=f"{seed}:{round_no}")

    def payload(n: int) -> tuple[str, str, bytes]:
        import json

        platform = PLATFORMS[n % len(PLATFORMS)]
        external_id = f"{round_no:02d}{n:08d}"
        body = get_connector(platform).sample_payload(
            external_id=external_id, lines=generator._lines(), status=PlatformStatus.PAID,
            **generator._recipient(platform),
        )
        return platform, external_id, json.dumps(body, ensure_ascii=False).encode()

    sends = []
    for n in range(new):
        platform, external_id, body = payload(n)
        sends.append({"platform": platform, "external_id": external_id, "body": body, "kind": "new", "how": "signed"})
    # Each original once at most, so that no two duplicates of one body share a timestamp.
    for original in rng.sample(sends[:new], k=min(dups, new)):
        sends.append({**original, "kind": "dup"})
    for n in range(new, new + forged):
        platform, external_id, body = payload(n)
        how = rng.choice(("wrong-secret", "wrong-secret", "stale", "unsigned"))
        sends.append({"platform": platform, "external_id": external_id, "body": body, "kind": "forged", "how": how})
    rng.shuffle(sends)
    return sends


def _headers(send: dict, secret: str, start_at: float) -> dict[str, str]:
    from channels.signing import signed_headers

    headers = {"Content-Type": "application/json", "Content-Length": str(len(send["body"]))}
    if send["how"] == "signed":
        # A platform's retry is signed anew: a duplicate signed in the same second as its original
        # would be the same signed request, a replay (409 from ours, a 500 from the raw baseline's
        # unique constraint). Dated 120 s before the round began (inside the 300 s window) and
        # the original at its sending, they never are.
        stamp = int(start_at) - 120 if send["kind"] == "dup" else int(time.time())
        headers.update(signed_headers(secret, send["body"], stamp))
    elif send["how"] == "wrong-secret":
        headers.update(signed_headers("not-" + secret, send["body"]))
    elif send["how"] == "stale":
        headers.update(signed_headers(secret, send["body"], int(time.time()) - 3600))
    return headers


def _sender_process(port: int, items: list[tuple[int, str, str, dict]], threads: int, start_at: float):
    """In a sender process: ``threads`` threads share ``items`` (index, path, secret, send) from
    ``start_at`` on; returns [(index, status, latency s)] and (first start, last end)."""
    sys.path.insert(0, str(BENCH_DIR))
    work: queue.SimpleQueue = queue.SimpleQueue()
    for item in items:
        work.put(item)
    results: list[tuple[int, int, float]] = []
    lock = threading.Lock()
    ends: list[float] = []

    def run():
        done = []
        while True:
            try:
                index, path, secret, send = work.get_nowait()
            except queue.Empty:
                break
            headers = _headers(send, secret, start_at)
            t0 = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", path, body=send["body"], headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            done.append((index, response.status, time.perf_counter() - t0))
        with lock:
            results.extend(done)
            ends.append(time.monotonic())

    while time.time() < start_at:
        time.sleep(0.005)
    t0 = time.monotonic()
    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results, (t0, max(ends))


def blast(port: int, sends: list[dict], codes: dict[str, str], secrets_by_code: dict[str, str], *,
          senders: int, processes: int) -> tuple[float, float, list[tuple[int, int, float]]]:
    """Send everything with ``senders`` concurrent senders; returns (first start, last end,
    [(index, status, latency s)]), times on the machine's monotonic clock."""
    items = []
    for index, send in enumerate(sends):
        code = codes[send["platform"]]
        items.append((index, f"/channels/{code}/webhook", secrets_by_code[code], send))
    threads = _common.split(senders, processes)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes) as pool:
        start_at = time.time() + 1.5  # every process up and its share unpickled before the start
        jobs = [
            pool.apply_async(_sender_process, (port, items[i::processes], threads[i], start_at))
            for i in range(processes)
        ]
        outcomes = [job.get(timeout=_common.STEP_TIMEOUT) for job in jobs]
    results = [row for rows, _ in outcomes for row in rows]
    return min(span[0] for _, span in outcomes), max(span[1] for _, span in outcomes), results, start_at


# -- the servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(url: str, secret_key: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "oms.settings",
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "LOG_LEVEL": "ERROR",  # not a warning line per forged request
        "DB_CONN_MAX_AGE": "600",
    }


def start_gunicorn(app: str, port: int, env: dict, args, log) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers", str(args.web_workers),
        "--worker-class", args.worker_class, "--threads", str(args.threads), "--backlog", "256",
        "--log-level", "warning", "--chdir", str(_common.ROOT), "--pythonpath", str(BENCH_DIR),
    ]
    process = subprocess.Popen(command, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn {app} exited with {process.returncode}; see {log.name}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn {app} did not start listening on {port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# -- the database side ------------------------------------------------------------------------------


def seed_catalog() -> None:
    from inventory.models import Sku, Warehouse
    from inventory.services import stock_receive

    warehouses = [Warehouse.objects.create(code=c, name=n, provinces=p) for c, n, p in WAREHOUSES]
    for i in range(SKU_COUNT):
        sku = Sku.objects.create(code=f"W{i:03d}", name=f"压测商品{i:03d}", unit_weight_g=100 + i)
        for warehouse in warehouses:
            stock_receive(sku=sku, warehouse=warehouse, quantity=10_000_000, reference="opening")


def make_channels(prefix: str) -> dict[str, str]:
    """One shop per platform; returns {platform: code}."""
    from channels.models import Channel

    codes = {}
    for platform in PLATFORMS:
        code = f"{prefix}-{platform}"
        Channel.objects.create(code=code, name=code, platform=platform)
        codes[platform] = code
    return codes


def orders_between(codes: dict[str, str], start: float, end: float) -> int:
    """Orders of these shops created between two ``time.time()`` instants."""
    from datetime import UTC, datetime

    from django.db import connection

    from orders.models import Order

    connection.close()
    return Order.objects.filter(
        channel__code__in=codes.values(),
        created_at__gte=datetime.fromtimestamp(start, UTC),
        created_at__lte=datetime.fromtimestamp(end, UTC),
    ).count()


#: Far enough ahead that no drain claims a backlog message before ``release_backlog``.
HELD = 10 * 365 * 86400


def store_backlog(sends: list[dict], codes: dict[str, str]) -> None:
    """Store ``sends`` as pending webhook messages that no drain may claim yet (their claim set
    years ahead): the backlog the round starts with."""
    from datetime import timedelta

    from django.utils import timezone

    from channels.models import Channel, InboxMessage, InboxSource

    channels = {c.code: c for c in Channel.objects.filter(code__in=codes.values())}
    held = timezone.now() + timedelta(seconds=HELD)
    InboxMessage.objects.bulk_create(
        [InboxMessage(channel=channels[codes[s["platform"]]], source=InboxSource.WEBHOOK, body=s["body"].decode(),
                      headers={"Content-Type": "application/json"}, claimed_until=held) for s in sends],
        batch_size=2000,
    )


def release_backlog(codes: dict[str, str]) -> None:
    """Free the backlog for the drains and wake one, as webhooks would have."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from channels.models import InboxMessage
    from channels.services import queue

    with transaction.atomic():
        InboxMessage.objects.filter(
            channel__code__in=codes.values(), claimed_until__gt=timezone.now() + timedelta(days=365)
        ).update(claimed_until=None)
        queue.wake()


def pending_in(codes: dict[str, str]) -> int:
    from channels.models import InboxMessage, InboxStatus

    return InboxMessage.objects.filter(channel__code__in=codes.values(), status=InboxStatus.PENDING).count()


def wait_drained(codes: dict[str, str], *, timeout: float) -> float:
    """Wait until no inbox message of these shops is pending and no task is queued; returns the time."""
    from django.db import connection
    from django_q.models import OrmQ

    from channels.models import InboxMessage, InboxStatus

    deadline = time.monotonic() + timeout
    while True:
        pending = InboxMessage.objects.filter(channel__code__in=codes.values(), status=InboxStatus.PENDING).count()
        if not pending and not OrmQ.objects.exists():
            return time.monotonic()
        if time.monotonic() > deadline:
            raise SystemExit(f"FAIL: {pending} inbox messages still pending after {timeout:.0f} s")
        connection.close()  # a fresh snapshot each time, and no idle transaction held
        time.sleep(0.25)


def check_round(sends: list[dict], results: list[tuple[int, int, float]], codes: dict[str, str], *, ours: bool,
                backlog: list[dict] = ()) -> str:
    """The round's checks (see the module docstring); fails the script if one does not hold, else
    says what was checked."""
    from django.db.models import Count

    from channels.models import InboxMessage, InboxStatus
    from orders.models import Order, OrderSource

    def right(send: dict, status: int) -> bool:
        return status == (401 if send["kind"] == "forged" else 202)

    wrong = [(sends[i]["kind"], sends[i]["how"], status) for i, status, _ in results if not right(sends[i], status)]
    if wrong or len(results) != len(sends):
        raise SystemExit(f"FAIL: {len(wrong)} unexpected answers, e.g. {wrong[:5]}; {len(results)}/{len(sends)} sent")
    genuine = sum(1 for i, status, _ in results if sends[i]["kind"] != "forged" and status == 202)
    inbox = InboxMessage.objects.filter(channel__code__in=codes.values())
    genuine += len(backlog)
    if inbox.count() != genuine:
        raise SystemExit(f"FAIL: the inbox holds {inbox.count()} messages, {genuine} genuine deliveries were sent")
    refused = sum(1 for i, status, _ in results if sends[i]["kind"] == "forged" and status == 401)
    said = f"forged refused 401: {refused}/{sum(1 for s in sends if s['kind'] == 'forged')}; inbox rows = genuine deliveries = {genuine}"
    if not ours:
        return said
    new = {(codes[s["platform"]], s["external_id"]) for s in [*sends, *backlog] if s["kind"] == "new"}
    forged = {(codes[s["platform"]], s["external_id"]) for s in sends if s["kind"] == "forged"}
    sources = set(OrderSource.objects.filter(channel__code__in=codes.values()).values_list("channel__code", "external_id"))
    orders = Order.objects.filter(channel__code__in=codes.values()).count()
    repeated = OrderSource.objects.filter(channel__code__in=codes.values()).values("channel", "external_id").annotate(
        n=Count("id")).filter(n__gt=1).count()
    failed = list(inbox.filter(status=InboxStatus.FAILED).values_list("id", "error")[:3])
    if sources != new or orders != len(new) or repeated:
        raise SystemExit(f"FAIL: {orders} orders / {len(sources)} sources for {len(new)} distinct platform orders")
    if sources & forged:
        raise SystemExit("FAIL: a forged payload became an order")
    if failed:
        raise SystemExit(f"FAIL: inbox messages failed: {failed}")
    ignored = inbox.filter(status=InboxStatus.IGNORED).count()
    return (f"{said}; {orders} orders for {len(new)} distinct platform orders: duplicate orders 0; "
            f"{ignored} repeat deliveries ignored, 0 failed")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def autovacuum_off() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0] == "off"


def vacuum() -> None:
    """What autovacuum does between bursts: every round updates each inbox message twice (claimed,
    then its outcome), and without it the dead rows pile up round after round."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common.add_database_argument(parser)
    if not os.environ.get("DATABASE_URL"):
        parser.set_defaults(database_url=DEFAULT_URL)
    parser.set_defaults(warmup=1)
    parser.add_argument("--payloads", type=int, default=10_000, help="requests per round (default 10,000)")
    parser.add_argument("--senders", type=int, default=20, help="concurrent senders (default 20)")
    parser.add_argument("--sender-processes", type=int, default=4, help="processes the senders run in (default 4)")
    parser.add_argument("--duplicates", type=float, default=0.20, help="share of duplicate deliveries (default 0.20)")
    parser.add_argument("--forged", type=float, default=0.05, help="share of forged requests (default 0.05)")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers, both servers (default 4)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default sync)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread; default 1)")
    parser.add_argument(
        "--q-workers", type=int, default=2,
        help="qcluster workers (default 2); 0 runs no worker: the endpoint alone, no orders, no drain",
    )
    parser.add_argument("--port", type=int, default=0,
                        help="port of our server; the raw one listens on the next (default: any free ports)")
    parser.add_argument(
        "--backlog", type=int, default=20_000,
        help="pending new orders in ours' inbox when a measured round starts (default 20,000): the worker "
        "drains them while the senders send, so the orders/s while sending is the worker's own pace",
    )
    parser.add_argument("--warmup-payloads", type=int, default=400, help="requests per warm-up round (default 400)")
    parser.add_argument("--drain-timeout", type=float, default=900, help="seconds to wait for the inbox (default 900)")
    args = parser.parse_args()

    print(
        f"webhooks bench: {args.senders} senders x {args.payloads} requests a round "
        f"({args.duplicates:.0%} duplicates, {args.forged:.0%} forged), gunicorn {args.web_workers} "
        f"{args.worker_class} workers x {args.threads} threads, qcluster {args.q_workers} workers "
        f"(backlog {args.backlog:,} at the start of a measured round), "
        f"{args.warmup} warm-up + {args.rounds} rounds, ours and raw alternately",
        flush=True,
    )
    figures: dict[str, list[float]] = {k: [] for k in ("acks", "raw_acks", "p50", "p95", "p99", "raw_p50",
                                                       "raw_p95", "raw_p99", "orders", "drained")}
    secret_key = secrets.token_urlsafe(40)
    # This process queues drain tasks too (the backlog's wake-up): signed with the servers' key,
    # or the worker would refuse them.
    os.environ["SECRET_KEY"] = secret_key
    with _common.BenchDatabase(args.database_url, keep=args.keep):
        from channels.models import Channel

        seed_catalog()
        env = server_env(args.database_url, secret_key)
        ours_port, raw_port = (args.port, args.port + 1) if args.port else (free_port(), free_port())
        servers = []
        log = tempfile.NamedTemporaryFile("w+", prefix="bench-webhooks-", suffix=".log", delete=False)  # noqa: SIM115
        print(f"server and worker output: {log.name}", flush=True)
        try:
            servers.append(start_gunicorn("oms.wsgi:application", ours_port, env, args, log))
            servers.append(start_gunicorn("webhook_raw:app", raw_port, env, args, log))
            if args.q_workers:
                servers.append(subprocess.Popen(
                    [sys.executable, "manage.py", "qcluster"], cwd=_common.ROOT, stdout=log, stderr=subprocess.STDOUT,
                    env={**env, "Q_WORKERS": str(args.q_workers)}, start_new_session=True,
                ))
            vacuum_between = autovacuum_off()
            if vacuum_between:
                print("this PostgreSQL runs with autovacuum off: VACUUM ANALYZE before each round (untimed), as "
                      "autovacuum would between bursts", flush=True)
            for round_no in range(1 - args.warmup, args.rounds + 1):
                measured = round_no > 0
                label = f"r{round_no}" if measured else f"warm-up{1 - round_no}"
                total = args.payloads if measured else args.warmup_payloads
                sends = build_sends(round_no=round_no + 50, total=total, dup_share=args.duplicates,
                                    forged_share=args.forged, seed=7)
                drain_ours = args.q_workers > 0
                backlog = build_sends(round_no=round_no + 80, total=args.backlog, dup_share=0, forged_share=0,
                                      seed=7) if measured and drain_ours and args.backlog else []
                if vacuum_between:
                    vacuum()
                for mode, port in (("ours", ours_port), ("raw", raw_port)):
                    codes = make_channels(f"{mode}-{label}")
                    shop_secrets = dict(Channel.objects.filter(code__in=codes.values()).values_list("code", "webhook_secret"))
                    waiting = backlog if mode == "ours" else []
                    if waiting:
                        store_backlog(waiting, codes)
                        release_backlog(codes)
                    started, ended, results, start_wall = blast(port, sends, codes, shop_secrets, senders=args.senders,
                                                                processes=args.sender_processes)
                    end_wall = time.time()
                    wall = ended - started
                    latencies = [s * 1000 for i, status, s in results if status == 202]
                    p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
                    acks = len(results) / wall
                    line = (f"{label:>9} {mode:>4}: {len(results)} requests in {wall:6.2f} s = {acks:6.1f}/s, "
                            f"ack p50 {p50:5.1f} ms p95 {p95:5.1f} ms p99 {p99:6.1f} ms")
                    if mode == "ours" and drain_ours:
                        during = orders_between(codes, start_wall, end_wall) / (end_wall - start_wall)
                        left = pending_in(codes)
                        drained = wait_drained(codes, timeout=args.drain_timeout)
                        taken = sum(1 for s in [*sends, *waiting] if s["kind"] == "new")
                        drained_rate = taken / (drained - started)
                        line += (f"; {during:5.1f} orders/s while sending ({len(waiting)} waiting at the start, "
                                 f"{left} still pending at the end{'' if left else ': ARRIVAL-BOUND'}); all "
                                 f"{taken} in after {drained - started:6.1f} s = {drained_rate:5.1f} orders/s")
                    print(line, flush=True)
                    checked = check_round(sends, results, codes, ours=mode == "ours" and drain_ours, backlog=waiting)
                    print(f"{'':>15}{checked}", flush=True)
                    if measured:
                        prefix = "" if mode == "ours" else "raw_"
                        figures[prefix + "acks"].append(acks)
                        figures[prefix + "p50"].append(p50)
                        figures[prefix + "p95"].append(p95)
                        figures[prefix + "p99"].append(p99)
                        if mode == "ours" and args.q_workers:
                            figures["orders"].append(during)
                            figures["drained"].append(drained_rate)
        finally:
            for process in reversed(servers):
                stop(process)
        if args.q_workers:
            print("checks: every genuine request 202, every forged one 401; one order per distinct platform order, "
                  "none for a forged one; no inbox message failed")
        else:
            print("checks: every genuine request 202, every forged one 401 (no worker ran: orders not checked)")
    med = {key: statistics.median(values) for key, values in figures.items() if values}
    print()
    print(f"{'median':>9}  {'ours':>9}  {'raw':>9}  {'ours/raw':>8}")
    for name, key in (("acks/s", "acks"), ("p50 ms", "p50"), ("p95 ms", "p95"), ("p99 ms", "p99")):
        print(f"{name:>9}  {med[key]:>9.1f}  {med['raw_' + key]:>9.1f}  {med[key] / med['raw_' + key]:>8.2f}")
    orders, drained_rate = med.get("orders", 0.0), med.get("drained", 0.0)
    if figures["orders"]:
        print(f"{'orders/s':>9}  {orders:>9.1f}  (processed while the senders run)")
        print(f"{'drained':>9}  {drained_rate:>9.1f}  (orders/s, first send to drained inbox; duplicates and forged "
              "excluded)")
    print(
        f"ratio={med['acks'] / med['raw_acks']:.2f} acks_per_s={med['acks']:.0f} raw_acks_per_s={med['raw_acks']:.0f} "
        f"p95_ms={med['p95']:.1f} raw_p95_ms={med['raw_p95']:.1f} p95_ratio={med['p95'] / med['raw_p95']:.2f} "
        f"orders_per_s={orders:.0f} drained_per_s={drained_rate:.0f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
