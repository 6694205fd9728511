"""The admin home page with the supervisor's dashboard over 1,000,000 orders on PostgreSQL.

What it writes: a dedicated PostgreSQL database (``--database-url``, default
postgres://postgres@127.0.0.1:5432/oms_bench, or $DATABASE_URL; its name must contain "bench"),
dropped and created afresh, migrated, then filled by ``INSERT … SELECT generate_series`` (the
dashboard only reads; a million orders through the services would take hours): 5 shops, 3
warehouses, 50,000 buyers, ``--orders`` orders (default 1,000,000) placed every ~31 s over the
past year with two lines each (pairs from a 40-SKU catalogue), a ``created`` event each, and for
the shipped ones (all but the last two days' and 3% cancelled) ``start_picking`` / ``pack`` /
``ship`` events by 20 floor people, 5,000 after-sales requests, a hold a day per 50 orders, a
week of exception flags. The database is dropped at the end unless ``--keep``.

What it measures:

1. the worker's roll-up: ``dashboard_tick`` the first time (the whole 31-day window and the
   analytics) and the next time (today and yesterday only), timed;
2. the page: ``GET /admin/`` as a supervisor (today's numbers, issue 13's escalation levels, the
   KPIs, three SVG charts, the picker ranking, the analytics), ``--requests`` times after 3
   unmeasured ones, in this process through Django's test client (no network, no server);
3. the baseline the roll-ups replace: the same 30 days' figures (orders per day and shop, the
   hour × weekday grid, cancellations, pay-to-ship time, on-time and error counts) by
   hand-written SQL straight over the orders and events, timed three times (median).

The bar (issue 14): p95 of the page under 500 ms. The last line is machine-readable:
``p95_ms=… median_ms=… raw_live_ms=… ratio=… tick_full_s=… tick_recent_s=… orders=…``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import _common

ORDERS_SQL = """
INSERT INTO orders_customer (name, phone, email, created_at)
SELECT '客户' || c, '13' || lpad(c::text, 9, '0'), '', now() - interval '400 days' FROM generate_series(0, 49999) AS c;

INSERT INTO orders_order (number, channel_id, status, hold_reason, hold_note, customer_id, recipient_name, phone,
    phone_privacy, phone_extension, province, city, district, street, buyer_note, seller_note, priority, currency,
    goods_amount, shipping_fee, discount_amount, paid_amount, placed_at, paid_at, promised_ship_at, warehouse_id,
    carrier, tracking_number, exception_reason, exception_note, exception_at, created_at, updated_at)
SELECT 'SB' || lpad(i::text, 9, '0'), %(c0)s + i %% 5,
       CASE WHEN i %% 33 = 0 THEN 'cancelled'
            WHEN t > now() - interval '2 days' THEN (ARRAY['pending_review','ready','picking','packed'])[1 + i %% 4]
            WHEN i %% 4 = 0 THEN 'shipped' ELSE 'completed' END,
       '', '', %(cu0)s + (i::bigint * 7919) %% 50000, '王小明', '13' || lpad(((i::bigint * 7919) %% 50000)::text, 9, '0'),
       '', '', '浙江省', '杭州市', '西湖区', '文三路 90 号', '', '', 0, 'CNY',
       59.90, 0, 0, 59.90, t, t + interval '2 minutes', t + interval '24 hours', %(w0)s + i %% 3, '', '', '', '', NULL, t, t
  FROM (SELECT i, now() - (%(n)s - i) * interval '31.5 seconds' AS t FROM generate_series(1, %(n)s) AS i) s;

INSERT INTO orders_orderline (order_id, sku_id, sku_code, title, quantity, unit_price, warehouse_id, stock_level_id,
    reserved_quantity, gift)
SELECT o.id, NULL, 'B' || lpad(((o.id * k) %% 40)::text, 3, '0'), '商品', 1, 29.95, NULL, NULL, 0, ''
  FROM orders_order o CROSS JOIN (VALUES (1), (3)) AS m(k);
"""
EVENTS_SQL = """
INSERT INTO orders_orderevent (order_id, action, from_status, to_status, actor_id, at, note, data)
SELECT id, 'created', '', 'pending_review', NULL::integer, placed_at, '',
       CASE WHEN id %% 50 = 0 THEN '{"hold_reason": "out_of_stock"}'::jsonb ELSE '{}'::jsonb END FROM orders_order;

INSERT INTO orders_orderevent (order_id, action, from_status, to_status, actor_id, at, note, data)
SELECT id, a.action, '', '', %(u0)s + id %% 20, placed_at + a.after + (id %% 7) * interval '1 hour', '', '{}'::jsonb
  FROM orders_order CROSS JOIN (VALUES ('start_picking', interval '1 hour'), ('pack', interval '2 hours'),
                                       ('ship', interval '3 hours')) AS a(action, after)
 WHERE status IN ('shipped', 'completed');

INSERT INTO orders_orderevent (order_id, action, from_status, to_status, actor_id, at, note, data)
SELECT id, 'hold', 'pending_review', 'on_hold', NULL, placed_at + interval '5 minutes', '',
       '{"reason": "bad_address"}'::jsonb
  FROM orders_order WHERE id %% 97 = 0 AND placed_at > now() - interval '10 days';

INSERT INTO orders_returnrequest (number, order_id, kind, reason, description, status, source, created_by_id,
    created_at, decided_by_id, decided_at, decision_note, refund_status, refund_amount, refund_reference, refunded_at,
    return_carrier, return_tracking, warehouse_id, received_by_id, received_at, receive_note, exchange_order_id)
SELECT number || '-R1', id, 'return', (ARRAY['wrong_item','damaged','not_wanted','size'])[1 + id %% 4], '',
       'requested', 'customer', NULL, placed_at + interval '3 days', NULL, NULL, '', '', 0, '', NULL, '', '',
       warehouse_id, NULL, NULL, '', NULL
  FROM orders_order WHERE id %% 200 = 0 AND status IN ('shipped', 'completed');

INSERT INTO orders_orderflag (order_id, reason, note, data, raised_at, raised_by_id, resolved_at, resolved_by_id,
    resolution, escalated_at)
SELECT id, (ARRAY['short_pick','weight_mismatch','late_refund'])[1 + id %% 3], '', '{}'::jsonb,
       placed_at + interval '2 hours', NULL, placed_at + interval '5 hours', NULL, '已处理', NULL
  FROM orders_order WHERE id %% 40 = 0 AND placed_at > now() - interval '7 days';
"""

RAW_SQL = [
    # Orders per local day and shop, with cancellations, and the hour × weekday grid (30 days).
    """SELECT (placed_at AT TIME ZONE 'Asia/Shanghai')::date, channel_id, count(*),
              count(*) FILTER (WHERE status = 'cancelled')
         FROM orders_order WHERE placed_at >= now() - interval '30 days' GROUP BY 1, 2""",
    """SELECT extract(isodow FROM placed_at AT TIME ZONE 'Asia/Shanghai'),
              extract(hour FROM placed_at AT TIME ZONE 'Asia/Shanghai'), count(*)
         FROM orders_order WHERE placed_at >= now() - interval '28 days' GROUP BY 1, 2""",
    # Shipped, pay-to-ship time and on time, per day and shop (30 days).
    """SELECT (e.at AT TIME ZONE 'Asia/Shanghai')::date, o.channel_id, count(DISTINCT e.order_id),
              sum(extract(epoch FROM e.at - o.paid_at)),
              count(DISTINCT e.order_id) FILTER (WHERE e.at <= coalesce(o.promised_ship_at, o.paid_at + interval '24 hours'))
         FROM orders_orderevent e JOIN orders_order o ON o.id = e.order_id
        WHERE e.action = 'ship' AND e.at >= now() - interval '30 days' GROUP BY 1, 2""",
    # Error returns and floor people per day (30 days).
    """SELECT (created_at AT TIME ZONE 'Asia/Shanghai')::date, count(*) FROM orders_returnrequest
        WHERE created_at >= now() - interval '30 days' AND reason IN ('wrong_item','missing_item','damaged')
          AND status <> 'refused' GROUP BY 1""",
    """SELECT (at AT TIME ZONE 'Asia/Shanghai')::date, count(DISTINCT actor_id) FROM orders_orderevent
        WHERE action IN ('start_picking','pack','ship') AND at >= now() - interval '30 days'
          AND actor_id IS NOT NULL GROUP BY 1""",
]


def fill(orders: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from channels.models import Channel
    from inventory.models import Warehouse

    channels = [Channel.objects.create(code=f"shop{i}", name=f"店铺{i}", platform="taobao") for i in range(5)]
    warehouses = [Warehouse.objects.create(code=f"W{i}", name=f"仓{i}") for i in range(3)]
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"picker{i}") for i in range(20)]
    )
    boss = get_user_model().objects.create_user(username="boss", is_staff=True)
    boss.groups.add(Group.objects.get(name="supervisor"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM auth_user WHERE username LIKE 'picker%%'")
        (u0,) = cursor.fetchone()
        params = {"n": orders, "c0": channels[0].pk, "w0": warehouses[0].pk, "u0": u0 or users[0].pk, "cu0": 0}
        cursor.execute(ORDERS_SQL.split(";")[0])
        cursor.execute("SELECT min(id) FROM orders_customer")
        (params["cu0"],) = cursor.fetchone()
        for statement in ORDERS_SQL.split(";")[1:] + EVENTS_SQL.split(";"):
            if statement.strip():
                cursor.execute(statement, params)
        cursor.execute("ANALYZE")
    return boss


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def raw_live() -> float:
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            for statement in RAW_SQL:
                cursor.execute(statement)
                cursor.fetchall()

    return timed(run)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common.add_database_argument(parser)
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders in the database (default 1,000,000)")
    parser.add_argument("--requests", type=int, default=20, help="measured page requests (default 20)")
    args = parser.parse_args()
    with _common.BenchDatabase(args.database_url, keep=args.keep):
        from django.db import connection
        from django.test import Client

        from orders.services.rollups import dashboard_tick

        started = time.monotonic()
        boss = fill(args.orders)
        with connection.cursor() as cursor:
            cursor.execute("SELECT (SELECT count(*) FROM orders_order), (SELECT count(*) FROM orders_orderevent)")
            count, events = cursor.fetchone()
        print(f"filled {count} orders, {events} events in {time.monotonic() - started:.0f} s", flush=True)
        tick_full = timed(dashboard_tick)
        tick_recent = timed(dashboard_tick)
        print(f"roll-up: first tick (31 days + analytics) {tick_full:.2f} s, next tick (2 days) {tick_recent:.2f} s",
              flush=True)

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(boss)
        for _ in range(3):
            response = client.get("/admin/")
            assert response.status_code == 200 and b'id="oms-dashboard"' in response.content, response.status_code
            assert response.content.count(b"<svg class=\"oms-chart") >= 2
        times = []
        for _ in range(args.requests):
            times.append(timed(lambda: client.get("/admin/")) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        median = statistics.median(times)
        raw = statistics.median([raw_live() * 1000 for _ in range(3)])
        print(f"GET /admin/ ×{len(times)}: median {median:.0f} ms, p95 {p95:.0f} ms, max {times[-1]:.0f} ms; "
              f"the same 30 days straight from the orders (raw SQL, no roll-ups): {raw:.0f} ms", flush=True)
        print(f"p95_ms={p95:.0f} median_ms={median:.0f} raw_live_ms={raw:.0f} ratio={median / raw:.2f} "
              f"tick_full_s={tick_full:.2f} tick_recent_s={tick_recent:.2f} orders={count}", flush=True)
    return 0 if p95 < 500 else 1


if __name__ == "__main__":
    sys.exit(main())
