"""``channels.http.call``: JSON in and out; everything that means "try later" is PlatformUnavailable."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from channels.connectors import Request
from channels.http import PlatformUnavailable, call


class _Handler(BaseHTTPRequestHandler):
    """Answers by path: /json echoes the request, the others misbehave as their names say."""

    def do_GET(self):  # noqa: N802
        self._answer()

    def do_POST(self):  # noqa: N802
        self._answer()

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        path = self.path.split("?")[0]
        if path == "/json":
            return self._send(200, json.dumps({"method": self.command, "path": self.path, "body": body,
                                               "type": self.headers.get("Content-Type", "")}))
        if path == "/html":
            return self._send(200, "<html>登录页</html>", "text/html")
        if path == "/list":
            return self._send(200, "[1, 2]")
        if path == "/gbk":
            return self._send(200, "{\"msg\": \"错误\"}".encode("gbk"))
        if path == "/refused":
            return self._send(400, json.dumps({"error_response": {"code": 15, "sub_msg": "订单已关闭"}}))
        if path == "/not-found":
            return self._send(404, "Not Found", "text/plain")
        if path == "/busy":
            return self._send(429, "{}")
        if path == "/slow":
            time.sleep(1.5)
            return self._send(200, "{}")
        return self._send(502, "<html>Bad Gateway</html>", "text/html")

    def _send(self, status, text, content_type="application/json"):
        raw = text if isinstance(text, bytes) else text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_get_with_query_parameters(server):
    data = call(server, Request("GET", "/json", params={"method": "taobao.trades.sold.increment.get", "cursor": "",
                                                        "page_size": "2", "skip": None}))
    assert data["method"] == "GET"
    assert data["path"] == "/json?method=taobao.trades.sold.increment.get&cursor=&page_size=2"


def test_post_json_body_in_utf8(server):
    data = call(server + "/", Request("POST", "json", json={"收件人": "🌸小雨🌸"}))
    assert data["method"] == "POST"
    assert json.loads(data["body"]) == {"收件人": "🌸小雨🌸"}
    assert data["type"] == "application/json; charset=utf-8"


def test_a_refusal_with_a_json_body_is_returned_for_the_adapter_to_read(server):
    assert call(server, Request("POST", "/refused")) == {"error_response": {"code": 15, "sub_msg": "订单已关闭"}}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/bad-gateway", "平台暂时不可用（HTTP 502）"),
        ("/busy", "平台暂时不可用（HTTP 429）"),
        ("/html", "平台返回的不是 JSON 对象（HTTP 200）"),
        ("/list", "平台返回的不是 JSON 对象（HTTP 200）"),
        ("/gbk", "平台返回的不是 JSON 对象（HTTP 200）"),
        ("/not-found", "平台返回的不是 JSON 对象（HTTP 404）"),
    ],
)
def test_unusable_answers_are_platform_unavailable(server, path, message):
    with pytest.raises(PlatformUnavailable, match=message) as caught:
        call(server, Request("GET", path, params={"session": "secret-token"}))
    assert "secret-token" not in caught.value.message  # the query (with tokens) stays out of messages


def test_timeout_is_platform_unavailable(server):
    with pytest.raises(PlatformUnavailable, match="0.3 秒内没有响应"):
        call(server, Request("GET", "/slow"), timeout=0.3)


def test_connection_refused_is_platform_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PlatformUnavailable, match="连不上平台"):
        call(f"http://127.0.0.1:{port}", Request("GET", "/json"), timeout=2)


@pytest.mark.parametrize("base_url", ["", "ftp://example.com", "file:///etc/passwd", "127.0.0.1:8765"])
def test_a_base_url_that_is_not_http_is_refused_before_any_call(base_url):
    with pytest.raises(PlatformUnavailable, match="渠道的接口地址无效"):
        call(base_url, Request("GET", "/json"))
