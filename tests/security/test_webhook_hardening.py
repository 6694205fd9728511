"""Webhooks under attack: malformed signature headers, replayed requests and unreadable bodies
get a clear answer or end ``failed`` at once, never a 500 and never a message left pending."""

import time

import pytest
from django.urls import reverse
from django_q.models import OrmQ

from channels.models import Channel, InboxMessage, InboxStatus, Platform
from channels.services.inbox import inbox_process
from channels.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature, signed_headers
from tests.channels.connector_helpers import load
from tests.channels.webhook_helpers import encode, send

BODY = encode(load("taobao", "paid"))


@pytest.fixture
def shop(db):
    return Channel.objects.create(code="tb-push", name="淘宝推送店", platform=Platform.TAOBAO)


def assert_nothing_written():
    assert InboxMessage.objects.count() == 0
    assert OrmQ.objects.count() == 0


@pytest.mark.parametrize(
    "timestamp",
    ["9" * 400, "1" + "0" * 399, "-" + "9" * 400, "1e10", "１７３２２６２４００", "0x10", "1_732_262_400", " "],
    ids=["400-digits", "huge", "huge-negative", "exponent", "full-width", "hex", "underscores", "blank"],
)
def test_a_malformed_timestamp_is_401_and_writes_nothing(client, shop, timestamp):
    headers = {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(shop.webhook_secret, BODY, timestamp)}

    response = send(client, shop, BODY, headers=headers)

    assert response.status_code == 401, response.content
    assert response.json()["code"] in ("signature_invalid", "signature_missing")
    assert_nothing_written()


@pytest.mark.parametrize(
    "given", ["é" * 64, "签名" * 32, "ab" * 31 + "é", "ab" * 32 + "\u00a0", "AB" * 40, "ab" * 31],
    ids=["latin1", "cjk", "one-non-ascii", "nbsp", "too-long", "too-short"],
)
def test_a_non_ascii_or_malformed_signature_is_401_and_writes_nothing(client, shop, given):
    headers = {TIMESTAMP_HEADER: str(int(time.time())), SIGNATURE_HEADER: given}

    response = send(client, shop, BODY, headers=headers)

    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"
    assert_nothing_written()


def test_a_replayed_request_is_refused_and_stored_once(client, shop):
    headers = signed_headers(shop.webhook_secret, BODY)

    first = send(client, shop, BODY, headers=headers)
    again = send(client, shop, BODY, headers=headers)
    shouted = send(client, shop, BODY, headers={**headers, SIGNATURE_HEADER: headers[SIGNATURE_HEADER].upper()})

    assert first.status_code == 202
    for response in (again, shouted):
        assert response.status_code == 409
        assert response.json()["code"] == "signature_replayed" and response.json()["message"]
    assert InboxMessage.objects.count() == 1 and OrmQ.objects.count() == 1


def test_the_same_order_signed_again_later_is_taken(client, shop):
    now = int(time.time())
    assert send(client, shop, BODY, timestamp=now - 1).status_code == 202
    assert send(client, shop, BODY, timestamp=now).status_code == 202
    assert InboxMessage.objects.count() == 2


def nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


@pytest.mark.parametrize("body", [nested(100_000), b'{"tid": ' + nested(5000) + b"}", nested(400)],
                         ids=["deep-array", "deep-field", "parsable-but-deep"])
def test_an_unreadable_body_ends_failed_at_once_with_a_reason(client, shop, body):
    response = send(client, shop, body)
    assert response.status_code == 202
    message_id = response.json()["inbox_id"]

    message = inbox_process(message_id)

    assert message.status == InboxStatus.FAILED
    assert message.attempts == 1 and message.error
    assert "Error" not in message.error  # a sentence for people, not an exception's name


@pytest.mark.parametrize("who", ["ops_client", "supervisor_client"])
def test_the_admin_shows_any_stored_body(request, who, shop):
    client = request.getfixturevalue(who)
    ids = [
        send(client, shop, body, timestamp=int(time.time()) - n).json()["inbox_id"]
        for n, body in enumerate([nested(100_000), nested(400), b"\xff\xfe not utf-8 \x00", b'{"a": 1'])
    ]
    for message_id in ids:
        inbox_process(message_id)

    for message_id in ids:
        response = client.get(reverse("admin:channels_inboxmessage_change", args=[message_id]))
        assert response.status_code == 200
    assert client.get(reverse("admin:channels_inboxmessage_changelist")).status_code == 200
