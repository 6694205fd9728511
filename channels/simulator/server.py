"""The simulator's HTTP server (standard library ``ThreadingHTTPServer`` on 127.0.0.1) and the
Python handle tests and the demo drive it through.

Routes:
  /<platform>/…            the platform-shaped APIs (see ``protocol``); 503 while in an outage
  GET  /_control/                          what is served
  GET  /_control/orders?platform=taobao    orders with their status and change number
  POST /_control/orders                    {"platform", "lines": [[code, qty, price], …], "status"?,
                                            "external_id"?, "recipient"?: {name, phone, province, …}}
  POST /_control/orders/<platform>/<id>/<pay|cancel|refund|ship|complete>   ship: {"carrier", "tracking_number"}
  POST /_control/outage                    {"down": true|false, "platforms"?: [...]}
  GET  /_control/shipments                 the shipment callbacks received
"""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from channels.connectors import PayloadInvalid, PlatformStatus
from channels.simulator import protocol
from channels.simulator.store import PLATFORMS, PlatformStore, SimulatorError

log = logging.getLogger(__name__)
MAX_BODY = 5 * 1024 * 1024
#: How soon ``stop()`` takes effect (the stdlib default of 0.5 s would slow every test down).
POLL_INTERVAL = 0.05


class _Handler(BaseHTTPRequestHandler):
    server_version = "PlatformSimulator/1.0"
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        self._dispatch()

    def do_POST(self):  # noqa: N802
        self._dispatch()

    def log_message(self, format, *args):  # noqa: A002 (the stdlib's signature)
        log.debug("simulator: " + format, *args)

    def _dispatch(self):
        store: PlatformStore = self.server.store
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            body = self._body()
        except ValueError:
            return self._reply(400, {"error": "body is not a JSON object"})
        segments = parts.path.split("/", 2)  # ["", first, rest]
        first = segments[1] if len(segments) > 1 else ""
        rest = "/" + segments[2] if len(segments) > 2 else "/"
        if first == "_control":
            return self._control(store, rest, query, body)
        if first not in PLATFORMS:
            return self._reply(404, {"error": f"unknown platform {first!r}"})
        if store.is_down(first):
            return self._reply_text(503, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>")
        status, answer = protocol.handle(store, first, rest.rstrip("/") or "/", query, body)
        self._reply(status, answer)

    def _control(self, store: PlatformStore, path: str, query: dict, body: dict):
        path = path.rstrip("/") or "/"
        try:
            if path == "/" and self.command == "GET":
                return self._reply(200, {"platforms": {p: f"/{p}" for p in PLATFORMS}, "outage": sorted(
                    p for p in PLATFORMS if store.is_down(p))})
            if path == "/orders" and self.command == "GET":
                platforms = [query["platform"]] if query.get("platform") else PLATFORMS
                return self._reply(200, {"orders": [
                    {"platform": o.platform, "external_id": o.external_id, "status": o.status, "seq": o.seq}
                    for p in platforms for o in store.orders(p)
                ]})
            if path == "/orders" and self.command == "POST":
                recipient = body.get("recipient") or {}
                order = store.create(body.get("platform", ""), [tuple(line) for line in body.get("lines") or []],
                                     status=body.get("status", PlatformStatus.PAID),
                                     external_id=body.get("external_id"), **recipient)
                return self._reply(201, {"external_id": order.external_id, "status": order.status,
                                         "payload": order.payload()})
            if path.startswith("/orders/") and self.command == "POST":
                _, _, platform, external_id, action = path.split("/", 4)
                tracking = (body["carrier"], body["tracking_number"]) if action == "ship" else None
                order = store.act(platform, external_id, action, tracking=tracking)
                return self._reply(200, {"external_id": order.external_id, "status": order.status})
            if path == "/outage" and self.command == "POST":
                down = store.set_outage(bool(body.get("down", True)), body.get("platforms"))
                return self._reply(200, {"outage": sorted(down)})
            if path == "/shipments" and self.command == "GET":
                return self._reply(200, {"shipments": list(store.shipments)})
        except (SimulatorError, PayloadInvalid, TypeError, KeyError, ValueError) as exc:
            return self._reply(400, {"error": str(exc)})
        return self._reply(404, {"error": f"no control endpoint {self.command} {path}"})

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0:
            return {}
        if length > MAX_BODY:
            raise ValueError("too large")
        data = json.loads(self.rfile.read(length).decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data

    def _reply(self, status: int, data: dict):
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _reply_text(self, status: int, text: str):
        self._send(status, text.encode("utf-8"), "text/html; charset=utf-8")

    def _send(self, status: int, raw: bytes, content_type: str):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, store: PlatformStore):
        super().__init__(address, _Handler)
        self.store = store


class PlatformSimulator:
    """Five platforms on one local port. ``with PlatformSimulator() as sim:`` starts it on a free
    port; ``sim.base_url("taobao")`` is what a channel's ``api_base_url`` points at."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, store: PlatformStore | None = None):
        self.store = store or PlatformStore()
        self._server = _Server((host, port), self.store)
        self._thread: threading.Thread | None = None
        self._serving = False

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def base_url(self, platform: str) -> str:
        return f"{self.url}/{platform}"

    def start(self) -> "PlatformSimulator":
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL},
                                            name="platform-simulator", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until ``stop()`` is called from another one (or Ctrl-C)."""
        self._serving = True
        self._server.serve_forever(poll_interval=POLL_INTERVAL)

    def stop(self) -> None:
        if self._serving or self._thread is not None:
            self._server.shutdown()
        self._serving = False
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "PlatformSimulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what a buyer or the platform does -------------------------------------------------------
    def add_order(self, platform: str, lines, *, status: str = PlatformStatus.PAID, external_id: str | None = None,
                  placed_at=None, **recipient) -> str:
        """A new order; returns its platform order number."""
        return self.store.create(platform, lines, status=status, external_id=external_id, placed_at=placed_at,
                                 **recipient).external_id

    def put_payload(self, platform: str, payload: dict) -> str:
        return self.store.put_payload(platform, payload).external_id

    def pay(self, platform: str, external_id: str) -> None:
        self.store.act(platform, external_id, "pay")

    def cancel(self, platform: str, external_id: str) -> None:
        self.store.act(platform, external_id, "cancel")

    def refund(self, platform: str, external_id: str) -> None:
        self.store.act(platform, external_id, "refund")

    def complete(self, platform: str, external_id: str) -> None:
        self.store.act(platform, external_id, "complete")

    def payload(self, platform: str, external_id: str) -> dict:
        return self.store.get(platform, external_id).payload()

    def set_outage(self, down: bool = True, platforms=None) -> None:
        """Answer 503 (an HTML error page, as a gateway does) until ``set_outage(False)``."""
        self.store.set_outage(down, platforms)

    @property
    def shipments(self) -> list[dict]:
        return list(self.store.shipments)
