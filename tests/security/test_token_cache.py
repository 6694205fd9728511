"""API tokens and their permissions are kept per process for ``API_TOKEN_CACHE_SECONDS``: a revoked
token, a deactivated user or a withdrawn permission stops working once that time has passed, and
at once when it is 0."""

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

import core.api_throttles

STOCK = "/api/v1/stock"


@pytest.fixture
def clock(monkeypatch):
    """The token cache's clock, moved by hand: ``clock.now += 11``."""

    class Clock:
        now = 1000.0

        def __call__(self):
            return self.now

    fake = Clock()
    monkeypatch.setattr(core.api_throttles, "_clock", fake)
    return fake


@pytest.fixture
def erp(db):
    user = User.objects.create_user(username="erp")
    user.user_permissions.add(Permission.objects.get(codename="view_stocklevel"))
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client, user, token


def test_a_deleted_token_works_until_the_ttl_has_passed_then_is_refused(erp, clock, settings):
    settings.API_TOKEN_CACHE_SECONDS = 10
    client, _user, token = erp
    assert client.get(STOCK).status_code == 200

    token.delete()
    clock.now += 9
    assert client.get(STOCK).status_code == 200
    clock.now += 2
    refused = client.get(STOCK)

    assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"


def test_with_a_ttl_of_0_a_deleted_token_is_refused_at_once(erp, clock, settings):
    settings.API_TOKEN_CACHE_SECONDS = 0
    client, _user, token = erp
    assert client.get(STOCK).status_code == 200

    token.delete()

    assert client.get(STOCK).status_code == 401


def test_a_deactivated_user_is_refused_after_the_ttl(erp, clock, settings):
    settings.API_TOKEN_CACHE_SECONDS = 5
    client, user, _token = erp
    assert client.get(STOCK).status_code == 200

    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(STOCK).status_code == 200
    clock.now += 6

    assert client.get(STOCK).status_code == 401


def test_a_withdrawn_permission_is_refused_after_the_ttl_and_at_once_with_0(erp, clock, settings):
    settings.API_TOKEN_CACHE_SECONDS = 5
    client, user, _token = erp
    assert client.get(STOCK).status_code == 200

    user.user_permissions.clear()
    assert client.get(STOCK).status_code == 200
    clock.now += 6
    assert client.get(STOCK).status_code == 403

    user.user_permissions.add(Permission.objects.get(codename="view_stocklevel"))
    settings.API_TOKEN_CACHE_SECONDS = 0
    assert client.get(STOCK).status_code == 200
    user.user_permissions.clear()
    assert client.get(STOCK).status_code == 403


def test_a_kept_token_costs_no_token_or_permission_query(erp, clock, settings):
    settings.API_TOKEN_CACHE_SECONDS = 10
    client, _user, _token = erp
    client.get(STOCK)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(STOCK).status_code == 200

    sql = " ".join(q["sql"] for q in queries)
    assert "authtoken_token" not in sql and "auth_permission" not in sql


def test_a_kept_token_reads_its_rate_count_with_the_address_budget_in_one_statement(erp, clock, settings):
    settings.API_TOKEN_CACHE_SECONDS = 10
    settings.API_THROTTLE_RATES = {"token": "3/min", "anonymous": "1000/min", "failed_token": "1000/min"}
    client, _user, _token = erp
    client.get(STOCK)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(STOCK).status_code == 200

    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and "oms_shared_cache" in q["sql"]]
    assert len(reads) == 1 and "throttle_failed_token_" in reads[0] and "throttle_token_" in reads[0]
    # ... and the count so read still limits the token.
    assert [client.get(STOCK).status_code for _ in range(2)] == [200, 429]


def test_wrong_tokens_are_never_kept_and_still_count_against_the_address(db, clock, settings):
    settings.API_TOKEN_CACHE_SECONDS = 10
    settings.API_THROTTLE_RATES = {"token": "1000/min", "anonymous": "1000/min", "failed_token": "2/min"}
    guesser = APIClient(REMOTE_ADDR="10.9.9.9")
    guesser.credentials(HTTP_AUTHORIZATION=f"Token {'0' * 40}")

    answers = [guesser.get(STOCK).status_code for _ in range(3)]

    assert answers == [401, 401, 429]
    assert core.api_throttles._tokens == {}


def test_the_cache_is_bounded(erp, clock, settings, monkeypatch):
    settings.API_TOKEN_CACHE_SECONDS = 10
    monkeypatch.setattr(core.api_throttles, "TOKEN_CACHE_SIZE", 2)
    client, user, _token = erp
    others = []
    for n in range(2):
        other = APIClient()
        other.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=User.objects.create_user(f'u{n}')).key}")
        others.append(other)
    for c in (client, *others):
        c.get(STOCK)

    assert len(core.api_throttles._tokens) <= 2
