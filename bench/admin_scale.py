"""The admin's lists, filters, sorts, searches and pages, and the API's order list, over a million
orders on PostgreSQL.

What it writes: a dedicated PostgreSQL database (``--database-url``, default
postgres://postgres@127.0.0.1:5432/oms_bench, or $DATABASE_URL; its name must contain "bench"),
dropped and created afresh, migrated, then filled by ``INSERT … SELECT generate_series`` (a million
orders through the services would take hours): 5 shops, 3 warehouses, 40 SKUs (120 stock rows),
50,000 buyers, ``--orders`` orders (default 1,000,000) placed every ~31 s over the past year
(1% held for one of three reasons, 0.5% with an exception, amounts from 1 to 500 yuan, a tracking
number once shipped) with one line, one platform number and a ``created`` event each (a ``ship``
event too once shipped), ``--ledger`` stock movements (default 3 per order: 53% reserve, 25% ship,
8% release, 8% receive, 6% adjust / return), and ``--inbox`` inbox messages (default one per five
orders; 2% failed). The database is dropped at the end unless ``--keep``; ``--reuse`` runs against
a database kept by an earlier run (migrating it first) instead of filling a new one.

What it measures: every page below ``--repeat`` times (default 5) after one unmeasured request,
as a superuser through Django's test client in this process (server time: no network, no
server), and the median of each; beside it, the hand-written SQL of the page's main query (the
same rows, same sort, same page) timed the same way, as the baseline. The web process's own CPU
time per page (``time.process_time``, median) is printed beside the wall time: on a shared,
loaded machine the wall time includes waiting for a core, the CPU time does not. Pages: the order list
(default, sorted by 下单时间 both ways / amount / warehouse, filtered by status, hold, hold
reason, exception, shop, a week of 下单时间, searched by order number / phone / platform number /
tracking number, the last page offered, sorted and filtered last pages), the order page, the
stock ledger (default, by reason, by warehouse, by reference, last pages), the inbox (default, by
status, last page) and ``GET /api/v1/orders`` (first page, by status and shop, the next page).

The bar (issue 15): p95 of the pages' medians under 200 ms at 1,000,000 orders. The last line is
machine-readable: ``p95_ms=… median_ms=… max_ms=… raw_p95_ms=… ratio=… cpu_p95_ms=… pages=… orders=…``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time

import _common

FILL_SQL = """
INSERT INTO orders_customer (name, phone, email, created_at)
SELECT '客户' || c, '13' || lpad(c::text, 9, '0'), '', now() - interval '400 days' FROM generate_series(0, 49999) AS c;

INSERT INTO orders_order (number, channel_id, status, hold_reason, hold_note, customer_id, recipient_name, phone,
    phone_privacy, phone_extension, province, city, district, street, buyer_note, seller_note, priority, currency,
    goods_amount, shipping_fee, discount_amount, paid_amount, placed_at, paid_at, promised_ship_at, warehouse_id,
    carrier, tracking_number, exception_reason, exception_note, exception_at, created_at, updated_at)
SELECT 'SB' || lpad(i::text, 9, '0'), %(c0)s + i %% 5, st,
       CASE WHEN st = 'on_hold' THEN (ARRAY['out_of_stock','bad_address','manual'])[1 + i %% 3] ELSE '' END, '',
       %(cu0)s + (i::bigint * 7919) %% 50000, '王小明', '13' || lpad(((i::bigint * 7919) %% 50000)::text, 9, '0'),
       '', '', '浙江省', '杭州市', '西湖区', '文三路 90 号', '', '', 0, 'CNY',
       amount, 0, 0, amount, t, t + interval '2 minutes', t + interval '24 hours',
       CASE WHEN st IN ('pending_review', 'on_hold') AND i %% 2 = 0 THEN NULL ELSE %(w0)s + i %% 3 END,
       CASE WHEN st IN ('shipped', 'completed') THEN 'YTO' ELSE '' END,
       CASE WHEN st IN ('shipped', 'completed') THEN 'YT' || lpad(i::text, 12, '0') ELSE '' END,
       CASE WHEN i %% 200 = 7 THEN 'short_pick' ELSE '' END, '',
       CASE WHEN i %% 200 = 7 THEN t + interval '3 hours' END, t, t
  FROM (SELECT i, t, round(1 + ((i::bigint * 104729) %% 49900) / 100.0, 2) AS amount,
               CASE WHEN i %% 100 = 3 THEN 'on_hold'
                    WHEN i %% 33 = 0 THEN 'cancelled'
                    WHEN t > now() - interval '2 days' THEN (ARRAY['pending_review','ready','picking','packed'])[1 + i %% 4]
                    WHEN i %% 4 = 0 THEN 'shipped' ELSE 'completed' END AS st
          FROM (SELECT i, now() - (%(n)s - i) * (interval '1 year' / %(n)s) AS t FROM generate_series(1, %(n)s) AS i) g
       ) s;

INSERT INTO orders_orderline (order_id, sku_id, sku_code, title, quantity, unit_price, warehouse_id, stock_level_id,
    reserved_quantity, gift)
SELECT id, %(s0)s + id %% 40, 'B' || lpad((id %% 40)::text, 3, '0'), '商品', 1, paid_amount, warehouse_id, NULL, 0, ''
  FROM orders_order;

INSERT INTO orders_ordersource (order_id, channel_id, external_id, buyer_nick, import_job_id, created_at, split_copy)
SELECT id, channel_id, 'P' || substr(number, 3), '', NULL, created_at, false FROM orders_order;

INSERT INTO orders_orderevent (order_id, action, from_status, to_status, actor_id, at, note, data)
SELECT id, 'created', '', 'pending_review', NULL::integer, placed_at, '', '{}'::jsonb FROM orders_order;

INSERT INTO orders_orderevent (order_id, action, from_status, to_status, actor_id, at, note, data)
SELECT id, 'ship', 'packed', 'shipped', NULL::integer, placed_at + interval '20 hours', '', '{}'::jsonb
  FROM orders_order WHERE status IN ('shipped', 'completed');

INSERT INTO inventory_stockmovement (stock_level_id, delta_on_hand, delta_reserved, reason, note, reference, actor_id, at)
SELECT %(l0)s + (j::bigint * 7) %% 120,
       CASE r WHEN 'ship' THEN -1 WHEN 'receive' THEN 100 WHEN 'adjust' THEN -1 WHEN 'return_in' THEN 1 ELSE 0 END,
       CASE r WHEN 'reserve' THEN 1 WHEN 'ship' THEN -1 WHEN 'release' THEN -1 ELSE 0 END,
       r, '', 'SB' || lpad((1 + j %% %(n)s)::text, 9, '0'), NULL,
       now() - (%(m)s - j) * (interval '1 year' / %(m)s)
  FROM (SELECT j, CASE WHEN j %% 100 < 53 THEN 'reserve' WHEN j %% 100 < 78 THEN 'ship' WHEN j %% 100 < 86 THEN 'release'
                       WHEN j %% 100 < 94 THEN 'receive' WHEN j %% 100 < 97 THEN 'adjust' ELSE 'return_in' END AS r
          FROM generate_series(1, %(m)s) AS j) g;

INSERT INTO channels_inboxmessage (channel_id, source, body, headers, received_at, status, error, attempts,
    processed_at, external_id, platform_status, platform_updated_at, order_id, claimed_until)
SELECT %(c0)s + k %% 5, 'poll', '{"tid": "P' || lpad(k::text, 9, '0') || '", "status": "paid"}', '{}'::jsonb, t,
       CASE WHEN k %% 50 = 0 THEN 'failed' ELSE 'processed' END,
       CASE WHEN k %% 50 = 0 THEN '未知商品编码' ELSE '' END, 1, t + interval '1 second',
       'P' || lpad(k::text, 9, '0'), 'paid', t, NULL, NULL
  FROM (SELECT k, now() - (%(b)s - k) * (interval '1 year' / %(b)s) AS t FROM generate_series(1, %(b)s) AS k) g
"""


def fill(*, orders: int, ledger: int, inbox: int):
    from django.contrib.auth import get_user_model
    from django.db import connection

    from channels.models import Channel
    from inventory.models import Sku, StockLevel, Warehouse

    channels = [Channel.objects.create(code=f"shop{i}", name=f"店铺{i}", platform="taobao") for i in range(5)]
    warehouses = [Warehouse.objects.create(code=f"W{i}", name=f"仓{i}") for i in range(3)]
    skus = Sku.objects.bulk_create([Sku(code=f"B{i:03d}", name=f"商品{i}") for i in range(40)])
    levels = StockLevel.objects.bulk_create(
        [StockLevel(sku=sku, warehouse=w, on_hand=1000) for sku in skus for w in warehouses]
    )
    admin = get_user_model().objects.create_superuser(username="bench-admin", password=None)
    params = {
        "n": orders, "m": ledger, "b": inbox, "c0": channels[0].pk, "w0": warehouses[0].pk,
        "s0": min(s.pk for s in skus), "l0": min(level.pk for level in levels),
    }
    statements = [s for s in FILL_SQL.split(";") if s.strip()]
    with connection.cursor() as cursor:
        cursor.execute(statements[0])
        cursor.execute("SELECT min(id) FROM orders_customer")
        (params["cu0"],) = cursor.fetchone()
        for statement in statements[1:]:
            cursor.execute(statement, params)
        cursor.execute("VACUUM ANALYZE")
    return admin


def pages(db) -> list[tuple[str, str, str]]:
    """(name, URL, the baseline's hand-written SQL of the page's main query)."""
    from channels.models import Channel
    from inventory.models import StockLevel, Warehouse

    shop = Channel.objects.get(code="shop2").pk
    w1 = Warehouse.objects.get(code="W1").pk
    last_order = db("SELECT max(id) FROM orders_order")
    phone = db("SELECT phone FROM orders_order WHERE id = %s", [last_order // 2])
    number = db("SELECT number FROM orders_order WHERE id = %s", [last_order // 3])
    tracking = db("SELECT tracking_number FROM orders_order WHERE tracking_number <> '' ORDER BY id LIMIT 1 OFFSET 1000")
    reference = number
    week_ago = db("SELECT to_char(date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') - interval '7 days', "
                  "'YYYY-MM-DD HH24:MI:SS') || '%2B08:00'")
    level_ids = list(StockLevel.objects.filter(warehouse_id=w1).values_list("pk", flat=True))
    o = "SELECT o.*, c.*, w.* FROM orders_order o JOIN channels_channel c ON c.id = o.channel_id " \
        "LEFT JOIN inventory_warehouse w ON w.id = o.warehouse_id"
    m = "SELECT m.*, l.*, s.*, w.*, u.* FROM inventory_stockmovement m JOIN inventory_stocklevel l ON l.id = m.stock_level_id " \
        "JOIN inventory_sku s ON s.id = l.sku_id JOIN inventory_warehouse w ON w.id = l.warehouse_id " \
        "LEFT JOIN auth_user u ON u.id = m.actor_id"
    i = "SELECT i.*, c.* FROM channels_inboxmessage i JOIN channels_channel c ON c.id = i.channel_id"
    lv = ",".join(str(pk) for pk in level_ids)
    return [
        ("orders", "/admin/orders/order/", f"{o} ORDER BY o.id DESC LIMIT 50"),
        ("orders sorted by 下单时间 (newest)", "/admin/orders/order/?o=-7", f"{o} ORDER BY o.placed_at DESC, o.id DESC LIMIT 50"),
        ("orders sorted by 下单时间 (oldest)", "/admin/orders/order/?o=7", f"{o} ORDER BY o.placed_at, o.id LIMIT 50"),
        ("orders sorted by amount (largest)", "/admin/orders/order/?o=-5", f"{o} ORDER BY o.paid_amount DESC, o.id DESC LIMIT 50"),
        ("orders sorted by amount (smallest)", "/admin/orders/order/?o=5", f"{o} ORDER BY o.paid_amount, o.id LIMIT 50"),
        ("orders sorted by warehouse", "/admin/orders/order/?o=6", f"{o} ORDER BY o.warehouse_id, o.id LIMIT 50"),
        ("orders status=ready", "/admin/orders/order/?status__exact=ready",
         f"{o} WHERE o.status = 'ready' ORDER BY o.id DESC LIMIT 50"),
        ("orders status=completed", "/admin/orders/order/?status__exact=completed",
         f"{o} WHERE o.status = 'completed' ORDER BY o.id DESC LIMIT 50"),
        ("orders held (all)", "/admin/orders/order/?hold=yes",
         f"{o} WHERE o.status = 'on_hold' ORDER BY o.id DESC LIMIT 50"),
        ("orders held out of stock", "/admin/orders/order/?hold=out_of_stock",
         f"{o} WHERE o.status = 'on_hold' AND o.hold_reason = 'out_of_stock' ORDER BY o.id DESC LIMIT 50"),
        ("orders with an exception", "/admin/orders/order/?exception=yes",
         f"{o} WHERE o.exception_reason > '' ORDER BY o.id DESC LIMIT 50"),
        ("orders of one shop", f"/admin/orders/order/?channel__id__exact={shop}",
         f"{o} WHERE o.channel_id = {shop} ORDER BY o.id DESC LIMIT 50"),
        ("orders placed in the last 7 days", f"/admin/orders/order/?placed_at__gte={week_ago}",
         f"{o} WHERE o.placed_at >= '{week_ago.replace('%2B', '+')}' ORDER BY o.id DESC LIMIT 50"),
        ("orders search: order number", f"/admin/orders/order/?q={number}", f"{o} WHERE o.number = '{number}'"),
        ("orders search: phone", f"/admin/orders/order/?q={phone}",
         f"{o} WHERE o.phone = '{phone}' ORDER BY o.id DESC LIMIT 50"),
        ("orders search: platform number", f"/admin/orders/order/?q=P{number[2:]}",
         f"{o} WHERE o.id IN (SELECT order_id FROM orders_ordersource WHERE external_id = 'P{number[2:]}')"),
        ("orders search: tracking number", f"/admin/orders/order/?q={tracking}",
         f"{o} WHERE o.tracking_number = '{tracking}'"),
        ("orders last page", "/admin/orders/order/?p=LAST", f"{o} ORDER BY o.id DESC LIMIT 50 OFFSET OFFSET"),
        ("orders by 下单时间, last page", "/admin/orders/order/?o=-7&p=LAST",
         f"{o} ORDER BY o.placed_at DESC, o.id DESC LIMIT 50 OFFSET OFFSET"),
        ("orders status=completed, last page", "/admin/orders/order/?status__exact=completed&p=LAST",
         f"{o} WHERE o.status = 'completed' ORDER BY o.id DESC LIMIT 50 OFFSET OFFSET"),
        ("order page", f"/admin/orders/order/{last_order // 2}/change/",
         f"SELECT * FROM orders_orderevent WHERE order_id = {last_order // 2} ORDER BY at, id"),
        ("stock ledger", "/admin/inventory/stockmovement/", f"{m} ORDER BY m.at DESC, m.id DESC LIMIT 50"),
        ("stock ledger by reason", "/admin/inventory/stockmovement/?reason__exact=reserve",
         f"{m} WHERE m.reason = 'reserve' ORDER BY m.at DESC, m.id DESC LIMIT 50"),
        ("stock ledger by rare reason", "/admin/inventory/stockmovement/?reason__exact=adjust",
         f"{m} WHERE m.reason = 'adjust' ORDER BY m.at DESC, m.id DESC LIMIT 50"),
        ("stock ledger by warehouse", f"/admin/inventory/stockmovement/?stock_level__warehouse__id__exact={w1}",
         f"{m} WHERE m.stock_level_id IN ({lv}) ORDER BY m.at DESC, m.id DESC LIMIT 50"),
        ("stock ledger by reference", f"/admin/inventory/stockmovement/?q={reference}",
         f"{m} WHERE m.reference = '{reference}' ORDER BY m.at DESC, m.id DESC LIMIT 50"),
        ("stock ledger last page", "/admin/inventory/stockmovement/?p=LAST",
         f"{m} ORDER BY m.at DESC, m.id DESC LIMIT 50 OFFSET OFFSET"),
        ("stock ledger by reason, last page", "/admin/inventory/stockmovement/?reason__exact=reserve&p=LAST",
         f"{m} WHERE m.reason = 'reserve' ORDER BY m.at DESC, m.id DESC LIMIT 50 OFFSET OFFSET"),
        ("inbox", "/admin/channels/inboxmessage/", f"{i} ORDER BY i.id DESC LIMIT 50"),
        ("inbox failed", "/admin/channels/inboxmessage/?status__exact=failed",
         f"{i} WHERE i.status = 'failed' ORDER BY i.id DESC LIMIT 50"),
        ("inbox last page", "/admin/channels/inboxmessage/?p=LAST", f"{i} ORDER BY i.id DESC LIMIT 50 OFFSET OFFSET"),
        ("API orders", "/api/v1/orders", f"{o} ORDER BY o.id DESC LIMIT 51"),
        ("API orders by status and shop", "/api/v1/orders?status=completed&channel=shop2",
         f"{o} WHERE o.status = 'completed' AND o.channel_id = {shop} ORDER BY o.id DESC LIMIT 51"),
        ("API orders, next page", "/api/v1/orders?cursor=NEXT",
         f"{o} WHERE o.id < {last_order - 50} ORDER BY o.id DESC LIMIT 51"),
    ]


_PAGE = re.compile(rb'href="\?(?:[^"]*&amp;)?p=(\d+)')


def last_page(client, url: str) -> int:
    """The highest page the list's paginator links to (Django admin pages count from 1)."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    numbers = [int(n) for n in _PAGE.findall(response.content)]
    return max(numbers) if numbers else 1


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common.add_database_argument(parser)
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders in the database (default 1,000,000)")
    parser.add_argument("--ledger", type=int, default=None, help="stock movements (default 3 per order)")
    parser.add_argument("--inbox", type=int, default=None, help="inbox messages (default one per 5 orders)")
    parser.add_argument("--repeat", type=int, default=5, help="measured requests per page (default 5)")
    parser.add_argument("--reuse", action="store_true", help="use a database kept by an earlier run (no fill)")
    args = parser.parse_args()
    if args.reuse:
        _common.configure_django(args.database_url)
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        return measure(args)
    with _common.BenchDatabase(args.database_url, keep=args.keep):
        started = time.monotonic()
        fill(orders=args.orders, ledger=args.ledger or 3 * args.orders, inbox=args.inbox or args.orders // 5)
        print(f"filled in {time.monotonic() - started:.0f} s", flush=True)
        return measure(args)


def measure(args) -> int:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from rest_framework.authtoken.models import Token

    def db(statement, params=None):
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchone()[0]

    from django.core.management import call_command

    call_command("createcachetable", verbosity=0)  # the API's rate limits count in the database cache
    counts = {t: db(f"SELECT count(*) FROM {t}") for t in
              ("orders_order", "orders_orderevent", "inventory_stockmovement", "channels_inboxmessage")}
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()), flush=True)
    admin = get_user_model().objects.get(username="bench-admin")
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(admin)
    token, _ = Token.objects.get_or_create(user=admin)
    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token.key}")

    rows = []
    for name, url, raw in pages(db):
        browser = api if url.startswith("/api/") else client
        if "p=LAST" in url:
            page = last_page(client, url.replace("p=LAST", "p=1").replace("?p=1", "").replace("&p=1", ""))
            per_page = 50
            url = url.replace("p=LAST", f"p={page}")
            raw = raw.replace("OFFSET OFFSET", f"OFFSET {(page - 1) * per_page}")
        if "cursor=NEXT" in url:
            url = browser.get("/api/v1/orders").json()["next"].split("127.0.0.1", 1)[-1]
        first = browser.get(url)
        assert first.status_code == 200, (name, url, first.status_code, first.content[:500])
        walls, cpus = [], []
        for _ in range(args.repeat):
            cpu = time.process_time()
            walls.append(timed(lambda url=url, browser=browser: browser.get(url)))
            cpus.append((time.process_time() - cpu) * 1000)
        ours, cpu = statistics.median(walls), statistics.median(cpus)

        def run_raw(raw=raw):
            with connection.cursor() as cursor:
                cursor.execute(raw)
                cursor.fetchall()

        run_raw()
        base = statistics.median(timed(run_raw) for _ in range(args.repeat))
        rows.append((name, ours, base, cpu))
        print(f"{name:<40} {ours:>8.1f} ms   raw {base:>7.1f} ms   web CPU {cpu:>6.1f} ms   {url}", flush=True)

    medians = sorted(r[1] for r in rows)
    raws = sorted(r[2] for r in rows)

    def p95(values):
        return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]

    cpus = sorted(r[3] for r in rows)
    ratio = statistics.median(medians) / max(statistics.median(raws), 0.001)
    print(f"p95_ms={p95(medians):.0f} median_ms={statistics.median(medians):.0f} max_ms={medians[-1]:.0f} "
          f"raw_p95_ms={p95(raws):.0f} ratio={ratio:.1f} cpu_p95_ms={p95(cpus):.0f} pages={len(rows)} "
          f"orders={counts['orders_order']}", flush=True)
    return 0 if p95(medians) < 200 else 1


if __name__ == "__main__":
    sys.exit(main())
