"""Reading platform fixtures and checking a parsed order field by field."""

import copy
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import channels.connectors
from channels.connectors import get_connector

FIXTURES = Path(channels.connectors.__file__).parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
PACIFIC = ZoneInfo("America/Los_Angeles")
CHANNEL = "shop-1"


def fixture_names(platform: str) -> list[str]:
    return sorted(path.stem for path in (FIXTURES / platform / "fixtures").glob("*.json"))


def load(platform: str, name: str) -> dict:
    with (FIXTURES / platform / "fixtures" / f"{name}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def parse(platform: str, payload: dict):
    return get_connector(platform).parse(copy.deepcopy(payload), channel_code=CHANNEL)


def at(text: str, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def check(parsed, expected: dict) -> None:
    """Compare every field ``expected`` names; lines are (code, quantity, price[, title])."""
    draft = parsed.draft
    assert draft.channel == CHANNEL
    assert parsed.external_id == expected["external_id"]
    assert parsed.status == expected["status"]
    assert draft.paid is expected["paid"]
    recipient = draft.recipient
    got = (recipient.name, recipient.phone, recipient.province, recipient.city, recipient.district, recipient.street)
    assert got == expected["recipient"]
    lines = [(line.sku_code, line.quantity, line.unit_price) for line in draft.lines]
    assert lines == [(code, qty, Decimal(price)) for code, qty, price, *_ in expected["lines"]]
    for line, row in zip(draft.lines, expected["lines"], strict=True):
        if len(row) > 3:
            assert line.title == row[3]
    for name in ("shipping_fee", "discount_amount"):
        assert getattr(draft, name) == Decimal(expected[name])
    assert draft.paid_amount == (Decimal(expected["paid_amount"]) if expected["paid_amount"] is not None else None)
    assert draft.currency == expected.get("currency", "CNY")
    assert draft.placed_at == expected["placed_at"]
    assert draft.paid_at == expected["paid_at"]
    assert parsed.updated_at == expected["updated_at"]
    assert draft.buyer_note == expected.get("buyer_note", "")
    assert draft.seller_note == expected.get("seller_note", "")
    assert parsed.tracking == expected.get("tracking")
    assert draft.data["platform_status"] == expected["platform_status"]
    draft.validate()  # what the intake will check first
