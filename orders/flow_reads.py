"""What the auto-review and the routing read, as raw statements the intake can send in its one
round trip (``order_intake_prepare``, PostgreSQL pipeline) and everyone else runs in turn
(``flow_read``): the flow settings with the shop's policy, the enabled review rules, the list
entries that can concern a phone, the phone's recent refunds, and the routing rules.

Raw SQL for the same reason as ``allocation.catalog_statement``: the intake sends these ahead and
reads their answers later. Every value is a parameter; only quoted table names are interpolated.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from orders.events import EventAction
from orders.flow_models import (
    CategoryRoute,
    ChannelPolicy,
    FlowSettings,
    ListKind,
    ProvinceRoute,
    ReviewListEntry,
    ReviewRule,
)
from orders.models import Order, OrderEvent, channel_model

#: The longest window of the frequent-returns rule (days): the refunds read reach this far back.
MAX_REFUND_DAYS = 90
#: Stands in for "no phone" in the reads by phone: no stored phone is it (an empty one would match
#: every order without a phone).
NO_PHONE = "-"


@dataclass(frozen=True)
class FlowConfig:
    """The flow settings and the shop's policy (defaults where nothing is saved)."""

    channel_id: int | None
    pick_sla_minutes: int
    allow_split: bool
    platform_waybill_required: bool
    review_enabled: bool
    review_default: str
    auto_merge: bool


@dataclass(frozen=True)
class RuleRow:
    id: int
    name: str
    kind: str
    channel_id: int | None
    amount: Decimal | None
    count: int | None
    days: int | None
    outcome: str
    hold_reason: str
    note: str


@dataclass(frozen=True)
class ListRow:
    id: int
    list_kind: str
    phone: str
    address: str


@dataclass(frozen=True)
class RoutingRules:
    """Province routes (warehouse id, provinces, priority), category rules (category -> [(mode,
    warehouse ids)]) and the cold-chain warehouses."""

    routes: list[tuple[int, list, int]] = field(default_factory=list)
    categories: dict[str, list[tuple[str, frozenset]]] = field(default_factory=dict)
    cold_chain: frozenset = frozenset()


@dataclass(frozen=True)
class FlowFacts:
    """Everything the review and the routing read for one order."""

    config: FlowConfig
    rules: list[RuleRow]
    lists: list[ListRow]
    #: Times of the phone's refunds (one per order, the latest) in the last ``MAX_REFUND_DAYS``.
    refunds: list[datetime]
    routing: RoutingRules

    @property
    def reviews(self) -> bool:
        """Whether a paid order is auto-reviewed: switched on, and something to decide (an enabled
        rule, or approving when none matches); else it waits for a person without a trace."""
        return self.config.review_enabled and (bool(self.rules) or self.config.review_default == "approve")


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _defaults() -> dict:
    settings = FlowSettings()
    return {name: getattr(settings, name) for name in ("pick_sla_minutes", "review_enabled", "review_default", "auto_merge")}


def config_statement(*, channel_code: str | None = None, channel_id: int | None = None) -> tuple[str, list]:
    where, param = ("c.code = %s", channel_code) if channel_id is None else ("c.id = %s", channel_id)
    sql = (
        "SELECT c.id, p.pick_sla_minutes, p.allow_split, p.platform_waybill_required, "  # noqa: S608
        "s.pick_sla_minutes, s.review_enabled, s.review_default, s.auto_merge "
        f"FROM {_table(channel_model())} c LEFT JOIN {_table(ChannelPolicy)} p ON p.channel_id = c.id "
        f"LEFT JOIN {_table(FlowSettings)} s ON s.id = 1 WHERE {where}"
    )
    return sql, [param]


def config_from_rows(rows) -> FlowConfig:
    defaults = _defaults()
    row = rows[0] if rows else (None, None, False, False, None, None, None, None)
    channel_id, sla, split, waybill, default_sla, review_enabled, review_default, auto_merge = row
    saved = default_sla is not None
    return FlowConfig(
        channel_id=channel_id,
        pick_sla_minutes=sla or (default_sla if saved else defaults["pick_sla_minutes"]),
        allow_split=bool(split),
        platform_waybill_required=bool(waybill),
        review_enabled=bool(review_enabled) if saved else defaults["review_enabled"],
        review_default=review_default if saved else defaults["review_default"],
        auto_merge=bool(auto_merge) if saved else defaults["auto_merge"],
    )


def rules_statement() -> tuple[str, list]:
    sql = (
        "SELECT id, name, kind, channel_id, amount, count, days, outcome, hold_reason, note "  # noqa: S608
        f"FROM {_table(ReviewRule)} WHERE enabled ORDER BY sequence, id"
    )
    return sql, []


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def rules_from_rows(rows) -> list[RuleRow]:
    return [
        RuleRow(pk, name, kind, channel_id, _decimal(amount), count, days, outcome, hold_reason, note)
        for pk, name, kind, channel_id, amount, count, days, outcome, hold_reason, note in rows
    ]


def _phones(phones) -> list[str]:
    return sorted({p for p in phones if p}) or [NO_PHONE]


def lists_statement(phones) -> tuple[str, list]:
    """The entries for these phones, and every blacklisted address (matched in Python)."""
    wanted = _phones(phones)
    sql = (
        f"SELECT id, list_kind, phone, address FROM {_table(ReviewListEntry)} "  # noqa: S608
        f"WHERE phone IN ({', '.join(['%s'] * len(wanted))}) OR (list_kind = %s AND address <> '') ORDER BY id"
    )
    return sql, [*wanted, ListKind.BLOCKED.value]


def lists_from_rows(rows) -> list[ListRow]:
    return [ListRow(*row) for row in rows]


def refunds_statement(phones, now: datetime | None = None) -> tuple[str, list]:
    """(phone, order id, latest refund) of these phones' orders refunded in ``MAX_REFUND_DAYS``."""
    since = (now or timezone.now()) - timedelta(days=MAX_REFUND_DAYS)
    wanted = _phones(phones)
    sql = (
        f"SELECT o.phone, e.order_id, MAX(e.at) FROM {_table(OrderEvent)} e "  # noqa: S608
        f"JOIN {_table(Order)} o ON o.id = e.order_id "
        f"WHERE e.action = %s AND e.at >= %s AND o.phone IN ({', '.join(['%s'] * len(wanted))}) "
        "GROUP BY o.phone, e.order_id"
    )
    return sql, [EventAction.REFUND.value, connection.ops.adapt_datetimefield_value(since), *wanted]


def _as_datetime(value) -> datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def refunds_from_rows(rows) -> dict[str, list[datetime]]:
    """phone -> times of its refunds, oldest first."""
    found: dict[str, list[datetime]] = {}
    for phone, _order, at in rows:
        found.setdefault(phone, []).append(_as_datetime(at))
    return {phone: sorted(times) for phone, times in found.items()}


def facts_for(
    *, config: FlowConfig, rules, lists: list[ListRow], refunds: dict, routing: RoutingRules, phone: str
) -> "FlowFacts":
    """One order's facts out of reads made for several phones (the batch intake)."""
    return FlowFacts(
        config=config,
        rules=rules,
        lists=[entry for entry in lists if not entry.phone or entry.phone == phone],
        refunds=refunds.get(phone, []) if phone else [],
        routing=routing,
    )


def routing_statements() -> list[tuple[str, list]]:
    routes, categories = _table(ProvinceRoute), _table(CategoryRoute)
    links = _table(CategoryRoute.warehouses.through)
    warehouses = _table(ProvinceRoute._meta.get_field("warehouse").related_model)
    return [
        (
            f"SELECT r.warehouse_id, r.provinces, r.priority FROM {routes} r "  # noqa: S608
            f"JOIN {warehouses} w ON w.id = r.warehouse_id WHERE r.enabled AND w.active ORDER BY r.id",
            [],
        ),
        (
            f"SELECT r.category, r.mode, m.warehouse_id FROM {categories} r "  # noqa: S608
            f"LEFT JOIN {links} m ON m.categoryroute_id = r.id WHERE r.enabled ORDER BY r.id",
            [],
        ),
        (f"SELECT id FROM {warehouses} WHERE cold_chain AND active", []),  # noqa: S608
    ]


def routing_from_rows(route_rows, category_rows, cold_rows) -> RoutingRules:
    provinces_field = ProvinceRoute._meta.get_field("provinces")
    routes = [
        (
            warehouse_id,
            (provinces_field.from_db_value(provinces, None, connection) if isinstance(provinces, str) else provinces)
            or [],
            priority,
        )
        for warehouse_id, provinces, priority in route_rows
    ]
    grouped: dict[tuple[str, str], set] = {}
    order: list[tuple[str, str]] = []
    for category, mode, warehouse_id in category_rows:
        key = (category.strip(), mode)
        if key not in grouped:
            grouped[key] = set()
            order.append(key)
        if warehouse_id is not None:
            grouped[key].add(warehouse_id)
    categories: dict[str, list[tuple[str, frozenset]]] = {}
    for category, mode in order:
        categories.setdefault(category, []).append((mode, frozenset(grouped[(category, mode)])))
    return RoutingRules(routes=routes, categories=categories, cold_chain=frozenset(pk for (pk,) in cold_rows))


def _run(sql_params) -> list:
    with connection.cursor() as cursor:
        cursor.execute(*sql_params)
        return cursor.fetchall()


def read_routing() -> RoutingRules:
    return routing_from_rows(*(_run(statement) for statement in routing_statements()))


def read_config(*, channel_id: int) -> FlowConfig:
    return config_from_rows(_run(config_statement(channel_id=channel_id)))


def flow_read(*, channel_id: int, phone: str, now: datetime | None = None) -> FlowFacts:
    """Everything ``FlowFacts`` holds, read statement by statement (outside the intake)."""
    return FlowFacts(
        config=read_config(channel_id=channel_id),
        rules=rules_from_rows(_run(rules_statement())),
        lists=lists_from_rows(_run(lists_statement([phone]))),
        refunds=refunds_from_rows(_run(refunds_statement([phone], now))).get(phone, []) if phone else [],
        routing=read_routing(),
    )
