"""The front door: ``/`` routes every role, the login page switches language, the back office
tells a non-staff account where it belongs, and no link we print lands on a debug 404."""

import re
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

PASSWORD = "front-door-Pa55!"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


def test_a_visitor_is_sent_to_the_login_page_with_a_language_switch(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    page = client.get("/login/").content.decode()
    assert 'name="language" value="en"' in page and 'name="language" value="zh-hans"' in page
    assert "登录订单中台" in page


@pytest.mark.parametrize("who", ["ops_member", "supervisor_member"])
def test_staff_go_to_the_back_office(who, request):
    client = Client()
    client.force_login(request.getfixturevalue(who))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_picker_goes_to_the_floor_pages_once_they_exist(picker_client):
    with mock.patch("oms.front.floor_ready", return_value=True):
        response = picker_client.get("/")
    assert response.status_code == 302 and response["Location"] == "/floor/"
    # Before the warehouse pages are installed: a plain page saying what will be there.
    with mock.patch("oms.front.floor_ready", return_value=False):
        response = picker_client.get("/")
    assert response.status_code == 200 and "仓库作业页面" in response.content.decode()


def test_a_group_leader_gets_a_plain_page_saying_what_will_be_there(leader_client):
    response = leader_client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "团长页面" in page and "20:00" in page and "退出登录" in page


def test_an_account_without_a_role_is_told_so(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody"))
    response = client.get("/")
    assert response.status_code == 200 and "还没有分配角色" in response.content.decode()


def test_logging_in_at_the_front_door_routes_by_role(client, ops_member, leader_member):
    _with_password(ops_member)
    response = client.post("/login/", {"username": ops_member.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/" and response.status_code == 200
    client.post("/logout/")
    _with_password(leader_member)
    response = client.post("/login/", {"username": leader_member.username, "password": PASSWORD}, follow=True)
    assert "团长页面" in response.content.decode()
    client.post("/logout/")
    bad = client.post("/login/", {"username": leader_member.username, "password": "wrong"})
    assert bad.status_code == 200 and "oms-front-error" in bad.content.decode()


def test_a_non_staff_account_at_the_back_office_is_told_where_to_go(client, picker_member, leader_member):
    for member, where in ((picker_member, "/floor/login/"), (leader_member, "/login/")):
        _with_password(member)
        response = client.post(
            reverse("admin:login"), {"username": member.username, "password": PASSWORD, "next": "/admin/"}
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "没有管理后台权限" in page and "密码是对的" in page and f'href="{where}"' in page
        assert "请输入一个正确的" not in page  # not "wrong password"
    wrong = client.post(reverse("admin:login"), {"username": picker_member.username, "password": "nope"})
    assert "没有管理后台权限" not in wrong.content.decode()


def test_a_logged_in_picker_opening_the_back_office_is_pointed_home(picker_client):
    response = picker_client.get("/admin/", follow=True)
    page = response.content.decode()
    assert 'id="oms-not-staff"' in page and 'href="/"' in page


def test_the_back_office_is_chinese_unless_english_is_picked(client, ops_member):
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    page = client.get(reverse("admin:login"), headers=english_browser).content.decode()
    assert "用户名" in page and 'lang="zh-hans"' in page
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    page = client.get(reverse("admin:login"), headers=english_browser).content.decode()
    assert "Username" in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/login/"})
    assert "用户名" in client.get("/login/", headers=english_browser).content.decode()


def test_the_api_still_answers_in_the_clients_language(client, db):
    response = client.get("/api/v1/orders", headers={"Accept-Language": "en"})
    assert response.status_code in (401, 403) and "credentials" in response.content.decode().lower()


def test_every_link_we_print_is_a_real_page(db, settings, capsys):
    """make run's "Serving" line, demo_logins' addresses and the admin's 查看站点: each answers
    200 (after its redirects) for the account it is meant for, never a 404."""
    settings.DEBUG = True
    call_command("demo_logins", "--base-url", "http://testserver")
    printed = capsys.readouterr().out
    with open(settings.BASE_DIR / "Makefile", encoding="utf-8") as makefile:
        serving = re.search(r"Serving http://\$\(HOST\):\$\(PORT\)(\S*?)[ ;]", makefile.read()).group(1)
    User = get_user_model()
    rows = [line.split() for line in printed.splitlines() if "http://testserver/" in line and "curl" not in line]
    assert len(rows) == 5
    for row in rows:
        user, url = User.objects.get(username=row[-3]), row[-1].replace("http://testserver", "")
        for path in (url, serving or "/"):
            anonymous = Client().get(path, follow=True)
            assert anonymous.status_code == 200, (path, anonymous.status_code)
            client = Client()
            client.force_login(user)
            logged_in = client.get(path, follow=True)
            assert logged_in.status_code == 200, (user, path, logged_in.status_code)
    admin = Client()
    admin.force_login(User.objects.get(username="ops"))
    site_url = admin.get("/admin/").context["site_url"]
    assert admin.get(site_url, follow=True).status_code == 200


def test_a_missing_page_in_production_is_a_plain_page(client, db, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and 'href="/"' in page and "Traceback" not in page
