"""The whole API under schemathesis: every operation of the OpenAPI schema, with generated valid
and invalid input (a bounded number of examples each), sent with an integrator's token. No answer
may be a server error, and every answer must match what the schema says it is. PostgreSQL only
(it refuses what SQLite lets through: NUL characters, numbers out of range), as CI runs it."""

from decimal import Decimal

import pytest
import schemathesis
from django.contrib.auth.models import Permission, User
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from channels.models import Channel, Platform
from inventory.models import Sku, Warehouse
from inventory.services import stock_receive
from orders.drafts import DraftLine, OrderDraft, Recipient
from orders.services import order_intake

#: Examples per operation: enough to reach every field with odd values, few enough for CI.
EXAMPLES = 100
PERMISSIONS = ("orders.add_order", "orders.view_order", "orders.view_pii", "inventory.view_stocklevel")


@pytest.fixture
def api_token(db, settings):
    settings.API_THROTTLE_RATES = {"token": "100000/min", "anonymous": "100000/min", "failed_token": "100000/min"}
    user = User.objects.create_user("fuzz-erp")
    for perm in PERMISSIONS:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return Token.objects.create(user=user).key


@pytest.fixture
def api_data(db):
    """The shop, SKUs and stock the schema's own example names, and a few orders to find and list."""
    channel = Channel.objects.create(code="taobao", name="淘宝旗舰店", platform=Platform.TAOBAO)
    warehouse = Warehouse.objects.create(code="HZ", name="杭州仓", provinces=["浙江"])
    for code in ("HJ006-01", "HJ005-01"):
        stock_receive(sku=Sku.objects.create(code=code, name=code), warehouse=warehouse, quantity=1000, reference="opening")
    for n in range(3):
        order_intake(
            draft=OrderDraft(
                channel=channel.code,
                external_id=f"T20261122{n:04d}",
                recipient=Recipient(name="王小明", phone="13812341234", province="浙江省", city="杭州市",
                                    street="文三路 90 号"),
                lines=(DraftLine("HJ006-01", 1, Decimal("79.00")),),
                paid=True,
            )
        )


def _schema():
    """The API's own OpenAPI schema, as ``/api/schema/`` serves it, loaded when the module is
    collected (schemathesis' lazy fixture loader does not run under pytest 9)."""
    import json

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = WSGIHandler()
    return loaded


schema = _schema()


@pytest.fixture
def in_this_transaction():
    """Requests run by Django's WSGI handler in this thread, within this test's transaction: the
    connection is not closed at the end of each request (as Django's own test client arranges)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.postgres
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_a_server_error_or_off_its_schema(case, api_data, api_token, in_this_transaction):
    case.call_and_validate(
        base_url="http://localhost",
        headers={"Authorization": f"Token {api_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
