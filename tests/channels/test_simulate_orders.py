"""``manage.py simulate_orders``: signed platform payloads POSTed to our webhook address, checked
by a small stdlib HTTP server with ``channels.signing``."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from channels.connectors import get_connector
from channels.models import Channel, Platform
from channels.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify


class Receiver:
    """Answers 202 to a well-signed POST to /channels/<code>/webhook, 401 otherwise; keeps what came."""

    def __init__(self, channels):
        self.channels = {c.code: c for c in channels}
        self.received: list[tuple[str, dict, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                parts = self.path.strip("/").split("/")
                channel = receiver.channels.get(parts[1]) if len(parts) == 3 and parts[2] == "webhook" else None
                why = verify(channel, body, self.headers.get(TIMESTAMP_HEADER), self.headers.get(SIGNATURE_HEADER)) \
                    if channel else "unknown"
                receiver.received.append((parts[1], json.loads(body), why))
                self.send_response(401 if why else 202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_for():
    made = []

    def make(*channels):
        made.append(Receiver(channels))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def test_posts_signed_platform_orders_to_the_webhook(stocked, taobao_channel, jd_channel, receiver_for, capsys):
    receiver = receiver_for(taobao_channel, jd_channel)

    call_command("simulate_orders", "--channel", "tb-main", "--channel", "jd-main", "--rate", "60000", "--count", "6",
                 "--url", receiver.url, "--seed", "7")

    out = capsys.readouterr().out
    assert len(receiver.received) == 6
    assert all(why == "" for _code, _payload, why in receiver.received)  # every signature verifies
    assert {code for code, _p, _w in receiver.received} == {"tb-main", "jd-main"}
    for code, payload, _why in receiver.received:
        platform = Channel.objects.get(code=code).platform
        parsed = get_connector(platform).parse(payload, channel_code=code)  # the platform's own shape
        assert {line.sku_code for line in parsed.draft.lines} <= {f"A00{i}" for i in range(1, 6)}
    assert "共推送 6 次" in out and "202: 6" in out


def test_a_wrong_secret_is_refused_by_the_receiver_and_counted(stocked, taobao_channel, receiver_for, capsys):
    receiver = receiver_for(taobao_channel)
    Channel.objects.filter(pk=taobao_channel.pk).update(webhook_secret="rotated-on-our-side")

    call_command("simulate_orders", "--channel", "tb-main", "--rate", "60000", "--count", "2", "--url", receiver.url)

    assert [why for _c, _p, why in receiver.received] == ["bad", "bad"]
    assert "401: 2" in capsys.readouterr().out


def test_orders_can_be_placed_on_the_simulator_first(stocked, taobao_channel, receiver_for, platform_simulator):
    receiver = receiver_for(taobao_channel)

    call_command("simulate_orders", "--channel", "tb-main", "--rate", "60000", "--count", "3", "--url", receiver.url,
                 "--simulator", platform_simulator.url, "--seed", "1")

    on_simulator = {o.external_id for o in platform_simulator.store.orders("taobao")}
    posted = {get_connector("taobao").parse(p, channel_code="x").external_id for _c, p, _w in receiver.received}
    assert posted and posted <= on_simulator


def test_unknown_channel_is_a_clear_error(db, taobao_channel):
    with pytest.raises(CommandError, match="渠道不存在：nope"):
        call_command("simulate_orders", "--channel", "nope", "--rate", "10", "--count", "1")


def test_a_channel_without_an_adapter_is_refused(db):
    Channel.objects.create(code="manual", name="手工", platform=Platform.MANUAL)
    with pytest.raises(CommandError, match="没有对接程序"):
        call_command("simulate_orders", "--channel", "manual", "--rate", "10", "--count", "1")


def test_rate_must_be_positive(db, taobao_channel):
    with pytest.raises(CommandError, match="--rate"):
        call_command("simulate_orders", "--channel", "tb-main", "--rate", "0")


def test_an_unreachable_oms_is_counted_not_fatal(stocked, taobao_channel, capsys):
    call_command("simulate_orders", "--channel", "tb-main", "--rate", "60000", "--count", "2",
                 "--url", "http://127.0.0.1:9")

    assert "error: 2" in capsys.readouterr().out


def test_only_http_addresses_are_accepted(db, taobao_channel):
    with pytest.raises(CommandError, match="--url 必须是 http"):
        call_command("simulate_orders", "--channel", "tb-main", "--rate", "10", "--url", "file:///etc/passwd")


@pytest.mark.django_db(transaction=True)
def test_the_real_webhook_accepts_what_simulate_orders_sends(stocked, taobao_channel, live_server, capsys):
    from channels.models import InboxMessage, InboxStatus
    from channels.services.inbox import inbox_process
    from orders.models import OrderSource

    call_command("simulate_orders", "--channel", "tb-main", "--rate", "60000", "--count", "3",
                 "--url", live_server.url, "--seed", "11")

    assert "202: 3" in capsys.readouterr().out
    messages = list(InboxMessage.objects.filter(channel=taobao_channel))
    assert len(messages) == 3
    for message in messages:
        assert inbox_process(message.pk).status == InboxStatus.PROCESSED
    assert OrderSource.objects.filter(channel=taobao_channel).count() == 3
