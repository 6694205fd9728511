"""``core.sql``: ``insert`` and ``bulk_insert`` write exactly what Django's ``bulk_create`` writes."""

from decimal import Decimal

from django.utils import timezone

from core.sql import bulk_insert, insert
from orders.events import EventAction
from orders.models import OrderEvent, OrderLine

SKIP = {"id", "at"}


def _rows(model, ids):
    fields = [f.attname for f in model._meta.concrete_fields if f.name not in SKIP]
    return [tuple(row[f] for f in fields) for row in model.objects.filter(pk__in=ids).order_by("id").values(*fields)]


def _line(order, **kwargs):
    return OrderLine(order_id=order.pk, sku_id=None, sku_code="A001", title="杯子 \u00a0'\"", quantity=3,
                     unit_price=Decimal("19.90"), reserved_quantity=0, **kwargs)


def test_insert_and_bulk_insert_write_what_bulk_create_writes(place_order):
    order = place_order()
    data = {"n": 1, "text": "地址 \"引号\"", "nested": {"list": [1, 2.5, None, True]}}
    by_django = OrderEvent.objects.bulk_create(
        [OrderEvent(order_id=order.pk, action=EventAction.HOLD_REASON, from_status="on_hold", note="x", data=data)]
    )
    ours = OrderEvent(order_id=order.pk, action=EventAction.HOLD_REASON, from_status="on_hold", note="x", data=data)
    insert([ours], returning_pk=True)
    many = [OrderEvent(order_id=order.pk, action=EventAction.HOLD_REASON, from_status="on_hold", note="x", data=data)]
    bulk_insert(many, returning_pk=True)

    expected = _rows(OrderEvent, [by_django[0].pk])
    assert _rows(OrderEvent, [ours.pk]) == expected == _rows(OrderEvent, [many[0].pk])
    assert OrderEvent.objects.get(pk=ours.pk).at <= timezone.now()

    lines = OrderLine.objects.bulk_create([_line(order)])
    mine = [_line(order)]
    insert(mine, returning_pk=True)
    assert _rows(OrderLine, [mine[0].pk]) == _rows(OrderLine, [lines[0].pk])


def test_insert_rows_writes_plain_tuples_as_bulk_create_writes_instances(place_order):
    from core.sql import insert_rows

    order = place_order()
    rows = [(order.pk, None, f"T{i}", "杯子 '\"", i + 1, Decimal("9.90"), 0, "") for i in range(3)]
    fields = ("order", "sku", "sku_code", "title", "quantity", "unit_price", "reserved_quantity", "gift")
    before = set(OrderLine.objects.values_list("pk", flat=True))

    assert insert_rows(OrderLine, fields, iter(rows)) == 3

    written = OrderLine.objects.exclude(pk__in=before).order_by("sku_code")
    assert [(ln.order_id, ln.sku_id, ln.sku_code, ln.title, ln.quantity, ln.unit_price, ln.reserved_quantity, ln.gift)
            for ln in written] == rows


def test_insert_together_writes_each_group_in_one_statement_on_postgresql(place_order):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.sql import insert_together

    order = place_order()
    data = {"text": "地址 \"引号\"", "list": [1, None]}
    by_django = OrderEvent.objects.bulk_create([OrderEvent(order_id=order.pk, action=EventAction.HOLD_REASON, note="x", data=data)])
    lines = OrderLine.objects.bulk_create([_line(order), _line(order)])
    before = {model: set(model.objects.values_list("pk", flat=True)) for model in (OrderEvent, OrderLine)}
    events = [OrderEvent(order_id=order.pk, action=EventAction.HOLD_REASON, note="x", data=data)]

    with CaptureQueriesContext(connection) as queries:
        insert_together([], [_line(order), _line(order)], events)

    inserts = [q["sql"] for q in queries if "INSERT" in q["sql"]]
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 2)
    new_events = list(OrderEvent.objects.exclude(pk__in=before[OrderEvent]).values_list("pk", flat=True))
    new_lines = list(OrderLine.objects.exclude(pk__in=before[OrderLine]).order_by("pk").values_list("pk", flat=True))
    assert _rows(OrderEvent, new_events) == _rows(OrderEvent, [by_django[0].pk])
    assert _rows(OrderLine, new_lines) == _rows(OrderLine, [line.pk for line in lines])


def test_the_parsing_of_a_new_orders_insert_is_kept(place_order):
    """psycopg keeps a statement's placeholder parsing only under its bounds; ours are raised at
    start-up so that a new order's ~100-parameter INSERT is parsed once per process."""
    from django.db import connection
    from psycopg import _queries

    from core.sql import PARSE_CACHE_BYTES, PARSE_CACHE_PARAMS, insert_together

    assert _queries.MAX_CACHED_STATEMENT_PARAMS >= PARSE_CACHE_PARAMS
    assert _queries.MAX_CACHED_STATEMENT_LENGTH >= PARSE_CACHE_BYTES
    if connection.vendor != "postgresql":
        return
    order = place_order()

    def write():
        lines = [_line(order) for _ in range(8)]
        events = [OrderEvent(order_id=order.pk, action=EventAction.HOLD_REASON, from_status="on_hold", note="x",
                             data={}) for _ in range(4)]
        insert_together(lines, events)

    write()
    before = _queries._query2pg.cache_info()
    write()
    after = _queries._query2pg.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses
