"""``POST /channels/<code>/webhook``: who is let in, what is stored, and what a refusal leaves behind
(nothing). Processing of what was stored is in test_webhook_processing.py."""

import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from channels.models import Channel, InboxDrain, InboxMessage, InboxSource, InboxStatus, Platform
from channels.services import queue
from channels.services.inbox import inbox_accept
from channels.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from channels.views import MAX_BODY
from tests.channels.connector_helpers import load
from tests.channels.webhook_helpers import encode, send, url

BODY = encode(load("taobao", "paid"))


@pytest.fixture
def shop(db):
    return Channel.objects.create(code="tb-push", name="淘宝推送店", platform=Platform.TAOBAO)


def assert_nothing_written():
    assert InboxMessage.objects.count() == 0
    assert OrmQ.objects.count() == 0


def queued_tasks() -> list[dict]:
    return [SignedPackage.loads(row.payload) for row in OrmQ.objects.order_by("id")]


def test_good_signature_stores_the_raw_body_and_queues_its_task(client, shop):
    response = send(client, shop, BODY, headers=None)

    assert response.status_code == 202
    message = InboxMessage.objects.get()
    assert response.json() == {"inbox_id": message.pk}
    assert message.channel == shop and message.source == InboxSource.WEBHOOK
    assert message.body == BODY.decode() and message.status == InboxStatus.PENDING
    assert message.headers["Content-Type"] == "application/json"
    assert set(message.headers) >= {TIMESTAMP_HEADER, SIGNATURE_HEADER}
    [task] = queued_tasks()
    assert (task["func"], task["args"]) == ("channels.tasks.drain_inbox", ())
    # The messages record their outcomes; django-q2 keeps no success row (its pruning is slow).
    assert task["save"] is False
    assert InboxDrain.objects.get().queued_at is not None


def test_a_burst_queues_one_drain_and_a_started_drain_lets_the_next_message_queue_another(client, shop):
    now = int(time.time())
    for n in range(5):
        assert send(client, shop, BODY, timestamp=now - n).status_code == 202
    assert [task["func"] for task in queued_tasks()] == ["channels.tasks.drain_inbox"]

    queue.drain_started()  # what a drain does first
    assert InboxDrain.objects.get().queued_at is None
    assert send(client, shop, BODY, timestamp=now - 10).status_code == 202

    assert [task["func"] for task in queued_tasks()] == ["channels.tasks.drain_inbox"] * 2
    assert InboxMessage.objects.filter(status=InboxStatus.PENDING).count() == 6


def test_good_request_reads_the_channel_once_and_writes_two_rows(client, shop):
    # Warm caches (content types, translations) out of the count; signed a second earlier, since
    # the same signed request twice is a replay.
    send(client, shop, BODY, timestamp=int(time.time()) - 1)
    with CaptureQueriesContext(connection) as queries:
        assert send(client, shop, BODY).status_code == 202
    sqls = [q["sql"] for q in queries.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]
    assert sum("channels_channel" in sql for sql in sqls) == 1, sqls
    assert "channels_channel" in sqls[0]
    if connection.vendor == "postgresql":
        # The inbox id is drawn with the channel; the inbox row, the flag and (when it flips) the
        # task row go in one statement.
        assert len(sqls) == 2 and "nextval" in sqls[0], sqls
        assert sqls[1].startswith("WITH inbox AS (INSERT INTO"), sqls
    else:
        # The flag is already set by the first request: no task row (the flag's row is read as
        # the UPDATE changed none, to tell "queued" from "missing").
        assert [sql.split()[0].upper() for sql in sqls] == ["SELECT", "INSERT", "UPDATE", "SELECT"], sqls
    assert InboxMessage.objects.count() == 2 and OrmQ.objects.count() == 1


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "signature_missing"),
        ({TIMESTAMP_HEADER: str(int(time.time()))}, "signature_missing"),
        ({SIGNATURE_HEADER: "ab" * 32}, "signature_missing"),
        ({TIMESTAMP_HEADER: "yesterday", SIGNATURE_HEADER: "ab" * 32}, "signature_invalid"),
        ({TIMESTAMP_HEADER: str(int(time.time())), SIGNATURE_HEADER: "not hex at all"}, "signature_invalid"),
        ({TIMESTAMP_HEADER: str(int(time.time())), SIGNATURE_HEADER: "ab" * 32}, "signature_invalid"),
    ],
    ids=["no-headers", "no-signature", "no-timestamp", "bad-timestamp", "malformed-signature", "wrong-signature"],
)
def test_missing_or_malformed_signature_is_401_and_writes_nothing(client, shop, headers, code):
    response = send(client, shop, BODY, headers=headers)

    assert response.status_code == 401
    assert response.json()["code"] == code and response.json()["message"]
    assert response["WWW-Authenticate"].startswith("OMS-HMAC-SHA256")
    assert_nothing_written()


def test_tampered_body_is_401(client, shop):
    headers = {TIMESTAMP_HEADER: str(int(time.time()))}
    headers[SIGNATURE_HEADER] = signature(shop.webhook_secret, BODY, headers[TIMESTAMP_HEADER])

    response = send(client, shop, BODY.replace(b"118.00", b"1.00"), headers=headers)

    assert response.status_code == 401 and response.json()["code"] == "signature_invalid"
    assert_nothing_written()


@pytest.mark.parametrize("offset", [-301, 301, -3600, 86400], ids=["stale", "future", "hour-old", "tomorrow"])
def test_timestamp_outside_five_minutes_is_401(client, shop, offset):
    response = send(client, shop, BODY, timestamp=int(time.time()) + offset)

    assert response.status_code == 401
    assert response.json()["code"] == "signature_expired"
    assert "300" in response.json()["message"]
    assert_nothing_written()


@pytest.mark.parametrize("offset", [-290, 290])
def test_timestamp_within_five_minutes_is_taken(client, shop, offset):
    assert send(client, shop, BODY, timestamp=int(time.time()) + offset).status_code == 202


def test_signed_with_another_channels_secret_is_401(client, shop):
    other = Channel.objects.create(code="jd-push", name="京东推送店", platform=Platform.JD)

    response = send(client, shop, BODY, secret=other.webhook_secret)

    assert response.status_code == 401 and response.json()["code"] == "signature_invalid"
    assert_nothing_written()


def test_old_secret_still_works_within_its_grace_period(client, shop):
    old = shop.webhook_secret
    Channel.objects.filter(pk=shop.pk).update(
        webhook_secret="new-secret", previous_secret=old, previous_secret_until=timezone.now() + timedelta(hours=1)
    )
    shop.refresh_from_db()

    assert send(client, shop, BODY, secret=old).status_code == 202
    assert send(client, shop, BODY, secret="new-secret").status_code == 202
    assert InboxMessage.objects.count() == 2


def test_old_secret_is_refused_after_its_grace_period(client, shop):
    old = shop.webhook_secret
    Channel.objects.filter(pk=shop.pk).update(
        webhook_secret="new-secret", previous_secret=old, previous_secret_until=timezone.now() - timedelta(seconds=1)
    )

    response = send(client, shop, BODY, secret=old)

    assert response.status_code == 401 and response.json()["code"] == "signature_invalid"
    assert_nothing_written()


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_other_methods_are_405(client, shop, method):
    response = getattr(client, method)(url(shop.code))

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed" and response["Allow"] == "POST"
    assert_nothing_written()


def test_unknown_channel_is_404_json(client, shop):
    for code in ("no-such-shop", "不存在的店"):
        response = client.post(url(code), data=BODY, content_type="application/json")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found" and code in response.json()["message"]
    assert_nothing_written()


def test_inactive_channel_is_404_even_when_signed(client, shop):
    Channel.objects.filter(pk=shop.pk).update(active=False)

    response = send(client, shop, BODY)

    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert_nothing_written()


def test_body_over_the_limit_is_413_before_the_signature_is_checked(client, shop):
    big = b'{"pad": "' + b"x" * MAX_BODY + b'"}'

    signed = send(client, shop, big)
    unsigned = send(client, shop, big, headers={})

    assert signed.status_code == unsigned.status_code == 413
    assert signed.json()["code"] == "payload_too_large"
    assert_nothing_written()


def test_body_at_the_limit_is_taken(client, shop):
    body = b'{"pad": "' + b"x" * (MAX_BODY - 11) + b'"}'
    assert len(body) == MAX_BODY

    assert send(client, shop, body).status_code == 202


def test_errors_are_in_the_requests_language(client, shop):
    chinese = send(client, shop, BODY, headers={})
    english = client.post(url(shop.code), data=BODY, content_type="application/json", headers={"Accept-Language": "en"})

    assert chinese.json()["message"].startswith("缺少签名")
    assert english.status_code == 401 and english.json()["code"] == "signature_missing"
    with translation.override("en"):
        expected = gettext("缺少签名：请求需带 %(ts)s 和 %(sig)s 请求头") % {"ts": TIMESTAMP_HEADER, "sig": SIGNATURE_HEADER}
    assert english.json()["message"] == expected


def test_no_login_session_or_csrf_token_needed(shop):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert send(strict, shop, BODY).status_code == 202
    assert "sessionid" not in strict.cookies and "csrftoken" not in strict.cookies


def test_body_that_is_not_utf8_or_holds_nul_is_still_stored(client, shop):
    body = b'{"tid": "1\x00\xff"}'

    response = send(client, shop, body)

    assert response.status_code == 202
    assert InboxMessage.objects.get().body == '{"tid": "1\ufffd\ufffd"}'


@pytest.mark.django_db(transaction=True)
def test_a_failed_enqueue_leaves_neither_message_nor_task(client, monkeypatch):
    shop = Channel.objects.create(code="tb-push", name="淘宝推送店", platform=Platform.TAOBAO)

    real_task_row = queue.task_row

    def unstorable_task_row():
        row = real_task_row()
        row.key = None  # NOT NULL: the task row's INSERT fails in the database, after the message's
        return row

    monkeypatch.setattr(queue, "task_row", unstorable_task_row)
    with pytest.raises(IntegrityError):
        send(client, shop, BODY)

    assert_nothing_written()


@pytest.mark.django_db(transaction=True)
def test_message_and_task_commit_or_roll_back_together():
    shop = Channel.objects.create(code="tb-push", name="淘宝推送店", platform=Platform.TAOBAO)

    with pytest.raises(RuntimeError, match="request failed"), transaction.atomic():
        message = inbox_accept(channel=shop, body="{}", source=InboxSource.WEBHOOK)
        # Both rows exist inside the transaction, so the task was not deferred to on_commit.
        assert InboxMessage.objects.filter(pk=message.pk).exists()
        assert [task["func"] for task in queued_tasks()] == ["channels.tasks.drain_inbox"]
        raise RuntimeError("request failed")
    assert_nothing_written()
    assert not InboxDrain.objects.filter(queued_at__isnull=False).exists()  # the flag rolled back too

    inbox_accept(channel=shop, body="{}", source=InboxSource.WEBHOOK)
    assert [task["func"] for task in queued_tasks()] == ["channels.tasks.drain_inbox"]


def test_with_a_redis_broker_the_task_is_sent_after_the_commit(client, shop, settings, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    settings.Q_CLUSTER = {k: v for k, v in settings.Q_CLUSTER.items() if k != "orm"} | {"redis": "redis://x"}
    sent = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kwargs: sent.append((func, args)))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = send(client, shop, BODY)
        assert sent == []  # not while the transaction is open

    assert response.status_code == 202 and len(callbacks) == 1
    callbacks[0]()
    assert sent == [("channels.tasks.drain_inbox", ())]
    assert InboxMessage.objects.filter(pk=response.json()["inbox_id"]).exists()
    assert OrmQ.objects.count() == 0
