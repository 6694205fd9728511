"""How a buyer notification leaves: one sender per channel (SMS, email), chosen in settings.

A sender has ``send(*, recipient, subject, body)`` and raises ``SendFailed`` when the message did
not go (the outbox then retries it with backoff). ``NOTIFY_SENDERS`` maps a channel to a class
path; the defaults are the console/log SMS sender (no SMS gateway is wired in: it writes the
message to the log, phone masked) and Django's mail (``EMAIL_BACKEND``). A gateway is a class
with the same method, named in the setting.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from core.masking import mask_phone

log = logging.getLogger("oms.notifications")

DEFAULT_SENDERS = {
    "sms": "orders.senders.LogSmsSender",
    "email": "orders.senders.DjangoEmailSender",
}


class SendFailed(Exception):
    """The message did not go; ``str(exc)`` says why (kept as the row's last error)."""


class Sender(Protocol):
    def send(self, *, recipient: str, subject: str, body: str) -> None: ...


class LogSmsSender:
    """Writes the SMS to the log instead of a gateway (development, demos, and until one is chosen)."""

    def send(self, *, recipient: str, subject: str, body: str) -> None:
        log.info("SMS to %s: %s", mask_phone(recipient), body)


class DjangoEmailSender:
    """Django's mail: whatever ``EMAIL_BACKEND`` is (SMTP in production, the console by default)."""

    def send(self, *, recipient: str, subject: str, body: str) -> None:
        try:
            sent = send_mail(subject, body, None, [recipient], fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - any backend error (SMTP, socket, TLS) is a failed send
            raise SendFailed(f"{type(exc).__name__}: {exc}") from exc
        if not sent:
            raise SendFailed("the mail backend sent nothing")


def sender_for(channel: str) -> Sender:
    path = {**DEFAULT_SENDERS, **getattr(settings, "NOTIFY_SENDERS", {})}[channel]
    return import_string(path)()
