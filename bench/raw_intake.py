"""The raw-SQL baseline of ``bench/intake.py``: ``order_intake``'s work written by hand with
psycopg 3 in pipeline mode, two round trips per order (see that script's docstring and
docs/BENCHMARKS.md). It writes the same rows into the same tables as ours; the script compares
them after every round.

Imports of the project (the draft's checks, the address rule, the customer-phone rule) happen
inside the functions: the worker processes call ``django.setup()`` first.
"""

from __future__ import annotations

from datetime import UTC, datetime

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
    "INSERT INTO orders_ordersource (order_id, channel_id, external_id, buyer_nick, import_job_id, created_at) "
    "VALUES (%s, %s, %s, %s, NULL, now())"
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
        return self._write(ctx, None, "out_of_stock", self._shortage_note(draft, ctx["skus"], needs))

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


    def _shortage_note(self, draft, skus, needs) -> str:
        """The order core's wording of what is short in the warehouse that comes closest."""
        from orders.address import normalize_province

        warehouses, free = {}, {}
        for wid, name, provinces, sku_id, available in self.conn.execute(SHORTAGE_SQL, [list(needs)]):
            warehouses[wid] = (name, provinces)
            if sku_id is not None:
                free[(wid, sku_id)] = available
        wanted = normalize_province(draft.recipient.province)

        def closeness(wid):
            short = sum(max(qty - free.get((wid, sku_id), 0), 0) for sku_id, qty in needs.items())
            serves = wanted in {normalize_province(p) for p in warehouses[wid][1] or []}
            return short, not serves, wid

        codes = {pk: code for code, (pk, _name) in skus.items()}
        best = min(warehouses, key=closeness) if warehouses else None
        parts = []
        for sku_id, qty in sorted(needs.items(), key=lambda item: codes[item[0]]):
            available = max(free.get((best, sku_id), 0), 0)
            if best is not None and available < qty:
                parts.append(f"{codes[sku_id]} 缺 {qty - available} 件（{warehouses[best][0]}可用 {available}）")
        return "；".join(parts)[:500] if parts else "没有一个仓库能整单发货"


class _Shortage(Exception):
    pass


def _customer_phone(name: str, phone: str) -> str | None:
    """The order core's rule (privacy numbers or missing phones make no customer), not copied."""
    from orders.services.customers import customer_phone

    return customer_phone(name, phone)
