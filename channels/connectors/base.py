"""What every platform adapter does, and the plain objects it hands back.

An adapter knows one platform's shapes and nothing of our database: it turns one platform order
payload (a ``dict`` decoded from JSON) into a ``ParsedOrder``, says how to ask the platform for
orders changed since a cursor and how to read the answer, and how to tell the platform a shipment.
The channels services do the rest (inbox, SKU mapping, intake, updates, write-back).
"""

from dataclasses import dataclass, field
from datetime import datetime

from orders.drafts import OrderDraft
from orders.states import PlatformStatus  # noqa: F401  (the adapters speak the order core's words)


class PayloadInvalid(Exception):
    """The payload is not an order this adapter can read; the message says why, in the user's language."""


#: Words in a platform's refusal of a shipment that mean no wait will change its answer: the
#: order is not there, is closed or refunded, or was shipped with another tracking number.
PERMANENT_REFUSALS = (
    "不存在",
    "已关闭",
    "交易关闭",
    "已取消",
    "退款成功",
    "已退款",
    "已发货",
    "已签收",
    "已完成",
    "not found",
    "not exist",
    "closed",
    "cancelled",
    "canceled",
    "already shipped",
)


def is_permanent_refusal(reason: str) -> bool:
    """Whether a platform's refusal (its reason as the adapter reports it) is for good; anything
    else (busy, rate-limited, a signature or parameter hiccup, not paid yet) may pass later."""
    text = (reason or "").lower()
    return any(marker in text for marker in PERMANENT_REFUSALS)


@dataclass(frozen=True)
class ParsedOrder:
    #: The intake draft. Its lines carry the platform's own item codes (outer id, else platform SKU
    #: id), which the channels services map to our SKU codes before intake.
    draft: OrderDraft
    status: str
    #: When the platform last changed this order; orders messages that arrive out of order.
    updated_at: datetime | None = None
    #: Carrier and tracking number when the platform says the order has shipped.
    tracking: tuple[str, str] | None = None

    @property
    def external_id(self) -> str:
        return self.draft.external_id


@dataclass(frozen=True)
class Request:
    """One HTTP call to a platform, relative to the channel's ``api_base_url``."""

    method: str
    path: str
    params: dict = field(default_factory=dict)
    json: dict | None = None


@dataclass(frozen=True)
class PollPage:
    """One page of a "changed since" answer: raw order payloads, and where to go on from."""

    payloads: list[dict]
    next_cursor: str
    has_more: bool


class Connector:
    """Base class of the platform adapters; each subclass implements every method."""

    platform: str = ""

    def parse(self, payload: dict, *, channel_code: str) -> ParsedOrder:
        """One platform order payload → ``ParsedOrder``; ``PayloadInvalid`` when it cannot be read."""
        raise NotImplementedError

    def poll_request(self, *, credentials: dict, cursor: str, page_size: int = 100) -> Request:
        """The call that lists orders changed since ``cursor`` ("" = from the beginning)."""
        raise NotImplementedError

    def parse_poll_response(self, data: dict, *, cursor: str) -> PollPage:
        raise NotImplementedError

    def shipment_request(self, *, credentials: dict, external_id: str, carrier: str, tracking_number: str) -> Request:
        """The call that tells the platform an order has shipped."""
        raise NotImplementedError

    def check_shipment_response(self, data: dict) -> None:
        """Raise ``PayloadInvalid`` with the platform's reason when it refused the shipment."""
        raise NotImplementedError

    def sample_payload(self, *, external_id: str, lines: list[tuple[str, int, str]], status: str = PlatformStatus.PAID,
                       updated_at: datetime | None = None, placed_at: datetime | None = None,
                       paid_at: datetime | None = None, tracking: tuple[str, str] | None = None,
                       **recipient) -> dict:
        """A realistic payload in this platform's shape (for the simulator, demo, tests and benchmarks).
        ``lines`` are (item code, quantity, unit price as a string[, title]); ``updated_at`` defaults
        to now, ``placed_at`` to ``updated_at`` and ``paid_at`` (for a paid status) to ``placed_at``;
        ``tracking`` is (carrier, number) where the platform carries it; ``recipient`` may override
        name, phone, province, city, district, street."""
        raise NotImplementedError
