"""Guessing is slow: failed admin logins lock the user name and the address (django-axes), with a
clear Chinese page and a supervisor's unlock; the API throttles per token, without credentials and
after wrong tokens."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from oms.models import LoginLock
from oms.roles import OPS

LOGIN = reverse("admin:login")
LOCKS = reverse("admin:oms_loginlock_changelist")
PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(make_member):
    def make(username: str) -> User:
        user = make_member(OPS, username)
        user.set_password(PASSWORD)
        user.save()
        return user

    return make


def log_in(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_right_password_after_five_wrong_ones_is_refused_with_a_clear_message(staff):
    staff("ops_li")
    client = Client()
    answers = [log_in(client, "ops_li", "guess").status_code for _ in range(5)]

    response = log_in(client, "ops_li", PASSWORD)

    assert answers == [200] * 4 + [429]  # the login form again with its error, then locked

    assert response.status_code == 429
    html = response.content.decode()
    assert "连续 5 次登录失败" in html and "30 分钟" in html and "主管" in html
    assert not logged_in(client)
    english = log_in(Client(HTTP_ACCEPT_LANGUAGE="en"), "ops_li", PASSWORD)
    assert english.status_code == 429


def test_one_address_guessing_many_user_names_is_locked_and_other_addresses_are_not(staff):
    staff("ops_zhou")
    attacker = Client(REMOTE_ADDR="10.0.0.66")
    for n in range(5):
        log_in(attacker, f"user{n}", "guess")

    assert log_in(attacker, "ops_zhou", PASSWORD).status_code == 429
    colleague = Client(REMOTE_ADDR="10.0.0.7")
    assert log_in(colleague, "ops_zhou", PASSWORD).status_code == 302 and logged_in(colleague)


def test_a_good_login_resets_the_count(staff):
    staff("ops_wu")
    client = Client()
    for _ in range(4):
        log_in(client, "ops_wu", "guess")
    assert log_in(client, "ops_wu", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        log_in(client, "ops_wu", "guess")
    assert log_in(client, "ops_wu", PASSWORD).status_code == 302


def test_a_supervisor_sees_and_lifts_the_lock_and_ops_cannot(staff, supervisor_client, ops_client):
    staff("ops_sun")
    client = Client()
    for _ in range(5):
        log_in(client, "ops_sun", "guess")
    assert log_in(client, "ops_sun", PASSWORD).status_code == 429
    lock = LoginLock.objects.get(username="ops_sun")

    assert ops_client.get(LOCKS).status_code == 403
    listing = supervisor_client.get(LOCKS)
    assert listing.status_code == 200 and "ops_sun" in listing.content.decode()
    ops_client.post(LOCKS, {"action": "unlock", "_selected_action": [lock.pk]})
    assert LoginLock.objects.filter(username="ops_sun").exists()

    response = supervisor_client.post(LOCKS, {"action": "unlock", "_selected_action": [lock.pk]}, follow=True)

    assert any("已解除锁定" in str(m) for m in response.context["messages"])
    assert not LoginLock.objects.exists()
    assert log_in(client, "ops_sun", PASSWORD).status_code == 302 and logged_in(client)


# ---- the API ----


@pytest.fixture
def rates(settings):
    caches["shared"].clear()

    def set_rates(**rates):
        settings.API_THROTTLE_RATES = {"token": "1000/min", "anonymous": "1000/min", "failed_token": "1000/min",
                                       **rates}

    return set_rates


def token_client(username: str, *, address: str = "127.0.0.1") -> Client:
    from django.contrib.auth.models import Permission

    user = User.objects.create_user(username=username)
    user.user_permissions.add(Permission.objects.get(codename="view_stocklevel"))
    key = Token.objects.create(user=user).key
    return Client(HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=address)


def test_each_token_has_its_own_rate(db, rates):
    rates(token="3/min")
    first, second = token_client("erp-a"), token_client("erp-b")

    answers = [first.get("/api/v1/stock").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    refused = first.get("/api/v1/stock")
    assert refused.json()["code"] == "throttled" and refused.json()["message"] and refused["Retry-After"]
    assert second.get("/api/v1/stock").status_code == 200


def test_requests_without_credentials_are_throttled_per_address(db, rates):
    rates(anonymous="2/min")
    anonymous = Client(REMOTE_ADDR="10.0.0.9")

    assert [anonymous.get("/api/v1/orders").status_code for _ in range(3)] == [401, 401, 429]
    assert Client(REMOTE_ADDR="10.0.0.10").get("/api/v1/orders").status_code == 401


def test_wrong_tokens_from_one_address_are_cut_off_even_before_a_right_one(db, rates):
    rates(failed_token="5/min")
    good = token_client("erp-c", address="10.0.0.20")
    guesses = [
        Client(HTTP_AUTHORIZATION=f"Token {n:040x}", REMOTE_ADDR="10.0.0.20").get("/api/v1/stock").status_code
        for n in range(6)
    ]

    assert guesses == [401] * 5 + [429]
    assert good.get("/api/v1/stock").status_code == 429  # the address, not the token, is cut off
    assert token_client("erp-d", address="10.0.0.21").get("/api/v1/stock").status_code == 200
