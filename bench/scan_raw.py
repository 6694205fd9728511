"""The raw baseline for ``bench/scan.py``: a minimal WSGI app (``gunicorn scan_raw:app``).

``POST /scan`` with a form body ``wave``, ``actor``, ``code``, ``request_id``: one psycopg
transaction doing what ``warehouse.services.pick_scan`` does for the wave's current line — find
the first line not done in walking order and its SKU, lock the wave's orders that need that SKU
(primary-key order) and the line, look the request id up (a re-sent scan answers as before), then
for the right item sum what the live orders still hold, add the unit to the line (closing it when
complete), insert the scan record and move the wave to picking (to picked after its last line);
a wrong item inserts the refused scan record only. Answers ``{"code": "ok"}`` (200) or
``{"code": "wrong_item"}`` (422). No Django, no session, no login, no template: the floor the
real view is measured against.
"""

import json
import os
import threading
from urllib.parse import parse_qs

import psycopg

CURRENT_LINE_SQL = """
SELECT l.id, l.sku_id, s.code, s.barcode FROM warehouse_pickline l JOIN inventory_sku s ON s.id = l.sku_id
WHERE l.wave_id = %s AND l.done_at IS NULL ORDER BY l.sequence LIMIT 1
"""
LOCK_ORDERS_SQL = """
SELECT o.id, o.status FROM orders_order o WHERE o.id IN (
    SELECT wo.order_id FROM warehouse_waveorder wo JOIN orders_orderline ol ON ol.order_id = wo.order_id
    WHERE wo.wave_id = %s AND wo.active AND ol.sku_id = %s)
ORDER BY o.id FOR UPDATE
"""
LOCK_LINE_SQL = "SELECT picked, short, quantity FROM warehouse_pickline WHERE id = %s FOR UPDATE"
PRIOR_SQL = "SELECT ok, reason FROM warehouse_scanrecord WHERE request_id = %s"
NEED_SQL = "SELECT COALESCE(SUM(reserved_quantity), 0) FROM orders_orderline WHERE order_id = ANY(%s) AND sku_id = %s"
PICK_SQL = """
UPDATE warehouse_pickline SET picked = picked + 1, picked_by_id = %s,
    done_at = CASE WHEN done_at IS NULL AND picked + 1 + short >= LEAST(quantity, %s) THEN now() ELSE done_at END
WHERE id = %s RETURNING done_at IS NOT NULL
"""
RECORD_SQL = """
INSERT INTO warehouse_scanrecord (step, wave_id, line_id, order_id, sku_id, code, quantity, ok, reason, message,
                                  data, actor_id, at, request_id)
VALUES ('pick', %s, %s, NULL, %s, %s, 1, %s, %s, %s, '{}', %s, now(), %s)
"""
STARTED_SQL = "UPDATE warehouse_wave SET status = 'picking' WHERE id = %s AND status = 'released'"
PICKED_SQL = """
UPDATE warehouse_wave SET status = 'picked', picked_at = now() WHERE id = %s AND status = 'picking'
AND NOT EXISTS (SELECT 1 FROM warehouse_pickline WHERE wave_id = %s AND done_at IS NULL)
"""
_local = threading.local()


def _connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return conn


def scan(conn, *, wave_id: int, actor_id: int, code: str, request_id: str) -> str:
    """One scan in one transaction; returns ``ok``, ``wrong_item`` or ``wave_done``."""
    with conn.transaction():
        line = conn.execute(CURRENT_LINE_SQL, [wave_id]).fetchone()
        if line is None:
            return "wave_done"
        line_id, sku_id, sku_code, barcode = line
        orders = conn.execute(LOCK_ORDERS_SQL, [wave_id, sku_id]).fetchall()
        conn.execute(LOCK_LINE_SQL, [line_id]).fetchone()
        earlier = conn.execute(PRIOR_SQL, [request_id]).fetchone()
        if earlier is not None:
            return "ok" if earlier[0] else earlier[1]
        if code not in (sku_code, barcode):
            conn.execute(RECORD_SQL, [wave_id, line_id, None, code, False, "wrong_item", "拿错了", actor_id, request_id])
            return "wrong_item"
        live = [pk for pk, status in orders if status == "picking"]
        (need,) = conn.execute(NEED_SQL, [live, sku_id]).fetchone()
        (closed,) = conn.execute(PICK_SQL, [actor_id, need, line_id]).fetchone()
        conn.execute(RECORD_SQL, [wave_id, line_id, sku_id, code, True, "", "", actor_id, request_id])
        conn.execute(STARTED_SQL, [wave_id])
        if closed:
            conn.execute(PICKED_SQL, [wave_id, wave_id])
        return "ok"


def app(environ, start_response):
    if environ["REQUEST_METHOD"] != "POST" or environ.get("PATH_INFO") != "/scan":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
    outcome = scan(_connection(), wave_id=int(form["wave"]), actor_id=int(form["actor"]), code=form["code"],
                   request_id=form["request_id"])
    raw = json.dumps({"code": outcome}).encode()
    status = "200 OK" if outcome == "ok" else "422 Unprocessable Entity"
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(raw)))])
    return [raw]
