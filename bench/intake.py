"""Order intake throughput: ``orders.services.order_intake`` against a raw-SQL baseline.

K worker processes (``--workers``, default 4; ``spawn`` start method, each calls ``django.setup()``)
push realistic 3-line orders (recipient, province, paid or not, distinct external ids; SKUs with
plenty of stock in 3 warehouses) through ``order_intake``. The baseline does the same work by hand
with psycopg 3 in pipeline mode, per order:

1. one pipeline (autocommit): the dedup lookup on ``orders_ordersource`` with the channel check, the
   daily number UPSERT on ``orders_ordernumbersequence`` (skipped by its own WHERE on a repeat),
   the SKUs, the available stock rows with their warehouses' provinces, the customer by phone, and
   the next order id;
2. the warehouse chosen in Python by the same rule as ``orders.services.allocation``;
3. one pipeline, one transaction: the conditional reservation UPDATE on ``inventory_stocklevel``
   (rows locked in pk order; a shortfall aborts the transaction), the ``inventory_stockmovement``
   rows, the customer insert if the phone is new, then ``orders_order``, ``orders_ordersource``,
   the ``orders_orderline`` rows and the ``orders_orderevent`` row, COMMIT.

Both write the same rows into the same tables with the same indexes and constraints; after every
round the script compares them column by column (ids, order numbers, the times the database
stamps and the phone prefix that keeps each run's customers apart excepted) and fails if they differ. Runs alternate
ours, raw, ours, raw, ... with one unmeasured warm-up round first and three measured rounds;
the figures are medians, the ratio is median(ours) / median(raw).

What it writes: a dedicated PostgreSQL database (``--database-url``, default
postgres://postgres@127.0.0.1:5432/oms_bench, or $DATABASE_URL; its name must contain "bench"),
dropped and created afresh, migrated, filled with 3 warehouses, ``--skus`` SKUs with 1,000,000
units each in every warehouse, one channel per run and ``workers x orders`` orders per run; the
database is dropped at the end unless ``--keep``.

The last line is machine-readable: ``ratio=0.63 orders_per_s=412 raw_per_s=654``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import _common

PLACES = [
    ("浙江省", "杭州市", "西湖区"),
    ("上海市", "上海市", "浦东新区"),
    ("江苏省", "南京市", "鼓楼区"),
    ("广东省", "深圳市", "南山区"),
    ("福建省", "厦门市", "思明区"),
    ("北京市", "北京市", "朝阳区"),
    ("河北省", "石家庄市", "长安区"),
    ("四川省", "成都市", "武侯区"),
    ("湖北省", "武汉市", "洪山区"),
]
STREETS = ["文三路 90 号 3 幢 1201 室", "科技园南区 R2-B 栋 8 楼", "建国路 88 号 SOHO 现代城 A 座", "人民路 1 号"]
NAMES = ["王小明", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴敏"]
NOTES = ["", "", "", "请尽快发货", "不要放快递柜", "送人的，不要放发票"]
WAREHOUSES = [
    ("HZ", "杭州仓", ["浙江", "上海", "江苏"]),
    ("GZ", "广州仓", ["广东", "广西", "福建"]),
    ("BJ", "北京仓", ["北京", "天津", "河北"]),
]
LINES_PER_ORDER = 3
BASE_TIME = "2026-11-22T10:00:00+08:00"


def sku_price(i: int) -> Decimal:
    return Decimal(f"{9 + (i * 37) % 190}.90")


def build_drafts(job: dict, worker: int):
    """The worker's drafts for one run: the same for ours and raw in the same round."""
    from orders.drafts import DraftLine, OrderDraft, Recipient

    rng = random.Random(f"{job['seed']}:{worker}")
    skus = job["skus"]
    base = datetime.fromisoformat(BASE_TIME)
    drafts = []
    for i in range(job["orders"]):
        province, city, district = rng.choice(PLACES)
        buyer = rng.randrange(job["phone_pool"])
        placed_at = base + timedelta(seconds=rng.randrange(86400))
        paid = rng.random() < 0.9
        lines = tuple(
            DraftLine(sku_code=code, quantity=rng.randint(1, 3), unit_price=Decimal(price))
            for code, price in rng.sample(skus, LINES_PER_ORDER)
        )
        drafts.append(
            OrderDraft(
                channel=job["channel"],
                external_id=f"{job['seed']}{worker:02d}{i:07d}",
                recipient=Recipient(
                    name=NAMES[buyer % len(NAMES)],
                    phone=f"1{job['phone_tag']:02d}{buyer:08d}",
                    province=province,
                    city=city,
                    district=district,
                    street=rng.choice(STREETS),
                ),
                lines=lines,
                paid=paid,
                placed_at=placed_at,
                paid_at=placed_at + timedelta(seconds=rng.randrange(30, 600)) if paid else None,
                promised_ship_at=placed_at + timedelta(hours=48),
                shipping_fee=rng.choice([Decimal("0.00"), Decimal("0.00"), Decimal("8.00")]),
                discount_amount=rng.choice([Decimal("0.00"), Decimal("5.00"), Decimal("10.00")]),
                buyer_note=rng.choice(NOTES),
                priority=rng.choice([0, 0, 0, 1]),
                data={"platform": "taobao", "trade_status": "WAIT_SELLER_SEND_GOODS" if paid else "WAIT_BUYER_PAY"},
            )
        )
    return drafts


DEDUP_SQL = """
SELECT (SELECT s.order_id FROM orders_ordersource s JOIN channels_channel c ON c.id = s.channel_id
         WHERE c.code = %(channel)s AND s.external_id = %(external_id)s LIMIT 1),
       (SELECT id FROM channels_channel WHERE code = %(channel)s AND active)
"""
NEXT_NUMBER_SQL = """
INSERT INTO orders_ordernumbersequence (day, last)
SELECT %(day)s, 1
 WHERE EXISTS (SELECT 1 FROM channels_channel WHERE code = %(channel)s AND active)
   AND NOT EXISTS (SELECT 1 FROM orders_ordersource s JOIN channels_channel c ON c.id = s.channel_id
                    WHERE c.code = %(channel)s AND s.external_id = %(external_id)s)
ON CONFLICT (day) DO UPDATE SET last = orders_ordernumbersequence.last + 1
RETURNING last
"""
SKUS_SQL = "SELECT id, code, name FROM inventory_sku WHERE code = ANY(%s) AND active"
STOCK_SQL = """
SELECT sl.id, sl.sku_id, sl.warehouse_id, sl.on_hand - sl.reserved, w.provinces
  FROM inventory_stocklevel sl
  JOIN inventory_sku k ON k.id = sl.sku_id
  JOIN inventory_warehouse w ON w.id = sl.warehouse_id
 WHERE k.code = ANY(%s) AND k.active AND w.active AND sl.on_hand > sl.reserved
"""
CUSTOMER_SQL = "SELECT id FROM orders_customer WHERE phone = %s"
#: Reserve every row or abort the transaction: the rows are locked in pk order first, and a
#: shortfall (fewer rows updated than asked) divides by zero, which aborts the pipeline.
RESERVE_SQL = """
WITH locked AS (SELECT id FROM inventory_stocklevel WHERE id = ANY(%(ids)s) ORDER BY id FOR UPDATE),
     updated AS (
       UPDATE inventory_stocklevel sl SET reserved = sl.reserved + w.qty
         FROM unnest(%(ids)s::bigint[], %(qtys)s::int[]) AS w(id, qty)
        WHERE sl.id = w.id AND sl.id IN (SELECT id FROM locked) AND sl.on_hand >= sl.reserved + w.qty
       RETURNING sl.id)
SELECT 1 / (count(*) = %(n)s)::int FROM updated
"""
MOVEMENTS_SQL = """
INSERT INTO inventory_stockmovement (stock_level_id, delta_on_hand, delta_reserved, reason, note, reference,
                                     actor_id, at)
SELECT id, 0, qty, 'reserve', '', %(reference)s, NULL, now()
  FROM unnest(%(ids)s::bigint[], %(qtys)s::int[]) AS m(id, qty)
"""
CUSTOMER_INSERT_SQL = (
    "INSERT INTO orders_customer (name, phone, created_at) VALUES (%s, %s, now()) ON CONFLICT (phone) DO NOTHING"
)
ORDER_SQL = """
INSERT INTO orders_order (
    id, number, channel_id, status, hold_reason, hold_note, customer_id, recipient_name, phone, province, city,
    district, street, buyer_note, seller_note, priority, currency, goods_amount, shipping_fee, discount_amount,
    paid_amount, placed_at, paid_at, promised_ship_at, warehouse_id, carrier, tracking_number, created_at,
    updated_at, exception_reason, exception_note, phone_privacy, phone_extension)
VALUES (
    %(id)s, %(number)s, %(channel_id)s, %(status)s, %(hold_reason)s, %(hold_note)s,
    COALESCE(%(customer_id)s::bigint, (SELECT id FROM orders_customer WHERE phone = %(customer_phone)s)),
    %(recipient_name)s, %(phone)s, %(province)s, %(city)s, %(district)s, %(street)s, %(buyer_note)s,
    %(seller_note)s, %(priority)s, %(currency)s, %(goods_amount)s, %(shipping_fee)s, %(discount_amount)s,
    %(paid_amount)s, COALESCE(%(placed_at)s, now()), %(paid_at)s, %(promised_ship_at)s, %(warehouse_id)s, '', '',
    now(), now(), '', '', %(phone_privacy)s, %(phone_extension)s)
"""
SOURCE_SQL = (
    "INSERT INTO orders_ordersource (order_id, channel_id, external_id, buyer_nick, import_job_id, created_at) "
    "VALUES (%s, %s, %s, %s, NULL, now())"
)
LINES_SQL = """
INSERT INTO orders_orderline (order_id, sku_id, sku_code, title, quantity, unit_price, warehouse_id,
                              stock_level_id, reserved_quantity)
SELECT %(order_id)s, l.* FROM unnest(%(sku_ids)s::bigint[], %(codes)s::text[], %(titles)s::text[],
                                    %(qtys)s::int[], %(prices)s::numeric[], %(warehouses)s::bigint[],
                                    %(levels)s::bigint[], %(reserved)s::int[]) AS l
"""
EVENT_SQL = """
INSERT INTO orders_orderevent (order_id, action, from_status, to_status, actor_id, at, note, data)
VALUES (%s, 'created', '', %s, NULL, now(), %s, %s)
"""


class RawIntake:
    """The baseline: ``order_intake``'s work written by hand, two pipelined round trips per order.

    Same checks, same rows, same warehouse rule, same locking (stock rows in pk order) and the
    same transaction boundaries (the number is drawn in autocommit before the order's transaction).
    Returns (order id, created).
    """

    def __init__(self, conn, *, prefix: str):
        self.conn = conn
        self.prefix = prefix
        (self.order_sequence,) = conn.execute("SELECT pg_get_serial_sequence('orders_order', 'id')").fetchone()

    def intake(self, draft) -> tuple[int, bool]:
        from django.utils import timezone

        from orders.drafts import DraftInvalid
        from orders.privacy import customer_phone

        draft.validate()
        conn = self.conn
        codes = sorted({line.sku_code for line in draft.lines})
        phone = customer_phone(draft.recipient.name, draft.recipient.phone)
        key = {"channel": draft.channel, "external_id": draft.external_id, "day": timezone.localdate()}
        with conn.pipeline():
            dedup = conn.execute(DEDUP_SQL, key)
            sequence = conn.execute(NEXT_NUMBER_SQL, key)
            sku_rows = conn.execute(SKUS_SQL, [codes])
            stock_rows = conn.execute(STOCK_SQL, [codes])
            customer = conn.execute(CUSTOMER_SQL, [phone]) if phone else None
            order_id = conn.execute("SELECT nextval(%s::regclass)", [self.order_sequence])
        existing, channel_id = dedup.fetchone()
        drawn = sequence.fetchone()
        if existing is not None:
            return existing, False
        if channel_id is None:
            raise DraftInvalid({"channel": f"渠道 {draft.channel} 不存在或已停用"})
        if drawn is None:  # a concurrent delivery of the same platform order committed in between
            return self._existing(draft), False
        ctx = {
            "draft": draft,
            "id": order_id.fetchone()[0],
            "number": f"{self.prefix}{key['day']:%Y%m%d}{drawn[0]:06d}",
            "channel_id": channel_id,
            "skus": {code: (pk, name) for pk, code, name in sku_rows.fetchall()},
            "phone": phone,
            "customer_id": (customer.fetchone() or [None])[0] if customer else None,
        }
        hold_reason, hold_note, needs, candidates = self._plan(draft, ctx["skus"], stock_rows.fetchall())
        if hold_reason:  # decided before any reservation
            return self._write(ctx, None, hold_reason, hold_note)
        for warehouse_id, levels in candidates:
            try:
                return self._write(ctx, (warehouse_id, levels, needs), "", "")
            except _Shortage:
                continue
        return self._write(ctx, None, "out_of_stock", "没有一个仓库能整单发货")

    def _plan(self, draft, skus, stock_rows):
        from django.utils.text import Truncator

        from orders.address import normalize_province

        unknown = sorted({line.sku_code for line in draft.lines if line.sku_code not in skus})
        if unknown:
            return "unknown_sku", Truncator("未知商家编码：" + "、".join(unknown)).chars(500), {}, []
        missing = draft.recipient.missing_parts()
        if missing:
            return "bad_address", "地址缺少：" + "、".join(missing), {}, []
        needs: dict[int, int] = {}
        for line in draft.lines:
            sku_id = skus[line.sku_code][0]
            needs[sku_id] = needs.get(sku_id, 0) + line.quantity
        by_warehouse: dict[int, dict[int, int]] = {}
        serves: dict[int, bool] = {}
        wanted = normalize_province(draft.recipient.province)
        for level_id, sku_id, warehouse_id, available, provinces in stock_rows:
            if available >= needs[sku_id]:
                by_warehouse.setdefault(warehouse_id, {})[sku_id] = level_id
            serves[warehouse_id] = wanted in {normalize_province(p) for p in provinces or []}
        candidates = sorted(
            (wh for wh, levels in by_warehouse.items() if len(levels) == len(needs)),
            key=lambda wh: (not serves[wh], wh),
        )
        return "", "", needs, [(wh, by_warehouse[wh]) for wh in candidates]

    def _write(self, ctx, allocation, hold_reason: str, hold_note: str) -> tuple[int, bool]:
        import psycopg
        from psycopg.types.json import Jsonb

        from orders.privacy import classify_contact

        draft = ctx["draft"]
        recipient = draft.recipient
        contact = classify_contact(recipient.name, recipient.phone)
        conn = self.conn
        paid_status = "pending_review" if draft.paid else "pending_payment"
        status = "on_hold" if hold_reason else paid_status
        goods = draft.goods_amount
        warehouse_id = allocation[0] if allocation else None
        levels = allocation[1] if allocation else {}
        try:
            with conn.pipeline():
                conn.execute("BEGIN")
                if allocation:
                    quantities = sorted((levels[sku_id], qty) for sku_id, qty in allocation[2].items())
                    reserve = {
                        "ids": [pk for pk, _ in quantities],
                        "qtys": [qty for _, qty in quantities],
                        "n": len(quantities),
                        "reference": ctx["number"],
                    }
                    conn.execute(RESERVE_SQL, reserve)
                    conn.execute(MOVEMENTS_SQL, reserve)
                if ctx["phone"] and ctx["customer_id"] is None:
                    conn.execute(CUSTOMER_INSERT_SQL, [recipient.name[:100], ctx["phone"]])
                conn.execute(
                    ORDER_SQL,
                    {
                        "id": ctx["id"],
                        "number": ctx["number"],
                        "channel_id": ctx["channel_id"],
                        "status": status,
                        "hold_reason": hold_reason,
                        "hold_note": hold_note,
                        "customer_id": ctx["customer_id"],
                        "customer_phone": ctx["phone"],
                        "recipient_name": recipient.name,
                        "phone": contact.phone,
                        "phone_privacy": contact.privacy,
                        "phone_extension": contact.extension,
                        "province": recipient.province,
                        "city": recipient.city,
                        "district": recipient.district,
                        "street": recipient.street,
                        "buyer_note": draft.buyer_note,
                        "seller_note": draft.seller_note,
                        "priority": draft.priority,
                        "currency": draft.currency,
                        "goods_amount": goods,
                        "shipping_fee": draft.shipping_fee,
                        "discount_amount": draft.discount_amount,
                        "paid_amount": draft.paid_amount
                        if draft.paid_amount is not None
                        else goods + draft.shipping_fee - draft.discount_amount,
                        "placed_at": draft.placed_at,
                        "paid_at": (draft.paid_at or datetime.now(UTC)) if draft.paid else None,
                        "promised_ship_at": draft.promised_ship_at,
                        "warehouse_id": warehouse_id,
                    },
                )
                conn.execute(SOURCE_SQL, [ctx["id"], ctx["channel_id"], draft.external_id, draft.buyer_nick])
                skus = ctx["skus"]
                found = [skus.get(line.sku_code) for line in draft.lines]
                conn.execute(
                    LINES_SQL,
                    {
                        "order_id": ctx["id"],
                        "sku_ids": [sku[0] if sku else None for sku in found],
                        "codes": [line.sku_code for line in draft.lines],
                        "titles": [line.title or (sku[1] if sku else "") for line, sku in zip(draft.lines, found, strict=True)],
                        "qtys": [line.quantity for line in draft.lines],
                        "prices": [line.unit_price for line in draft.lines],
                        "warehouses": [warehouse_id] * len(draft.lines),
                        "levels": [levels[sku[0]] if allocation else None for sku in found],
                        "reserved": [line.quantity if allocation else 0 for line in draft.lines],
                    },
                )
                data = {
                    **draft.data,
                    "channel": draft.channel,
                    "external_id": draft.external_id,
                    "hold_reason": hold_reason,
                }
                conn.execute(EVENT_SQL, [ctx["id"], status, hold_note, Jsonb(data)])
                conn.execute("COMMIT")
        except psycopg.errors.DivisionByZero as exc:
            conn.execute("ROLLBACK")
            raise _Shortage() from exc
        except psycopg.errors.UniqueViolation:
            conn.execute("ROLLBACK")
            return self._existing(draft), False
        except BaseException:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
            raise
        return ctx["id"], True

    def _existing(self, draft) -> int:
        row = self.conn.execute(DEDUP_SQL, {"channel": draft.channel, "external_id": draft.external_id}).fetchone()
        if row[0] is None:
            raise RuntimeError(f"{draft.external_id}: neither new nor existing")
        return row[0]


class _Shortage(Exception):
    pass


def handle(job: dict, worker: int, start) -> dict:
    """One worker's part of one run (in the worker process)."""
    import os

    drafts = build_drafts(job, worker)
    if job["mode"] == "ours":
        from django.db import connection

        from orders.services import order_intake

        connection.ensure_connection()
        t0 = start()
        for draft in drafts:
            if not order_intake(draft=draft).created:
                raise AssertionError(f"{draft.external_id} was taken as a repeat")
        t1 = time.monotonic()
        connection.close()
    else:
        import psycopg
        from django.conf import settings

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            raw = RawIntake(conn, prefix=settings.ORDER_NUMBER_PREFIX)
            t0 = start()
            for draft in drafts:
                if not raw.intake(draft)[1]:
                    raise AssertionError(f"{draft.external_id} was taken as a repeat")
            t1 = time.monotonic()
    return {"t0": t0, "t1": t1, "orders": len(drafts)}


def seed_catalog(sku_count: int) -> list[tuple[str, str]]:
    """Warehouses, SKUs and opening stock, through the real services; returns [(code, price)]."""
    from inventory.models import Sku, Warehouse
    from inventory.services import stock_receive

    warehouses = [Warehouse.objects.create(code=c, name=n, provinces=p) for c, n, p in WAREHOUSES]
    skus = []
    for i in range(sku_count):
        sku = Sku.objects.create(code=f"B{i:04d}", name=f"压测商品 {i:04d}", unit_weight_g=100 + i)
        for warehouse in warehouses:
            stock_receive(sku=sku, warehouse=warehouse, quantity=1_000_000, reference="opening")
        skus.append((sku.code, str(sku_price(i))))
    return skus


#: One row per order, everything that must match between ours and raw.
COMPARE_SQL = """
SELECT s.external_id, o.status, o.hold_reason, o.hold_note, o.warehouse_id, o.recipient_name,
       substr(o.phone, 4), o.province, o.city, o.district, o.street, o.buyer_note, o.seller_note,
       o.priority, o.currency, o.goods_amount, o.shipping_fee, o.discount_amount, o.paid_amount,
       o.placed_at, o.paid_at, o.promised_ship_at, o.carrier, o.tracking_number,
       cu.name, substr(cu.phone, 4),
       (SELECT count(*) FROM orders_ordersource s2 WHERE s2.order_id = o.id),
       (SELECT array_agg(ROW(l.sku_id, l.sku_code, l.title, l.quantity, l.unit_price, l.warehouse_id,
                             l.stock_level_id, l.reserved_quantity)::text ORDER BY l.id)
          FROM orders_orderline l WHERE l.order_id = o.id),
       (SELECT array_agg(ROW(e.action, e.from_status, e.to_status, e.actor_id, e.note,
                             e.data - 'channel')::text ORDER BY e.id)
          FROM orders_orderevent e WHERE e.order_id = o.id),
       (SELECT array_agg(ROW(m.stock_level_id, m.delta_on_hand, m.delta_reserved, m.reason, m.note,
                             m.actor_id)::text ORDER BY m.id)
          FROM inventory_stockmovement m WHERE m.reference = o.number)
  FROM orders_order o
  JOIN orders_ordersource s ON s.order_id = o.id
  LEFT JOIN orders_customer cu ON cu.id = o.customer_id
 WHERE o.channel_id = (SELECT id FROM channels_channel WHERE code = %s)
"""


def compare_runs(ours_channel: str, raw_channel: str, phone_tags: dict[str, int], expected: int) -> None:
    """Fail unless both runs wrote the same rows (see COMPARE_SQL) for every order."""
    from django.db import connection

    def rows(channel):
        with connection.cursor() as cursor:
            cursor.execute(COMPARE_SQL, [channel])
            return {row[0]: row[1:] for row in cursor.fetchall()}

    ours, raw = rows(ours_channel), rows(raw_channel)
    if len(ours) != expected or len(raw) != expected:
        raise SystemExit(f"FAIL: expected {expected} orders per run, ours wrote {len(ours)}, raw {len(raw)}")
    for external_id, row in ours.items():
        if raw.get(external_id) != row:
            raise SystemExit(f"FAIL: order {external_id} differs\n ours: {row}\n raw:  {raw.get(external_id)}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT phone) FILTER (WHERE phone LIKE %s), count(DISTINCT phone) FILTER (WHERE phone LIKE %s)"
            " FROM orders_customer",
            [f"1{phone_tags['ours']:02d}%", f"1{phone_tags['raw']:02d}%"],
        )
        ours_customers, raw_customers = cursor.fetchone()
    if ours_customers != raw_customers:
        raise SystemExit(f"FAIL: ours created {ours_customers} customers, raw {raw_customers}")


def check_ledger() -> None:
    """Every stock row equals the sum of its movements; nothing over-reserved."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM inventory_stocklevel sl
              LEFT JOIN (SELECT stock_level_id, sum(delta_on_hand) AS on_hand, sum(delta_reserved) AS reserved
                           FROM inventory_stockmovement GROUP BY stock_level_id) m ON m.stock_level_id = sl.id
             WHERE sl.reserved > sl.on_hand
                OR sl.on_hand <> coalesce(m.on_hand, 0) OR sl.reserved <> coalesce(m.reserved, 0)
            """
        )
        (bad,) = cursor.fetchone()
    if bad:
        raise SystemExit(f"FAIL: {bad} stock rows disagree with their ledger")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common.add_database_argument(parser)
    parser.add_argument("--workers", type=int, default=4, help="worker processes (default 4)")
    parser.add_argument("--orders", type=int, default=400, help="orders per worker per run (default 400)")
    parser.add_argument("--skus", type=int, default=60, help="SKUs in the catalogue (default 60)")
    args = parser.parse_args()

    total = args.workers * args.orders
    figures: dict[str, list[float]] = {"ours": [], "raw": []}
    print(
        f"intake bench: {args.workers} processes x {args.orders} orders x {LINES_PER_ORDER} lines, "
        f"{args.warmup} warm-up + {args.rounds} rounds, ours and raw alternately",
        flush=True,
    )
    with _common.BenchDatabase(args.database_url, keep=args.keep):
        from channels.models import Channel, Platform

        skus = seed_catalog(args.skus)
        with _common.WorkerPool(args.workers, args.database_url, handle) as pool:
            run = 0
            for round_no in range(1 - args.warmup, args.rounds + 1):
                label = f"r{round_no}" if round_no > 0 else f"warm-up{1 - round_no}"
                channels, phone_tags = {}, {}
                for mode in ("ours", "raw"):
                    run += 1
                    code = f"bench-{mode}-{label}-{run:02d}"
                    Channel.objects.create(code=code, name=code, platform=Platform.TAOBAO)
                    channels[mode] = code
                    phone_tags[mode] = run
                    job = {
                        "mode": mode,
                        "channel": code,
                        "orders": args.orders,
                        "seed": 100 + round_no,
                        "skus": skus,
                        "phone_pool": max(1, total // 2),
                        "phone_tag": run,
                    }
                    wall, _results = pool.run(job)
                    rate = total / wall
                    print(f"{label:>9} {mode:>4}: {total} orders in {wall:6.2f} s = {rate:7.1f} orders/s", flush=True)
                    if round_no > 0:
                        figures[mode].append(rate)
                compare_runs(channels["ours"], channels["raw"], phone_tags, total)
        check_ledger()
        print("checks: ours and raw wrote the same rows in every round; every stock row matches its ledger")
    _common.report(unit="orders/s", ours=figures["ours"], raw=figures["raw"], ours_key="orders_per_s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
