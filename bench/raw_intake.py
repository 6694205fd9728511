"""The raw-SQL baseline of ``bench/intake.py``: ``order_intake``'s work written by hand with
psycopg 3 in pipeline mode, two round trips per order (see that script's docstring and
docs/BENCHMARKS.md). It writes the same rows into the same tables as ours; the script compares
them after every round.

Imports of the project (the draft's checks, the address rule, the customer-phone rule) happen
inside the functions: the worker processes call ``django.setup()`` first.
"""

from __future__ import annotations

from datetime import UTC, datetime

NO_PHONE = "-"  # as orders.flow_reads.NO_PHONE: no stored phone is it

DEDUP_SQL = """
SELECT (SELECT s.order_id FROM orders_ordersource s JOIN channels_channel c ON c.id = s.channel_id
         WHERE c.code = %(channel)s AND s.external_id = %(external_id)s AND NOT s.split_copy LIMIT 1),
       (SELECT id FROM channels_channel WHERE code = %(channel)s AND active)
"""
NEXT_NUMBER_SQL = """
INSERT INTO orders_ordernumbersequence (day, last)
SELECT %(day)s, 1
 WHERE EXISTS (SELECT 1 FROM channels_channel WHERE code = %(channel)s AND active)
   AND NOT EXISTS (SELECT 1 FROM orders_ordersource s JOIN channels_channel c ON c.id = s.channel_id
                    WHERE c.code = %(channel)s AND s.external_id = %(external_id)s AND NOT s.split_copy)
ON CONFLICT (day) DO UPDATE SET last = orders_ordernumbersequence.last + 1
RETURNING last
"""
SKUS_SQL = "SELECT id, code, name, category, unit_weight_g FROM inventory_sku WHERE code = ANY(%s) AND active"
STOCK_SQL = """
SELECT sl.id, sl.sku_id, sl.warehouse_id, sl.on_hand, sl.reserved, w.provinces
  FROM inventory_stocklevel sl
  JOIN inventory_sku k ON k.id = sl.sku_id
  JOIN inventory_warehouse w ON w.id = sl.warehouse_id
 WHERE k.code = ANY(%s) AND k.active AND w.active AND sl.on_hand > sl.reserved
"""
CUSTOMER_SQL = "SELECT id FROM orders_customer WHERE phone = %s"
#: What the auto-review and the routing read (``orders.flow_reads``), written by hand.
FLOW_CONFIG_SQL = """
SELECT c.id, p.pick_sla_minutes, p.allow_split, p.platform_waybill_required,
       s.pick_sla_minutes, s.review_enabled, s.review_default, s.auto_merge
  FROM channels_channel c LEFT JOIN orders_channelpolicy p ON p.channel_id = c.id
  LEFT JOIN orders_flowsettings s ON s.id = 1
 WHERE c.code = %s
"""
RULES_SQL = """
SELECT id, name, kind, channel_id, amount, count, days, outcome, hold_reason, note
  FROM orders_reviewrule WHERE enabled ORDER BY sequence, id
"""
LISTS_SQL = """
SELECT id, list_kind, phone, address FROM orders_reviewlistentry
 WHERE phone = %s OR (list_kind = 'blocked' AND address <> '') ORDER BY id
"""
REFUNDS_SQL = """
SELECT o.phone, e.order_id, max(e.at) FROM orders_orderevent e JOIN orders_order o ON o.id = e.order_id
 WHERE e.action = 'refund' AND e.at >= now() - interval '90 days' AND o.phone = %s GROUP BY o.phone, e.order_id
"""
ROUTES_SQL = """
SELECT r.warehouse_id, r.provinces, r.priority FROM orders_provinceroute r
  JOIN inventory_warehouse w ON w.id = r.warehouse_id WHERE r.enabled AND w.active ORDER BY r.id
"""
CATEGORY_SQL = """
SELECT r.category, r.mode, m.warehouse_id FROM orders_categoryroute r
  LEFT JOIN orders_categoryroute_warehouses m ON m.categoryroute_id = r.id WHERE r.enabled ORDER BY r.id
"""
COLD_SQL = "SELECT id FROM inventory_warehouse WHERE cold_chain AND active"
#: Only when warehouses tie on priority: their rate zones and active services' rates.
RATES_SQL = """
SELECT z.warehouse_id, z.id, z.provinces, r.first_weight_g, r.first_price, r.step_weight_g, r.step_price
  FROM warehouse_carrierrate r JOIN warehouse_ratezone z ON z.id = r.zone_id
  JOIN warehouse_carrierservice s ON s.id = r.service_id JOIN warehouse_carrier c ON c.id = s.carrier_id
 WHERE z.warehouse_id = ANY(%s) AND s.active AND c.active
 ORDER BY z.warehouse_id, z.sequence, z.id
"""
#: Only when no warehouse can take the order: every active warehouse with what it has of these SKUs.
SHORTAGE_SQL = """
SELECT w.id, w.name, w.provinces, sl.sku_id, sl.on_hand - sl.reserved
  FROM inventory_warehouse w
  LEFT JOIN inventory_stocklevel sl ON sl.warehouse_id = w.id AND sl.sku_id = ANY(%s)
 WHERE w.active ORDER BY w.id
"""
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
    "INSERT INTO orders_ordersource (order_id, channel_id, external_id, buyer_nick, import_job_id, created_at, "
    "split_copy) VALUES (%s, %s, %s, %s, NULL, now(), false)"
)
LINES_SQL = """
INSERT INTO orders_orderline (order_id, sku_id, sku_code, title, quantity, unit_price, warehouse_id,
                              stock_level_id, reserved_quantity, gift)
SELECT %(order_id)s, l.*, '' FROM unnest(%(sku_ids)s::bigint[], %(codes)s::text[], %(titles)s::text[],
                                    %(qtys)s::int[], %(prices)s::numeric[], %(warehouses)s::bigint[],
                                    %(levels)s::bigint[], %(reserved)s::int[]) AS l
"""
EVENT_SQL = """
INSERT INTO orders_orderevent (order_id, action, from_status, to_status, actor_id, at, note, data)
VALUES (%s, %s, %s, %s, NULL, now(), %s, %s)
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

        draft.validate()
        conn = self.conn
        codes = sorted({line.sku_code for line in draft.lines})
        phone = _customer_phone(draft.recipient.name, draft.recipient.phone)
        key = {"channel": draft.channel, "external_id": draft.external_id, "day": timezone.localdate()}
        with conn.pipeline():
            dedup = conn.execute(DEDUP_SQL, key)
            sequence = conn.execute(NEXT_NUMBER_SQL, key)
            sku_rows = conn.execute(SKUS_SQL, [codes])
            stock_rows = conn.execute(STOCK_SQL, [codes])
            customer = conn.execute(CUSTOMER_SQL, [phone]) if phone else None
            flow = [
                conn.execute(FLOW_CONFIG_SQL, [draft.channel]),
                conn.execute(RULES_SQL),
                conn.execute(LISTS_SQL, [phone or NO_PHONE]),
                conn.execute(REFUNDS_SQL, [phone or NO_PHONE]),
                conn.execute(ROUTES_SQL),
                conn.execute(CATEGORY_SQL),
                conn.execute(COLD_SQL),
            ]
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
            "skus": {code: (pk, name, category, weight) for pk, code, name, category, weight in sku_rows.fetchall()},
            "phone": phone,
            "customer_id": (customer.fetchone() or [None])[0] if customer else None,
            "flow": _flow_facts(phone, *(cursor.fetchall() for cursor in flow)),
        }
        hold_reason, hold_note, needs, routed = self._plan(draft, ctx, stock_rows.fetchall())
        if hold_reason:  # decided before any reservation
            return self._write(ctx, None, hold_reason, hold_note, {})
        trace = routed.trace
        for warehouse_id, levels in routed.candidates:
            if warehouse_id != routed.trace.get("chosen"):
                trace = {**routed.trace, "chosen": warehouse_id, "taken_after": routed.trace.get("chosen")}
            try:
                return self._write(ctx, (warehouse_id, levels, needs), "", "", trace)
            except _Shortage:
                continue
        reason, note = self._hold(draft, ctx["skus"], needs, ctx["flow"].routing)
        return self._write(ctx, None, reason, note, routed.trace)

    def _plan(self, draft, ctx, stock_rows):
        from django.utils.text import Truncator

        from orders.services.routing import route

        skus = ctx["skus"]
        unknown = sorted({line.sku_code for line in draft.lines if line.sku_code not in skus})
        if unknown:
            return "unknown_sku", Truncator("未知商家编码：" + "、".join(unknown)).chars(500), {}, None
        missing = draft.recipient.missing_parts()
        if missing:
            return "bad_address", "地址缺少：" + "、".join(missing), {}, None
        needs: dict[int, int] = {}
        for line in draft.lines:
            sku_id = skus[line.sku_code][0]
            needs[sku_id] = needs.get(sku_id, 0) + line.quantity
        facts = {pk: ((category or "").strip(), weight or 0) for pk, _name, category, weight in skus.values()}
        routed = route(
            needs=needs, province=draft.recipient.province, rows=stock_rows, skus=facts,
            rules=ctx["flow"].routing, estimate=self._estimate,
        )
        return "", "", needs, routed

    def _estimate(self, warehouse_ids, province, weight_g):
        """The rate table read by hand, priced by the carriers' rule (首重 + 续重, the first zone by
        sequence covering the province, the cheapest active service)."""
        import math

        from orders.address import normalize_province

        wanted = normalize_province(province)
        zone_of, costs = {}, {}
        billing = max(int(weight_g or 0), 1)
        for warehouse_id, zone_id, provinces, first_g, first_price, step_g, step_price in self.conn.execute(
            RATES_SQL, [list(warehouse_ids)]
        ):
            if warehouse_id not in zone_of:
                if wanted not in {normalize_province(p) for p in provinces or []}:
                    continue
                zone_of[warehouse_id] = zone_id
            if zone_of[warehouse_id] != zone_id:
                continue
            price = first_price + step_price * math.ceil(max(0, billing - first_g) / step_g)
            if warehouse_id not in costs or price < costs[warehouse_id]:
                costs[warehouse_id] = price
        return costs

    def _write(self, ctx, allocation, hold_reason: str, hold_note: str, route: dict) -> tuple[int, bool]:
        import psycopg
        from psycopg.types.json import Jsonb

        from orders.privacy import classify_contact
        from orders.review import OrderFacts, review_decide

        draft = ctx["draft"]
        recipient = draft.recipient
        contact = classify_contact(recipient.name, recipient.phone)
        conn = self.conn
        paid_status = "pending_review" if draft.paid else "pending_payment"
        status = "on_hold" if hold_reason else paid_status
        goods = draft.goods_amount
        paid_amount = (
            draft.paid_amount if draft.paid_amount is not None else goods + draft.shipping_fee - draft.discount_amount
        )
        decision = None
        if status == "pending_review" and ctx["flow"].reviews:
            decision = review_decide(
                order=OrderFacts(
                    channel_id=ctx["channel_id"], paid_amount=paid_amount, phone=contact.phone, privacy=contact.privacy,
                    province=recipient.province, city=recipient.city, district=recipient.district,
                    street=recipient.street, buyer_note=draft.buyer_note,
                ),
                facts=ctx["flow"],
            )
            status = {"approve": "ready", "hold": "on_hold"}.get(decision.outcome, "pending_review")
            if status == "on_hold":
                hold_reason, hold_note = decision.hold_reason, decision.note
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
                        "paid_amount": paid_amount,
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
                data = {**draft.data, "channel": draft.channel, "external_id": draft.external_id}
                if route:
                    data["route"] = route
                if decision is None:
                    conn.execute(EVENT_SQL, [ctx["id"], "created", "", status, hold_note, Jsonb({**data, "hold_reason": hold_reason})])
                else:
                    waiting = "pending_review"
                    conn.execute(EVENT_SQL, [ctx["id"], "created", "", waiting, "", Jsonb({**data, "hold_reason": ""})])
                    conn.execute(EVENT_SQL, [ctx["id"], "review", waiting, waiting, decision.note, Jsonb(decision.trace)])
                    if status != waiting:
                        transition = {"review_rule": decision.rule_id}
                        if status == "on_hold":
                            transition["reason"] = decision.hold_reason
                        action = "approve" if status == "ready" else "hold"
                        conn.execute(EVENT_SQL, [ctx["id"], action, waiting, status, decision.note, Jsonb(transition)])
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


    def _hold(self, draft, skus, needs, rules) -> tuple[str, str]:
        """The order core's hold when no warehouse took the order: 无可发货仓库 when the category
        rules leave no active warehouse (its words: ``reservation.no_warehouse_hold``), else what is
        short in the warehouse that comes closest among those the rules allow."""
        from orders.address import normalize_province
        from orders.services.reservation import no_warehouse_hold
        from orders.services.routing import category_refusal

        categories = {(category or "").strip() for _pk, _name, category, _weight in skus.values()} - {""}
        everywhere, warehouses, free = [], {}, {}
        for wid, name, provinces, sku_id, available in self.conn.execute(SHORTAGE_SQL, [list(needs)]):
            if wid not in everywhere:
                everywhere.append(wid)
            if category_refusal(wid, categories, rules):
                continue
            warehouses[wid] = (name, provinces)
            if sku_id is not None:
                free[(wid, sku_id)] = available
        if not warehouses:
            hold = no_warehouse_hold(categories, everywhere, rules)
            return hold.reason, hold.note
        wanted = normalize_province(draft.recipient.province)

        def closeness(wid):
            short = sum(max(qty - free.get((wid, sku_id), 0), 0) for sku_id, qty in needs.items())
            serves = wanted in {normalize_province(p) for p in warehouses[wid][1] or []}
            return short, not serves, wid

        codes = {sku[0]: code for code, sku in skus.items()}
        best = min(warehouses, key=closeness) if warehouses else None
        parts = []
        for sku_id, qty in sorted(needs.items(), key=lambda item: codes[item[0]]):
            available = max(free.get((best, sku_id), 0), 0)
            if best is not None and available < qty:
                parts.append(f"{codes[sku_id]} 缺 {qty - available} 件（{warehouses[best][0]}可用 {available}）")
        return "out_of_stock", "；".join(parts)[:500] if parts else "没有一个仓库能整单发货"


class _Shortage(Exception):
    pass


def _flow_facts(phone, config, rules, lists, refunds, routes, categories, cold):
    """The reads as the review and the routing take them (the order core's parsing, not copied)."""
    from orders.flow_reads import (
        FlowFacts,
        config_from_rows,
        lists_from_rows,
        refunds_from_rows,
        routing_from_rows,
        rules_from_rows,
    )

    return FlowFacts(
        config=config_from_rows(config),
        rules=rules_from_rows(rules),
        lists=lists_from_rows(lists),
        refunds=refunds_from_rows(refunds).get(phone, []) if phone else [],
        routing=routing_from_rows(routes, categories, cold),
    )


def _customer_phone(name: str, phone: str) -> str | None:
    """The order core's rule (privacy numbers or missing phones make no customer), not copied."""
    from orders.services.customers import customer_phone

    return customer_phone(name, phone)
