"""Order intake throughput: ``orders.services.order_intake`` against a raw-SQL baseline.

K worker processes (``--workers``, default 4; ``spawn`` start method, each calls ``django.setup()``)
push realistic 3-line orders (recipient, province, paid or not, distinct external ids; SKUs with
plenty of stock in 3 warehouses) through ``order_intake``, with the auto-review and the routing
rules on (``seed_flow``). The baseline (``bench/raw_intake.py``) does the same work by hand with
psycopg 3 in pipeline mode, per order:

1. one pipeline (autocommit): the dedup lookup on ``orders_ordersource`` with the channel check, the
   daily number UPSERT on ``orders_ordernumbersequence`` (skipped by its own WHERE on a repeat),
   the SKUs, the available stock rows with their warehouses' provinces, the customer by phone, the
   flow settings with the shop's policy, the review rules, the list entries for the phone and the
   blacklisted addresses, the phone's refunds, the routing rules (province, category, cold chain),
   and the next order id;
2. the warehouse chosen in Python by the same rule (``orders.services.routing.route``; on a tie of
   priority the rate table is read by hand for the cost), and the review decided by the same rules
   (``orders.review.review_decide``);
3. one pipeline, one transaction: the conditional reservation UPDATE on ``inventory_stocklevel``
   (rows locked in pk order; a shortfall aborts the transaction), the ``inventory_stockmovement``
   rows, the customer insert if the phone is new, then ``orders_order``, ``orders_ordersource``,
   the ``orders_orderline`` rows and the ``orders_orderevent`` rows (created with the routing's
   trace, review, approve or hold), COMMIT.

Both write the same rows into the same tables with the same indexes and constraints; after every
round the script compares them column by column (ids, order numbers, the times the database
stamps and the phone prefix that keeps each run's customers apart excepted, also where the review's
trace shows the phone masked) and fails if they differ. Runs alternate
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
from datetime import datetime, timedelta
from decimal import Decimal

import _common
from raw_intake import RawIntake

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
    """Warehouses, SKUs and opening stock, through the real services; returns [(code, price)].
    One SKU in 20 is 生鲜 (fresh: only the cold-chain 广州仓 may ship it)."""
    from inventory.models import Sku, Warehouse
    from inventory.services import stock_receive

    warehouses = [Warehouse.objects.create(code=c, name=n, provinces=p) for c, n, p in WAREHOUSES]
    skus = []
    for i in range(sku_count):
        category = "生鲜" if i % 20 == 7 else "家居"
        sku = Sku.objects.create(code=f"B{i:04d}", name=f"压测商品 {i:04d}", unit_weight_g=100 + i, category=category)
        for warehouse in warehouses:
            stock_receive(sku=sku, warehouse=warehouse, quantity=1_000_000, reference="opening")
        skus.append((sku.code, str(sku_price(i))))
    seed_flow(warehouses)
    return skus


def seed_flow(warehouses) -> None:
    """Auto-review and routing switched on, as ops would set them up in admin: six review rules
    (blacklist, unplaceable address, frequent returns, privacy number with the platform's waybill,
    large amount, buyer message) with 50 blacklisted phones and 20 addresses, approving the rest;
    each warehouse serving its provinces first and the whole country after (so orders to 四川 and
    湖北 tie and the rate table decides); 生鲜 from the cold-chain warehouse only; a rate table."""
    from decimal import Decimal

    from inventory.models import Warehouse
    from orders.flow_models import (
        CategoryMode,
        CategoryRoute,
        FlowSettings,
        ProvinceRoute,
        ReviewKind,
        ReviewListEntry,
        ReviewOutcome,
        ReviewRule,
    )
    from warehouse.models.carriers import Carrier, CarrierRate, CarrierService, RateZone

    FlowSettings.objects.filter(pk=1).update(review_enabled=True, review_default="approve")
    rules = [
        ("黑名单", ReviewKind.BLOCKED, ReviewOutcome.HOLD, {}),
        ("地址无法识别", ReviewKind.ADDRESS, ReviewOutcome.HOLD, {"hold_reason": "bad_address"}),
        ("频繁退货", ReviewKind.RETURNS, ReviewOutcome.FLAG, {"count": 3, "days": 30}),
        ("隐私号需平台面单", ReviewKind.PRIVACY_WAYBILL, ReviewOutcome.HOLD, {}),
        ("大额订单", ReviewKind.AMOUNT_ABOVE, ReviewOutcome.FLAG, {"amount": Decimal("2000")}),
        ("有买家留言", ReviewKind.BUYER_NOTE, ReviewOutcome.FLAG, {}),
    ]
    for sequence, (name, kind, outcome, fields) in enumerate(rules, start=1):
        ReviewRule.objects.create(name=name, sequence=sequence, kind=kind, outcome=outcome, **fields)
    ReviewListEntry.objects.bulk_create(
        [ReviewListEntry(list_kind="blocked", phone=f"1990000{i:04d}") for i in range(50)]
        + [ReviewListEntry(list_kind="blocked", address=f"黑名单路 {i} 号") for i in range(20)]
    )
    carrier = Carrier.objects.create(code="ZTO", name="中通快递", short_name="中通")
    service = CarrierService.objects.create(carrier=carrier, name="中通标快")
    everywhere = [p for place in PLACES for p in (place[0][:2],)]
    for n, warehouse in enumerate(warehouses):
        ProvinceRoute.objects.create(warehouse=warehouse, provinces=warehouse.provinces, priority=1)
        ProvinceRoute.objects.create(warehouse=warehouse, provinces=[], priority=50)
        zone = RateZone.objects.create(warehouse=warehouse, name="全国", provinces=everywhere)
        CarrierRate.objects.create(
            service=service, zone=zone, first_price=Decimal(10 - n), step_price=Decimal("2.00")
        )
    Warehouse.objects.filter(code="GZ").update(cold_chain=True)
    CategoryRoute.objects.create(category="生鲜", mode=CategoryMode.COLD_CHAIN)


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
                             -- the review's trace shows the masked phone: its run prefix differs
                             regexp_replace((e.data - 'channel')::text, '"1[0-9]{2}[*]{4}', '"1xx****', 'g'))::text
                         ORDER BY e.id)
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
