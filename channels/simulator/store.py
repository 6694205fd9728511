"""The simulator's memory: each platform's orders, a change counter for "changed since", the
shipment callbacks received, and which platforms are in an outage. Thread-safe (one lock)."""

import itertools
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from channels.connectors import PlatformStatus, get_connector

S = PlatformStatus
PLATFORMS = ("taobao", "jd", "pinduoduo", "douyin", "aliexpress")


class SimulatorError(ValueError):
    """An order or action the simulated platform does not have or refuses."""


@dataclass
class SimOrder:
    platform: str
    external_id: str
    status: str
    seq: int
    lines: list = field(default_factory=list)
    recipient: dict = field(default_factory=dict)
    placed_at: datetime | None = None
    paid_at: datetime | None = None
    updated_at: datetime | None = None
    tracking: tuple[str, str] | None = None
    #: A payload put in as given (a fixture): sent verbatim, never re-rendered.
    raw: dict | None = None

    def payload(self) -> dict:
        if self.raw is not None:
            return self.raw
        return get_connector(self.platform).sample_payload(
            external_id=self.external_id, lines=self.lines, status=self.status, updated_at=self.updated_at,
            placed_at=self.placed_at, paid_at=self.paid_at, tracking=self.tracking, **self.recipient,
        )


#: action → (statuses it may start from, status it leads to)
TRANSITIONS = {
    "pay": ({S.UNPAID}, S.PAID),
    "cancel": ({S.UNPAID, S.PAID, S.REFUNDING}, S.CANCELLED),
    "refund": ({S.PAID, S.SHIPPED, S.COMPLETED}, S.REFUNDING),
    "ship": ({S.PAID}, S.SHIPPED),
    "complete": ({S.SHIPPED}, S.COMPLETED),
}


class PlatformStore:
    def __init__(self, *, seed: int | None = None):
        self._lock = threading.Lock()
        self._orders: dict[str, dict[str, SimOrder]] = {p: {} for p in PLATFORMS}
        self._seq = itertools.count(1)
        self._numbers = itertools.count(1)
        self._rng = random.Random(seed)
        self._down: set[str] = set()
        self.shipments: list[dict] = []

    # -- orders ----------------------------------------------------------------------------------
    def create(self, platform: str, lines, *, status: str = S.PAID, external_id: str | None = None,
               placed_at: datetime | None = None, **recipient) -> SimOrder:
        """A new order on ``platform``; ``lines`` are (code, quantity, price[, title])."""
        _check_platform(platform)
        if status not in S.LABELS:
            raise SimulatorError(f"unknown status {status!r}")
        now = timezone.now().replace(microsecond=0)
        placed_at = placed_at or now
        with self._lock:
            external_id = external_id or self._new_id(platform, now)
            if external_id in self._orders[platform]:
                raise SimulatorError(f"{platform} order {external_id} exists already")
            order = SimOrder(
                platform=platform, external_id=external_id, status=status, seq=next(self._seq),
                lines=[tuple(line) for line in lines], recipient=dict(recipient), placed_at=placed_at,
                paid_at=placed_at if status not in (S.UNPAID, S.CANCELLED) else None, updated_at=now,
            )
            order.payload()  # refuse bad lines or recipient fields now, not when polled
            self._orders[platform][external_id] = order
            return order

    def put_payload(self, platform: str, payload: dict) -> SimOrder:
        """Serve ``payload`` (e.g. a fixture) as it is; its id and status are read by our adapter."""
        _check_platform(platform)
        parsed = get_connector(platform).parse(payload, channel_code="simulator")
        with self._lock:
            order = SimOrder(platform=platform, external_id=parsed.external_id, status=parsed.status,
                             seq=next(self._seq), raw=payload, updated_at=parsed.updated_at)
            self._orders[platform][parsed.external_id] = order
            return order

    def act(self, platform: str, external_id: str, action: str, *, tracking: tuple[str, str] | None = None) -> SimOrder:
        """Move an order on (pay, cancel, refund, ship, complete), as the buyer or platform would."""
        if action not in TRANSITIONS:
            raise SimulatorError(f"unknown action {action!r}")
        with self._lock:
            order = self._get(platform, external_id)
            sources, target = TRANSITIONS[action]
            if order.raw is not None:
                raise SimulatorError(f"{platform} order {external_id} was put in as a raw payload")
            if order.status not in sources:
                raise SimulatorError(f"cannot {action} {platform} order {external_id} in status {order.status}")
            self._move(order, target, tracking=tracking)
            return order

    def get(self, platform: str, external_id: str) -> SimOrder:
        with self._lock:
            return self._get(platform, external_id)

    def orders(self, platform: str) -> list[SimOrder]:
        _check_platform(platform)
        with self._lock:
            return sorted(self._orders[platform].values(), key=lambda o: o.seq)

    def changed_since(self, platform: str, cursor: str, size: int) -> tuple[list[dict], str, bool, int]:
        """Orders changed after ``cursor``, oldest change first: (payloads, next cursor, has more, total left)."""
        _check_platform(platform)
        after = int(cursor) if str(cursor or "").isdigit() else 0
        size = max(1, min(int(size), 100))
        with self._lock:
            changed = sorted((o for o in self._orders[platform].values() if o.seq > after), key=lambda o: o.seq)
            page = changed[:size]
            payloads = [o.payload() for o in page]
        next_cursor = str(page[-1].seq) if page else str(after)
        return payloads, next_cursor, len(changed) > len(page), len(changed)

    # -- shipment callbacks ----------------------------------------------------------------------
    def receive_shipment(self, platform: str, external_id: str, carrier: str, tracking_number: str) -> str:
        """Take a shipment callback. Returns "" when accepted (a repeat of the same tracking number
        is accepted again, harmlessly), else the platform's reason for refusing it."""
        with self._lock:
            order = self._orders.get(platform, {}).get(str(external_id))
            record = {"platform": platform, "external_id": str(external_id), "carrier": carrier,
                      "tracking_number": tracking_number, "at": timezone.now().isoformat(), "repeat": False,
                      "accepted": False}
            reason = ""
            if not external_id or not tracking_number:
                reason = "缺少订单号或运单号"
            elif order is None:
                reason = f"订单不存在：{external_id}"
            elif order.status == S.CANCELLED:
                reason = "订单已关闭，不能发货"
            elif order.status == S.UNPAID:
                reason = "订单未付款，不能发货"
            elif order.tracking is not None:
                if order.tracking[1] == tracking_number:
                    record["repeat"] = True
                else:
                    reason = f"订单已发货，运单号 {order.tracking[1]}"
            elif order.raw is not None:
                order.tracking = (carrier, tracking_number)
            else:
                self._move(order, S.SHIPPED if order.status == S.PAID else order.status,
                           tracking=(carrier, tracking_number))
            record["accepted"] = not reason
            record["reason"] = reason
            self.shipments.append(record)
            return reason

    # -- outage ----------------------------------------------------------------------------------
    def set_outage(self, down: bool = True, platforms=None) -> set[str]:
        """Answer 503 on ``platforms`` (all when None) until cleared with ``down=False``."""
        chosen = set(platforms or PLATFORMS)
        for platform in chosen:
            _check_platform(platform)
        with self._lock:
            self._down = self._down | chosen if down else self._down - chosen
            return set(self._down)

    def is_down(self, platform: str) -> bool:
        with self._lock:
            return platform in self._down

    # -- internals -------------------------------------------------------------------------------
    def _get(self, platform: str, external_id: str) -> SimOrder:
        _check_platform(platform)
        try:
            return self._orders[platform][str(external_id)]
        except KeyError:
            raise SimulatorError(f"no {platform} order {external_id}") from None

    def _move(self, order: SimOrder, status: str, *, tracking=None) -> None:
        now = timezone.now().replace(microsecond=0)
        if status == S.PAID and order.paid_at is None:
            order.paid_at = now
        if tracking:
            order.tracking = tuple(tracking)
        order.status, order.updated_at, order.seq = status, now, next(self._seq)

    def _new_id(self, platform: str, now: datetime) -> str:
        n = next(self._numbers)
        tail = self._rng.randrange(10**6)
        if platform == "taobao":
            return f"4{now:%y%m%d}{tail:06d}{n:06d}"
        if platform == "jd":
            return f"3{tail:06d}{n:05d}"
        if platform == "pinduoduo":
            return f"{now:%y%m%d}-{tail:06d}{n:09d}"
        if platform == "douyin":
            return f"69{now:%y%m%d}{tail:06d}{n:05d}"
        return f"81{tail:06d}{n:08d}"


def _check_platform(platform: str) -> None:
    if platform not in PLATFORMS:
        raise SimulatorError(f"unknown platform {platform!r}")
