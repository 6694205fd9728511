"""The rules and settings the one-order intake keeps per process (core.config_cache): read once,
forgotten at once when saved in this process, read again after FLOW_RULES_CACHE_SECONDS when
changed elsewhere, never kept with 0."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import core.config_cache
from core import config_cache
from orders.flow_models import ProvinceRoute, ReviewKind, ReviewRule
from orders.services import order_intake
from orders.states import HoldReason, OrderStatus
from warehouse.models.carriers import Carrier

RULE_TABLES = ("orders_reviewrule", "orders_provinceroute", "orders_categoryroute", "orders_channelpolicy")


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(core.config_cache, "_clock", lambda: now[0])
    return now


def _intake(make_draft, **kwargs):
    with CaptureQueriesContext(connection) as queries:
        order = order_intake(draft=make_draft([("A001", 1)], **kwargs)).order
    return order, " ".join(q["sql"] for q in queries)


def test_the_second_order_reads_no_rules(stocked, make_draft, auto_approve, review_rule, settings, clock):
    settings.FLOW_RULES_CACHE_SECONDS = 5
    review_rule(ReviewKind.AMOUNT_ABOVE, amount="1000")

    _first, first_sql = _intake(make_draft)
    _second, second_sql = _intake(make_draft)

    assert all(table in first_sql for table in RULE_TABLES)
    assert not any(table in second_sql for table in RULE_TABLES)
    assert "orders_reviewlistentry" in second_sql  # the buyer's own facts are read for every order


def test_a_rule_saved_in_this_process_applies_to_the_next_order(stocked, make_draft, auto_approve, review_rule,
                                                                 settings, clock):
    settings.FLOW_RULES_CACHE_SECONDS = 5
    assert _intake(make_draft)[0].status == OrderStatus.READY

    review_rule(ReviewKind.AMOUNT_ABOVE, amount="1")

    held = _intake(make_draft)[0]
    assert held.status == OrderStatus.ON_HOLD and held.hold_reason == HoldReason.REVIEW


def test_a_change_made_elsewhere_applies_once_the_time_has_passed(stocked, make_draft, auto_approve, review_rule,
                                                                  warehouse_hz, warehouse_gz, settings, clock):
    settings.FLOW_RULES_CACHE_SECONDS = 5
    rule = review_rule(ReviewKind.AMOUNT_ABOVE, amount="1")
    ProvinceRoute.objects.create(warehouse=warehouse_gz, provinces=["浙江"], priority=1)
    first = _intake(make_draft, province="浙江省", city="杭州市", district="西湖区")[0]
    assert first.hold_reason == HoldReason.REVIEW and first.warehouse == warehouse_gz

    # Another process's change: no signal reaches this one (a bulk update sends none either).
    ReviewRule.objects.filter(pk=rule.pk).update(enabled=False)
    ProvinceRoute.objects.update(enabled=False)
    clock[0] += 4.9
    still = _intake(make_draft, province="浙江省", city="杭州市", district="西湖区")[0]
    assert still.hold_reason == HoldReason.REVIEW and still.warehouse == warehouse_gz

    clock[0] += 0.2
    after = _intake(make_draft, province="浙江省", city="杭州市", district="西湖区")[0]
    assert after.status == OrderStatus.READY and after.warehouse == warehouse_hz


def test_with_0_every_order_reads_the_rules(stocked, make_draft, auto_approve, settings):
    settings.FLOW_RULES_CACHE_SECONDS = 0
    _intake(make_draft)

    _order, sql = _intake(make_draft)

    assert all(table in sql for table in RULE_TABLES)
    assert config_cache._kept == {}


def test_saving_a_carrier_forgets_the_kept_rates(db, settings, clock):
    settings.FLOW_RULES_CACHE_SECONDS = 5
    config_cache.keep("carrier_rates", ["old"])
    assert config_cache.kept("carrier_rates") == ["old"]

    Carrier.objects.create(code="ZTO", name="中通快递", short_name="中通")

    assert config_cache.kept("carrier_rates") is None


def test_kept_values_expire_and_the_store_is_bounded(db, settings, clock, monkeypatch):
    settings.FLOW_RULES_CACHE_SECONDS = 5
    monkeypatch.setattr(core.config_cache, "MAX_ENTRIES", 2)
    config_cache.keep("a", 1)
    config_cache.keep("b", 2)
    config_cache.keep("c", 3)  # full: emptied first

    assert (config_cache.kept("a"), config_cache.kept("c")) == (None, 3)
    clock[0] += 5
    assert config_cache.kept("c") is None
