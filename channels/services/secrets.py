"""Shop secrets: rotating the webhook secret, and masking secrets for display."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from channels.models import Channel, new_secret

#: How long the previous webhook secret still verifies after a rotation (platforms retry).
ROTATION_GRACE = timedelta(hours=24)
MASK = "••••••"


def channel_rotate_secret(*, channel: Channel | int, grace: timedelta = ROTATION_GRACE) -> tuple[Channel, str]:
    """Give the shop a new webhook secret; the current one keeps verifying for ``grace``
    (``channels.signing.verify``), the one before it stops. Returns (channel, the new secret):
    the caller shows it once. Locks the channel row."""
    channel_id = channel.pk if isinstance(channel, Channel) else channel
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel_id)
        secret = new_secret()
        locked.previous_secret = locked.webhook_secret
        locked.previous_secret_until = timezone.now() + grace
        locked.webhook_secret = secret
        locked.save(update_fields=["webhook_secret", "previous_secret", "previous_secret_until"])
    return locked, secret


def mask_secret(value) -> str:
    """``abcd••••••wxyz``: the first and last four characters of a long secret, none of a short one."""
    text = "" if value is None else str(value)
    if not text:
        return ""
    if len(text) < 16:
        return MASK
    return f"{text[:4]}{MASK}{text[-4:]}"


def mask_credentials(credentials) -> list[tuple[str, str]]:
    """(key, masked value) for each credential, keys in order."""
    if not isinstance(credentials, dict):
        return []
    return [(str(key), mask_secret(value if not isinstance(value, (dict, list)) else "…")) for key, value in
            sorted(credentials.items())]
