"""Channel admin: secrets and credentials shown masked, rotation by supervisors only, the new
secret shown once, the old one valid for a grace period."""

import json
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.models import Channel
from channels.services.secrets import mask_credentials, mask_secret
from channels.signing import signature, verify

LIST = reverse("admin:channels_channel_changelist")
SECRET = "s3cr3t-AAAA-0123456789-zzzz-wxyz"
CREDENTIALS = {"app_key": "12345678", "app_secret": "APPSECRET-0123456789-abcdefgh"}


@pytest.fixture
def shop(db):
    return Channel.objects.create(code="tb-main", name="淘宝旗舰店", platform="taobao", webhook_secret=SECRET,
                                  credentials=CREDENTIALS)


def page(shop) -> str:
    return reverse("admin:channels_channel_change", args=[shop.pk])


def rotate_url(shop) -> str:
    return reverse("admin:channels_channel_rotate_secret", args=[shop.pk])


def test_mask_secret():
    assert mask_secret(SECRET) == "s3cr••••••wxyz"
    assert mask_secret("short") == "••••••"
    assert mask_secret("") == ""
    assert mask_credentials(CREDENTIALS) == [("app_key", "••••••"), ("app_secret", "APPS••••••efgh")]


@pytest.mark.parametrize("who", ["ops_client", "supervisor_client"])
def test_list_and_page_never_show_the_secrets(request, who, shop):
    client = request.getfixturevalue(who)

    listing = client.get(LIST)
    detail = client.get(page(shop))

    for response in (listing, detail):
        assert response.status_code == 200
        text = response.content.decode()
        assert SECRET not in text and "APPSECRET-0123456789-abcdefgh" not in text
    assert "s3cr••••••wxyz" in listing.content.decode()
    assert "APPS••••••efgh" in detail.content.decode()


def test_ops_cannot_rotate_or_edit(ops_client, shop):
    assert ops_client.post(rotate_url(shop)).status_code == 403
    response = ops_client.post(page(shop), {"code": "tb-main", "name": "改名", "platform": "taobao",
                                            "unpaid_timeout_minutes": 5, "new_credentials": "{}"})
    assert response.status_code == 403
    shop.refresh_from_db()
    assert (shop.webhook_secret, shop.name, shop.credentials) == (SECRET, "淘宝旗舰店", CREDENTIALS)
    assert "轮换推送密钥" not in ops_client.get(page(shop)).content.decode()


def test_supervisor_rotates_and_sees_the_new_secret_once(supervisor_client, shop):
    assert "轮换推送密钥" in supervisor_client.get(page(shop)).content.decode()
    assert supervisor_client.get(rotate_url(shop)).status_code == 405

    response = supervisor_client.post(rotate_url(shop))

    shop.refresh_from_db()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert shop.webhook_secret != SECRET and shop.webhook_secret in response.content.decode()
    assert shop.previous_secret == SECRET
    assert abs(shop.previous_secret_until - (timezone.now() + timedelta(hours=24))) < timedelta(minutes=1)
    # Afterwards it is masked again.
    assert shop.webhook_secret not in supervisor_client.get(page(shop)).content.decode()

    body, now = b'{"tid": 1}', int(time.time())
    assert verify(shop, body, str(now), signature(SECRET, body, now)) == ""  # old one, within the grace
    assert verify(shop, body, str(now), signature(shop.webhook_secret, body, now)) == ""
    shop.previous_secret_until = timezone.now() - timedelta(seconds=1)
    assert verify(shop, body, str(now), signature(SECRET, body, now)) == "bad"


def edit(client, shop, **fields):
    data = {"code": shop.code, "name": shop.name, "platform": shop.platform, "active": "on",
            "unpaid_timeout_minutes": 60, "api_base_url": "", "new_credentials": "", **fields}
    return client.post(page(shop), data)


def test_supervisor_replaces_credentials_with_a_json_object(supervisor_client, shop):
    response = edit(supervisor_client, shop, new_credentials=json.dumps({"app_key": "NEW-KEY-0123456789"}))

    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.credentials == {"app_key": "NEW-KEY-0123456789"}


def test_blank_credentials_keep_the_old_ones(supervisor_client, shop):
    assert edit(supervisor_client, shop, name="新名字").status_code == 302
    shop.refresh_from_db()
    assert shop.credentials == CREDENTIALS and shop.name == "新名字" and shop.webhook_secret == SECRET


@pytest.mark.parametrize("text,message", [("{not json", "不是合法的 JSON"), ('["a"]', "必须是一个 JSON 对象")])
def test_bad_credentials_are_refused_and_change_nothing(supervisor_client, shop, text, message):
    response = edit(supervisor_client, shop, new_credentials=text, name="不该保存")

    assert response.status_code == 200 and message in response.content.decode()
    shop.refresh_from_db()
    assert shop.credentials == CREDENTIALS and shop.name == "淘宝旗舰店"


def test_a_new_shop_shows_its_secret_once(supervisor_client):
    response = supervisor_client.post(reverse("admin:channels_channel_add"), {
        "code": "jd-new", "name": "京东新店", "platform": "jd", "active": "on", "unpaid_timeout_minutes": 30,
        "api_base_url": "", "new_credentials": '{"app_key": "k"}'})

    shop = Channel.objects.get(code="jd-new")
    assert response.status_code == 200 and shop.webhook_secret in response.content.decode()
    assert shop.credentials == {"app_key": "k"}


def test_the_shop_page_shows_its_webhook_address(supervisor_client, shop):
    html = supervisor_client.get(page(shop)).content.decode()

    assert "http://testserver/channels/tb-main/webhook" in html
