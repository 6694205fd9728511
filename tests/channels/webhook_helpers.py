"""Sending signed webhook requests in tests, with realistic bodies from the connectors."""

import json
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from channels.connectors import PlatformStatus, get_connector
from channels.signing import signed_headers

RECIPIENT = {
    "name": "王小明", "phone": "13812345678", "province": "浙江省", "city": "杭州市", "district": "西湖区",
    "street": "文三路 90 号",
}


def url(code: str) -> str:
    return reverse("channels:webhook", args=[code])


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def send(client, channel, body: bytes, *, secret: str | None = None, timestamp: int | None = None, headers=None):
    """POST ``body`` to ``channel``'s webhook, signed with its secret (or ``secret``) unless
    ``headers`` are given."""
    if headers is None:
        headers = signed_headers(secret or channel.webhook_secret, body, timestamp)
    return client.post(url(channel.code), data=body, content_type="application/json", headers=headers)


def sample(platform: str, external_id: str, status: str = PlatformStatus.PAID, *, updated_at: datetime | None = None,
           lines=(("A001", 1, "19.90"),)) -> dict:
    """A platform payload for one order, as the platform would push it."""
    updated_at = updated_at or timezone.now().replace(microsecond=0)
    placed_at = updated_at - timedelta(hours=1)
    return get_connector(platform).sample_payload(
        external_id=external_id, lines=list(lines), status=status, updated_at=updated_at, placed_at=placed_at,
        paid_at=placed_at if status == PlatformStatus.PAID else None, tracking=None, **RECIPIENT,
    )
