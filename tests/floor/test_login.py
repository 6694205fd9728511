"""The floor's own login page: floor staff land on 我的任务, not in the admin."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_anonymous_floor_pages_send_to_the_floor_login(client):
    response = client.get(reverse("floor:tasks"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('floor:login')}?next={reverse('floor:tasks')}"


def test_the_login_page_is_chinese_and_phone_sized(client):
    page = client.get(reverse("floor:login")).content.decode()
    assert 'name="viewport"' in page and "仓库作业" in page and "登录" in page
    assert "/admin/" not in page, "not the admin's login"


def test_the_demo_picker_lands_on_my_tasks(client, settings, fast_hashing):
    settings.DEBUG = True
    call_command("demo_logins", stdout=io.StringIO())

    response = client.post(reverse("floor:login"), {"username": "picker", "password": "picker-demo-123"})

    assert response.status_code == 302 and response["Location"] == reverse("floor:tasks")
    page = client.get(reverse("floor:tasks")).content.decode()
    assert "我的任务" in page


def test_a_wrong_password_is_refused_in_chinese(client, picker_hz, fast_hashing):
    picker_hz.set_password("right-password-1")
    picker_hz.save()
    response = client.post(reverse("floor:login"), {"username": "picker_hz", "password": "wrong"})
    assert response.status_code == 200
    assert "正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_logged_in_picker_skips_the_login_page(hz_client):
    response = hz_client.get(reverse("floor:login"))
    assert response.status_code == 302 and response["Location"] == reverse("floor:tasks")


def test_next_is_honoured_only_for_this_site(client, picker_hz, fast_hashing):
    picker_hz.set_password("right-password-1")
    picker_hz.save()
    credentials = {"username": "picker_hz", "password": "right-password-1"}
    response = client.post(reverse("floor:login"), {**credentials, "next": "https://evil.example/"})
    assert response["Location"] == reverse("floor:tasks")
    client.logout()
    response = client.post(reverse("floor:login"), {**credentials, "next": reverse("floor:ship")})
    assert response["Location"] == reverse("floor:ship")


def test_logout_returns_to_the_floor_login(hz_client):
    response = hz_client.post(reverse("floor:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("floor:login")
    assert hz_client.get(reverse("floor:tasks")).status_code == 302


def test_someone_in_no_warehouse_is_told_so(client, make_member):
    client.force_login(make_member("picker", "new_picker"))
    page = client.get(reverse("floor:tasks")).content.decode()
    assert "还没有加入任何仓库" in page


def test_the_floor_pages_speak_english_when_the_phone_does(client):
    page = client.get(reverse("floor:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Warehouse floor" in page and "Log in" in page
    assert 'data-t-retrying="Network unstable, retrying (attempt %s)…"' in page, "the script fills in %s"
    chinese = client.get(reverse("floor:login"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'data-t-retrying="网络不稳，正在重试（第 %s 次）…"' in chinese
