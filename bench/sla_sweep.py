"""The SLA sweep (``orders.services.sla.sla_sweep``) over 1,000,000 orders on PostgreSQL.

What it writes: a dedicated PostgreSQL database (``--database-url``, default
postgres://postgres@127.0.0.1:5432/oms_bench, or $DATABASE_URL; its name must contain "bench"),
dropped and created afresh, migrated, then filled by ``INSERT … SELECT generate_series`` (a
million orders through the services would take hours; the sweep only reads them): 5 shops (one
with a 60-minute SLA of its own), 3 warehouses, ``--orders`` orders (default 1,000,000) placed
every 30 seconds over the past year — all shipped or completed but the last 10 days' 28,800,
which wait at every step (a heavy backlog) — with a ``created`` event each and a ``ship`` event
for each shipped one (about 2 million events), 600 refunds in the last 30 days (200 buyers with
3 each), and the flags a sweep running every minute would have raised already: every late order
flagged and escalated, except ``--fresh`` (default 400) orders per kind that have just become
late, plus 100 flagged orders just past the escalation limit (flags older than 3 days resolved). The database is dropped at the end
unless ``--keep``.

What it measures: one sweep as the worker runs it (flagging the fresh ones, emailing the
supervisors once), timed, then a second, steady sweep (nothing new). Then every SELECT the sweep
sent is shown with its plan (``EXPLAIN``), the indexes it uses, and any sequential scan of the
big tables (orders, events, flags). The bar: under 2 s, no full scan.

The last line is machine-readable: ``seconds=0.41 steady_seconds=0.09 orders=1000000 flagged=1200
escalated=100 full_scans=0``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time

import _common

OPEN_WINDOW = 28_800  # the last 10 days of orders, one every 30 seconds
BIG_TABLES = ("orders_order", "orders_orderevent", "orders_orderflag")


def fill(orders: int, fresh: int) -> None:
    """Shops, warehouses, the orders, their events, refunds and the flags already raised."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from channels.models import Channel
    from inventory.models import Warehouse
    from orders.flow_models import ChannelPolicy

    channels = [Channel.objects.create(code=f"shop{i}", name=f"店铺{i}", platform="taobao") for i in range(5)]
    ChannelPolicy.objects.create(channel=channels[0], pick_sla_minutes=60)
    warehouses = [Warehouse.objects.create(code=f"W{i}", name=f"仓{i}") for i in range(3)]
    user = get_user_model().objects.create_user(username="boss", email="boss@example.com")
    user.groups.add(Group.objects.get(name="supervisor"))
    c0, w0 = channels[0].pk, warehouses[0].pk
    params = {"n": orders, "open": OPEN_WINDOW, "c0": c0, "w0": w0, "fresh": fresh}
    with connection.cursor() as cursor:
        cursor.execute(ORDERS_SQL, params)
        cursor.execute(EVENTS_SQL, params)
        cursor.execute(REFUNDS_SQL, params)
        cursor.execute(FLAGS_SQL, params)
        cursor.execute("ANALYZE")


#: Open orders (the last 10 days) cycle through every unshipped status; the rest are done.
ORDERS_SQL = """
INSERT INTO orders_order (number, channel_id, status, hold_reason, hold_note, customer_id, recipient_name, phone,
    phone_privacy, phone_extension, province, city, district, street, buyer_note, seller_note, priority, currency,
    goods_amount, shipping_fee, discount_amount, paid_amount, placed_at, paid_at, promised_ship_at, warehouse_id,
    carrier, tracking_number, exception_reason, exception_note, exception_at, created_at, updated_at)
SELECT 'SB' || lpad(i::text, 9, '0'), %(c0)s + i %% 5,
       CASE WHEN i <= %(n)s - %(open)s THEN (CASE WHEN i %% 4 = 0 THEN 'shipped' ELSE 'completed' END)
            ELSE (ARRAY['pending_review','pending_review','on_hold','ready','ready','ready','picking','picking',
                        'packed','packed'])[1 + i %% 10] END,
       CASE WHEN i > %(n)s - %(open)s AND i %% 10 = 2 THEN 'manual' ELSE '' END, '', NULL, '王小明',
       '13' || lpad((i %% 20000)::text, 9, '0'), '', '', '浙江省', '杭州市', '西湖区', '文三路 90 号', '', '', 0, 'CNY',
       59.90, 0, 0, 59.90, t, t + interval '2 minutes', t + interval '48 hours', %(w0)s + i %% 3, '', '', '', '', NULL, t, t
  FROM (SELECT i, now() - (%(n)s - i) * interval '30 seconds' AS t FROM generate_series(1, %(n)s) AS i) s
"""
EVENTS_SQL = """
INSERT INTO orders_orderevent (order_id, action, from_status, to_status, actor_id, at, note, data)
SELECT id, 'created', '', 'pending_review', NULL::integer, placed_at, '', '{}'::jsonb FROM orders_order
UNION ALL
SELECT id, 'ship', 'packed', 'shipped', NULL::integer, placed_at + interval '20 hours', '', '{}'::jsonb
  FROM orders_order WHERE status IN ('shipped', 'completed')
"""
#: 200 of the 20,000 buyers (phones) refund every order they received 11 to 30 days ago (2 or 3 each).
REFUNDS_SQL = """
INSERT INTO orders_orderevent (order_id, action, from_status, to_status, actor_id, at, note, data)
SELECT o.id, 'refund', o.status, o.status, NULL, now() - interval '5 days', '退款中', '{}'::jsonb
  FROM orders_order o
 WHERE o.status IN ('shipped', 'completed') AND o.placed_at > now() - interval '30 days' AND o.placed_at < now() - interval '11 days'
   AND o.phone IN (SELECT '13' || lpad(p::text, 9, '0') FROM generate_series(0, 19999, 100) AS p)
"""
#: What earlier sweeps raised, leaving ``fresh`` orders of each kind new to this one: flags older
#: than 3 days resolved by a person, those past the 4-hour limit escalated but the 100 newest.
FLAGS_SQL = """
WITH pick AS (
  SELECT id, paid_at + interval '2 hours' AS raised FROM orders_order
   WHERE status IN ('pending_review', 'on_hold', 'ready') AND paid_at < now() - interval '2 hours'),
pick_old AS (SELECT id, raised FROM pick ORDER BY raised LIMIT (SELECT greatest(count(*) - %(fresh)s, 0) FROM pick)),
ship AS (
  SELECT id, promised_ship_at - interval '1 hour' AS raised FROM orders_order
   WHERE status IN ('pending_review', 'on_hold', 'ready', 'picking', 'packed')
     AND promised_ship_at <= now() + interval '1 hour'),
ship_old AS (SELECT id, raised FROM ship ORDER BY raised LIMIT (SELECT greatest(count(*) - %(fresh)s, 0) FROM ship)),
raised AS (
  SELECT id, 'pick_late' AS reason, raised FROM pick_old
  UNION ALL SELECT id, 'ship_deadline', raised FROM ship_old),
ranked AS (
  SELECT *, raised < now() - interval '3 days' AS done,
         raised < now() - interval '4 hours' AS due,
         row_number() OVER (PARTITION BY reason, raised < now() - interval '4 hours'
                                           AND raised >= now() - interval '3 days' ORDER BY raised DESC) AS newest
    FROM raised)
INSERT INTO orders_orderflag (order_id, reason, note, data, raised_at, raised_by_id, resolved_at, resolved_by_id,
                              resolution, escalated_at)
SELECT id, reason, '', '{}'::jsonb, raised, NULL::integer,
       CASE WHEN done THEN raised + interval '1 hour' END, NULL::integer, CASE WHEN done THEN '已处理' ELSE '' END,
       CASE WHEN NOT due THEN NULL
            WHEN NOT done AND reason = 'pick_late' AND newest <= 100 THEN NULL
            ELSE raised + interval '4 hours' END
  FROM ranked
"""


def explain_all(statements) -> tuple[list[str], int]:
    """Each SELECT's plan; (printed lines, sequential scans of the big tables)."""
    from django.db import connection

    lines, full_scans, seen = [], 0, set()
    for sql, params in statements:
        if not sql.lstrip().upper().startswith("SELECT") or sql in seen:
            continue
        seen.add(sql)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        indexes = sorted(set(re.findall(r"Index (?:Only )?Scan(?: Backward)? using (\w+)", "\n".join(plan))))
        bitmap = sorted(set(re.findall(r"Bitmap Index Scan on (\w+)", "\n".join(plan))))
        scans = [line for line in plan if re.search(r"Seq Scan on (" + "|".join(BIG_TABLES) + r")\b", line)]
        full_scans += len(scans)
        lines.append(f"-- {sql[:160]}{'…' if len(sql) > 160 else ''}")
        lines.append(f"   indexes: {', '.join(indexes + bitmap) or '-'}; full scans of big tables: {len(scans)}")
        lines.extend(f"   {line}" for line in plan)
    return lines, full_scans


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common.add_database_argument(parser)
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders in the database (default 1,000,000)")
    parser.add_argument("--fresh", type=int, default=400, help="orders per kind newly late for the sweep (default 400)")
    args = parser.parse_args()
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    with _common.BenchDatabase(args.database_url, keep=args.keep):
        from django.core import mail
        from django.db import connection

        from orders.services.sla import sla_sweep

        started = time.monotonic()
        fill(args.orders, args.fresh)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM orders_order")
            (count,) = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM orders_orderevent")
            (events,) = cursor.fetchone()
        print(f"filled {count} orders, {events} events in {time.monotonic() - started:.0f} s", flush=True)

        t0 = time.perf_counter()
        report = sla_sweep()
        seconds = time.perf_counter() - t0
        flagged = sum(report.flagged.values())
        print(f"sweep: {seconds:.3f} s, flagged {dict(report.flagged)}, escalated {len(report.escalated)} orders, "
              f"{len(getattr(mail, 'outbox', []))} email(s)", flush=True)

        captured = []

        def capture(execute, sql, params, many, context):
            captured.append((sql, params))
            return execute(sql, params, many, context)

        t0 = time.perf_counter()
        with connection.execute_wrapper(capture):
            steady = sla_sweep()
        steady_seconds = time.perf_counter() - t0
        print(f"steady sweep: {steady_seconds:.3f} s, flagged {sum(steady.flagged.values())}", flush=True)
        lines, full_scans = explain_all(captured)
        print("\n".join(lines))
        print(f"seconds={seconds:.2f} steady_seconds={steady_seconds:.2f} orders={count} flagged={flagged} "
              f"escalated={len(report.escalated)} full_scans={full_scans}", flush=True)
    return 0 if seconds < 2 and full_scans == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
