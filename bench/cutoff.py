"""Group-buy cutoff: 2,000 leaders × 50 order lines = 100,000 lines; the purchase plan and the
split by station, on PostgreSQL.

Set-up (untimed, once): three warehouses, ``--leaders`` (default 2,000) pickup stations spread over
them, one leader each, a campaign of 40 items (pack sizes 1-12), stock of each item in each
warehouse (some short), and per leader 10 households × 5 lines (``--lines`` per leader, default
50): 20,000 paid orders 待审核, with their campaign links. About four orders in five are reserved
in their station's warehouse, the rest wait on hold for stock. Rows are written with
``bulk_create`` (the intake is measured by bench/intake.py), the stock rows' ``reserved`` and one
movement per row so the books balance.

Timed, alternately, ``--rounds`` times (after ``--warmup`` unmeasured rounds):

* ours: ``channels.services.cutoff.campaign_close`` — one transaction: the campaign locked and
  closed, the batch totals, the demand per SKU, the purchase plan per warehouse (demand − reserved
  − free, rounded up to packs) and the split by station and SKU;
* raw: the same in hand-written SQL with psycopg on one connection: the lock and the close, one
  totals query, and one statement whose CTE aggregates the lines per station and SKU once and
  inserts the station split, the demand and the purchase plan from it.

After each run the batch is compared with the other side's (same rows, same figures), then
removed and the campaign reopened, so every run starts alike. Then, once and untimed against the
ratio, ``--release-sample`` orders (default 1,000) are passed on to 待拣货 through
``order_approve`` (one transaction each), to report the per-order cost of the release that
follows a cutoff.

What it writes: a dedicated PostgreSQL database (``--database-url``; its name must contain
"bench"), dropped and created afresh, migrated, and dropped at the end unless ``--keep``.
The last line is machine-readable:
``ratio=1.12 raw_seconds=0.70 lines=100000 orders=20000 stations=2000 seconds=0.79``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal

import _common

ITEMS = 40
HOUSEHOLD_LINES = 5


def setup(leaders: int, lines_per_leader: int, seed: int) -> int:
    """Stations, leaders, the campaign and its orders; returns the campaign id."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from channels.groupbuy.models import Campaign, CampaignItem, CampaignOrder, GroupLeader
    from channels.models import Channel, Platform
    from inventory.models import MovementReason, Sku, StockLevel, StockMovement, Warehouse
    from orders.models import DeliveryStation, Order, OrderLine
    from orders.states import HoldReason, OrderStatus

    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        warehouses = [Warehouse.objects.create(code=c, name=n, provinces=[p])
                      for c, n, p in (("BH", "压测杭州仓", "浙江"), ("BG", "压测广州仓", "广东"), ("BC", "压测成都仓", "四川"))]
        skus = Sku.objects.bulk_create(Sku(code=f"GB{i:03d}", name=f"团购商品{i}") for i in range(ITEMS))
        channel = Channel.objects.create(code="bench-groupbuy", name="压测团购", platform=Platform.GROUPBUY)
        campaign = Campaign.objects.create(code="GBBENCH", name="压测团购", channel=channel, starts_at=now,
                                           cutoff_at=now + timedelta(days=1), commission_rate=Decimal("0.08"))
        items = CampaignItem.objects.bulk_create(
            CampaignItem(campaign=campaign, sku=sku, price=Decimal("9.90"), pack_size=rng.choice((1, 6, 10, 12)),
                         position=i) for i, sku in enumerate(skus)
        )
        levels = {}
        for warehouse in warehouses:
            for sku in skus:
                levels[(warehouse.pk, sku.pk)] = StockLevel(sku=sku, warehouse=warehouse,
                                                            on_hand=rng.choice((0, 50, 500, 5000)))
        StockLevel.objects.bulk_create(levels.values())
        stations = DeliveryStation.objects.bulk_create(
            DeliveryStation(code=f"BS{i:05d}", name=f"压测自提点{i}", region=f"片区{i % 50}", province="浙江省",
                            city="杭州市", street=f"压测路 {i} 号", warehouse=warehouses[i % 3])
            for i in range(leaders)
        )
        users = get_user_model().objects.bulk_create(get_user_model()(username=f"bench_leader_{i}") for i in range(leaders))
        group_leaders = GroupLeader.objects.bulk_create(
            GroupLeader(user=user, name=f"团长{i}", phone="13800000000", station=station)
            for i, (user, station) in enumerate(zip(users, stations, strict=True))
        )
        households = lines_per_leader // HOUSEHOLD_LINES
        orders, order_lines, links, free = [], [], [], {key: level.on_hand for key, level in levels.items()}
        n = 0
        for leader, station in zip(group_leaders, stations, strict=True):
            for _h in range(households):
                n += 1
                chosen = rng.sample(items, HOUSEHOLD_LINES)
                wanted = [(item, rng.randint(1, 3)) for item in chosen]
                keys = [(station.warehouse_id, item.sku_id) for item, _q in wanted]
                reserved = all(free[key] >= qty for key, (_item, qty) in zip(keys, wanted, strict=True))
                if reserved:
                    for key, (_item, qty) in zip(keys, wanted, strict=True):
                        free[key] -= qty
                order = Order(
                    number=f"GBB{n:09d}", channel=channel, station=station, recipient_name=f"住户{n}",
                    phone=f"139{n:08d}", province="浙江省", city="杭州市", street=station.street, paid_at=now,
                    placed_at=now, goods_amount=sum(item.price * q for item, q in wanted),
                    status=OrderStatus.PENDING_REVIEW if reserved else OrderStatus.ON_HOLD,
                    hold_reason="" if reserved else HoldReason.OUT_OF_STOCK,
                    warehouse_id=station.warehouse_id if reserved else None,
                )
                orders.append(order)
                for (item, qty), key in zip(wanted, keys, strict=True):
                    order_lines.append(OrderLine(
                        order=order, sku_id=item.sku_id, sku_code=f"GB{item.sku_id}", quantity=qty, unit_price=item.price,
                        warehouse_id=key[0] if reserved else None,
                        stock_level=levels[key] if reserved else None, reserved_quantity=qty if reserved else 0,
                    ))
                links.append(CampaignOrder(campaign=campaign, leader=leader, order=order, token=f"bench-{n:09d}",
                                           photo="groupbuy/bench.jpg", thumbnail="groupbuy/bench_thumb.jpg"))
        Order.objects.bulk_create(orders, batch_size=2000)
        OrderLine.objects.bulk_create(order_lines, batch_size=5000)
        CampaignOrder.objects.bulk_create(links, batch_size=5000)
        movements = []
        for key, level in levels.items():
            level.reserved = level.on_hand - free[key]
            movements.append(StockMovement(stock_level=level, delta_on_hand=level.on_hand, reason=MovementReason.RECEIVE))
            if level.reserved:
                movements.append(StockMovement(stock_level=level, delta_reserved=level.reserved,
                                               reason=MovementReason.RESERVE, reference="bench"))
        StockLevel.objects.bulk_update(levels.values(), ["reserved"], batch_size=1000)
        StockMovement.objects.bulk_create(movements, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return campaign.pk


def run_ours(campaign_id: int) -> int:
    from channels.services.cutoff import campaign_close

    return campaign_close(campaign=campaign_id).pk


TOTALS_SQL = """
SELECT count(*), coalesce(sum(o.goods_amount), 0),
       coalesce((SELECT sum(l.quantity) FROM orders_orderline l JOIN channels_campaignorder c2 ON c2.order_id = l.order_id
                 JOIN orders_order o2 ON o2.id = l.order_id WHERE c2.campaign_id = %(c)s AND o2.status <> 'cancelled'), 0)
FROM channels_campaignorder c JOIN orders_order o ON o.id = c.order_id
WHERE c.campaign_id = %(c)s AND o.status <> 'cancelled'
"""
BATCH_SQL = """
INSERT INTO channels_cutoffbatch (campaign_id, closed_at, closed_by_id, order_count, unit_count, amount, released_at)
VALUES (%s, now(), NULL, %s, %s, %s, NULL) RETURNING id
"""
PLAN_SQL = """
WITH per AS (
    SELECT o.station_id, l.sku_id, sum(l.quantity) AS q, sum(l.reserved_quantity) AS r, count(DISTINCT o.id) AS h
    FROM orders_orderline l
    JOIN orders_order o ON o.id = l.order_id
    JOIN channels_campaignorder c ON c.order_id = o.id
    WHERE c.campaign_id = %(c)s AND o.status <> 'cancelled' AND l.sku_id IS NOT NULL AND o.station_id IS NOT NULL
    GROUP BY o.station_id, l.sku_id
), split AS (
    INSERT INTO channels_stationline (batch_id, station_id, sku_id, quantity, households)
    SELECT %(b)s, station_id, sku_id, q, h FROM per
), demand AS (
    INSERT INTO channels_cutoffdemand (batch_id, sku_id, quantity, orders)
    SELECT %(b)s, sku_id, sum(q), sum(h) FROM per GROUP BY sku_id
), need AS (
    SELECT s.warehouse_id, per.sku_id, sum(per.q) AS q, sum(per.r) AS r
    FROM per JOIN orders_deliverystation s ON s.id = per.station_id
    GROUP BY s.warehouse_id, per.sku_id
), plan AS (
    SELECT n.warehouse_id, n.sku_id, n.q, n.r, greatest(coalesce(sl.on_hand - sl.reserved, 0), 0) AS free,
           coalesce(ci.pack_size, 1) AS pack
    FROM need n
    LEFT JOIN inventory_stocklevel sl ON sl.warehouse_id = n.warehouse_id AND sl.sku_id = n.sku_id
    LEFT JOIN channels_campaignitem ci ON ci.campaign_id = %(c)s AND ci.sku_id = n.sku_id
)
INSERT INTO channels_purchaseline (batch_id, warehouse_id, sku_id, demand, reserved, free, shortfall, pack_size,
                                   packs, quantity)
SELECT %(b)s, warehouse_id, sku_id, q, r, free, greatest(q - r - free, 0), pack,
       ceil(greatest(q - r - free, 0)::numeric / pack)::int, ceil(greatest(q - r - free, 0)::numeric / pack)::int * pack
FROM plan
"""


def run_raw(conn, campaign_id: int) -> int:
    with conn.transaction():
        (status,) = conn.execute("SELECT status FROM channels_campaign WHERE id = %s FOR UPDATE", [campaign_id]).fetchone()
        assert status == "open"
        conn.execute("UPDATE channels_campaign SET status = 'closed', closed_at = now() WHERE id = %s", [campaign_id])
        orders, amount, units = conn.execute(TOTALS_SQL, {"c": campaign_id}).fetchone()
        (batch_id,) = conn.execute(BATCH_SQL, [campaign_id, orders, units, amount]).fetchone()
        conn.execute(PLAN_SQL, {"c": campaign_id, "b": batch_id})
    return batch_id


def batch_rows(conn, batch_id: int) -> tuple:
    """Everything the batch says, to compare ours with raw."""
    totals = conn.execute("SELECT order_count, unit_count, amount FROM channels_cutoffbatch WHERE id = %s",
                          [batch_id]).fetchone()
    split = conn.execute("SELECT station_id, sku_id, quantity, households FROM channels_stationline WHERE batch_id = %s "
                         "ORDER BY 1, 2", [batch_id]).fetchall()
    demand = conn.execute("SELECT sku_id, quantity, orders FROM channels_cutoffdemand WHERE batch_id = %s ORDER BY 1",
                          [batch_id]).fetchall()
    plan = conn.execute("SELECT warehouse_id, sku_id, demand, reserved, free, shortfall, pack_size, packs, quantity "
                        "FROM channels_purchaseline WHERE batch_id = %s ORDER BY 1, 2", [batch_id]).fetchall()
    return totals, split, demand, plan


def clear(conn, campaign_id: int) -> None:
    with conn.transaction():
        for table in ("channels_stationline", "channels_cutoffdemand", "channels_purchaseline"):
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names
        conn.execute("DELETE FROM channels_cutoffbatch")
        conn.execute("UPDATE channels_campaign SET status = 'open', closed_at = NULL WHERE id = %s", [campaign_id])


def release_sample(campaign_id: int, count: int) -> float:
    """Seconds per order of passing ``count`` orders on through ``order_approve``."""
    from channels.groupbuy.models import CampaignOrder
    from orders.services import order_approve
    from orders.states import OrderStatus

    ids = list(CampaignOrder.objects.filter(campaign_id=campaign_id, order__status=OrderStatus.PENDING_REVIEW)
               .order_by("order_id").values_list("order_id", flat=True)[:count])
    started = time.perf_counter()
    for order_id in ids:
        order_approve(order=order_id, expected_status=OrderStatus.PENDING_REVIEW)
    return (time.perf_counter() - started) / max(len(ids), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    _common.add_database_argument(parser)
    parser.add_argument("--leaders", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=50, help="order lines per leader (households of 5 lines)")
    parser.add_argument("--release-sample", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    import psycopg

    with _common.BenchDatabase(args.database_url, keep=args.keep) as db:
        started = time.monotonic()
        campaign_id = setup(args.leaders, args.lines, args.seed)
        from django.db import connection

        with psycopg.connect(db.url, autocommit=True) as conn:
            (lines,) = conn.execute("SELECT count(*) FROM orders_orderline").fetchone()
            (orders,) = conn.execute("SELECT count(*) FROM orders_order").fetchone()
            print(f"set-up: {args.leaders} leaders, {orders} orders, {lines} lines in "
                  f"{time.monotonic() - started:.1f}s", flush=True)
            ours, raw = [], []
            for round_ in range(args.warmup + args.rounds):
                measured = round_ >= args.warmup
                t0 = time.perf_counter()
                ours_batch = run_ours(campaign_id)
                ours_s = time.perf_counter() - t0
                connection.close()
                mine = batch_rows(conn, ours_batch)
                clear(conn, campaign_id)
                t0 = time.perf_counter()
                raw_batch = run_raw(conn, campaign_id)
                raw_s = time.perf_counter() - t0
                theirs = batch_rows(conn, raw_batch)
                clear(conn, campaign_id)
                assert mine == theirs, "ours and raw disagree"
                label = f"round {round_ - args.warmup + 1}" if measured else "warm-up"
                print(f"{label}: ours {ours_s:.3f}s  raw {raw_s:.3f}s  ({len(mine[1])} station lines, "
                      f"{len(mine[3])} purchase lines)", flush=True)
                if measured:
                    ours.append(ours_s)
                    raw.append(raw_s)
            per_order = release_sample(campaign_id, args.release_sample)
            print(f"release (untimed against the ratio): order_approve {per_order * 1000:.1f} ms an order, "
                  f"{per_order * orders:.0f}s for all {orders} orders in the background", flush=True)
        seconds, raw_seconds = statistics.median(ours), statistics.median(raw)
        print(f"median: ours {seconds:.3f}s raw {raw_seconds:.3f}s ratio {seconds / raw_seconds:.2f}")
        print(f"ratio={seconds / raw_seconds:.2f} raw_seconds={raw_seconds:.2f} lines={lines} orders={orders} "
              f"stations={args.leaders} seconds={seconds:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
