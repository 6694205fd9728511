"""The raw inbox: every inbound platform payload is stored before it is parsed, then processed
into the order core. A payload that fails stays in the inbox with its error and can be replayed."""

import contextlib
import functools
import hashlib
import json
import logging

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.connectors import PayloadInvalid, PlatformStatus, get_connector
from channels.models import Channel, InboxMessage, InboxStatus
from channels.services.skus import map_draft
from inventory.sql import insert, insert_statement
from orders.drafts import DraftInvalid
from orders.services import OrderActionRefused, order_intake

log = logging.getLogger(__name__)


def inbox_receive(*, channel: Channel, body: str, source: str, headers: dict | None = None) -> InboxMessage:
    """Store one raw payload (committed at once, whatever happens next) and return it."""
    return InboxMessage.objects.create(channel=channel, source=source, body=body, headers=headers or {})


def inbox_accept(
    *, channel: Channel, body: str, source: str, headers: dict | None = None, message_id: int | None = None
) -> InboxMessage:
    """Store one raw payload and enqueue its processing task, atomically: with the ORM broker (the
    default) the task row and the message are written together, so neither exists without the other.

    ``message_id``, when the caller has already drawn one from the inbox's id sequence (the webhook
    view does, with its channel look-up), lets PostgreSQL write both rows with one statement (a
    data-modifying CTE: one round trip, atomic on its own, no BEGIN/COMMIT)."""
    message = InboxMessage(id=message_id, channel=channel, source=source, body=body, headers=headers or {})
    if message_id is not None and connection.vendor == "postgresql" and _orm_broker():
        from django_q.conf import Conf

        if not Conf.SYNC:
            inbox_sql, inbox_params = insert_statement([message])
            task_sql, task_params = insert_statement([_task_row(message_id)])
            with connection.cursor() as cursor:
                cursor.execute(f"WITH inbox AS ({inbox_sql}) {task_sql}", inbox_params + task_params)
            message._state.adding, message._state.db = False, connection.alias
            return message
    with transaction.atomic():
        insert([message], returning_pk=message_id is None)
        inbox_enqueue(message)
    return message


def inbox_enqueue(message: InboxMessage) -> None:
    """Have the worker process ``message``.

    With the ORM broker the task row is written now, inside the caller's transaction if there is
    one; a Redis broker cannot join the transaction, so there the task is sent on commit."""
    if _orm_broker():
        _enqueue_now(message.pk)
    else:
        transaction.on_commit(functools.partial(_enqueue_now, message.pk))


def _orm_broker() -> bool:
    return "orm" in settings.Q_CLUSTER


def _enqueue_now(message_id: int) -> None:
    from django_q.conf import Conf
    from django_q.tasks import async_task

    if _orm_broker() and not Conf.SYNC:
        insert([_task_row(message_id)])
    else:
        async_task(PROCESS_TASK, message_id)


class _PackageOnly:
    """A django-q2 broker stand-in that keeps the signed package ``async_task`` built, so that the
    ORM broker's row can be written by us: without a RETURNING, or within a larger statement."""

    def __init__(self, list_key: str, message_id: int):
        self.list_key = list_key
        self.message_id = message_id
        self.package: str | None = None

    def enqueue(self, package: str) -> str:
        self.package = package
        return f"inbox message {self.message_id}"  # what django-q2 logs as the queued id


def _task_row(message_id: int):
    """The django-q2 ORM broker's queue row for processing ``message_id`` (not saved): the package
    is built and signed by django-q2's own ``async_task``, exactly as its broker would store it."""
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.tasks import async_task

    broker = _PackageOnly(Conf.CLUSTER_NAME, message_id)
    async_task(PROCESS_TASK, message_id, broker=broker)
    return OrmQ(key=broker.list_key, payload=broker.package, lock=timezone.now())


PROCESS_TASK = "channels.tasks.process_inbox_message"


def inbox_process(message_id: int) -> InboxMessage:
    """Parse one stored payload and take it into the order core. Safe to run twice, and at the
    same time as other messages about the same platform order: a processed message is left alone,
    a repeat of a platform order is deduplicated by the intake, and applying a message (staleness
    check, intake or update, recording its outcome) holds a lock on its (channel, platform order)
    so two workers never interleave there (see ``platform_order_lock``)."""
    message = InboxMessage.objects.select_related("channel").get(pk=message_id)
    if message.status in _DONE:
        return message
    message.attempts += 1
    try:
        payload = json.loads(message.body)
        if not isinstance(payload, dict):
            raise PayloadInvalid(_("内容不是一个订单对象"))
        parsed = get_connector(message.channel.platform).parse(payload, channel_code=message.channel.code)
    except (ValueError, PayloadInvalid, LookupError) as exc:
        return _finish(message, InboxStatus.FAILED, error=_parse_error(exc, message.channel))
    message.external_id = parsed.external_id[:64]
    message.platform_status = parsed.status
    message.platform_updated_at = parsed.updated_at
    with platform_order_lock(message.channel_id, message.external_id):
        if InboxMessage.objects.filter(pk=message.pk, status__in=_DONE).exists():
            # Another run of this same task finished it while we were parsing.
            return InboxMessage.objects.select_related("channel").get(pk=message.pk)
        try:
            status, order, note = apply_parsed(message.channel, parsed, message=message)
        except DraftInvalid as exc:
            return _finish(message, InboxStatus.FAILED, error=str(exc))
        return _finish(message, status, order=order, error=note)


_DONE = (InboxStatus.PROCESSED, InboxStatus.IGNORED)


@contextlib.contextmanager
def platform_order_lock(channel_id: int, external_id: str):
    """Hold a PostgreSQL advisory lock on one (channel, platform order) for the block; a no-op on
    other databases (SQLite runs one writer at a time anyway).

    A session lock rather than a transaction lock: the intake must run in autocommit (it draws its
    order number outside its own transaction, see ``orders.numbering``), and the outcome written by
    ``_finish`` must be committed before the next worker's staleness check reads it. The lock goes
    with the connection if the process dies."""
    if connection.vendor != "postgresql":
        yield
        return
    digest = hashlib.blake2b(f"oms-inbox:{channel_id}:{external_id}".encode(), digest_size=8).digest()
    key = int.from_bytes(digest, "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        except DatabaseError:
            log.warning("could not release the inbox lock %s; it goes with the connection", key)


def apply_parsed(channel: Channel, parsed, *, message: InboxMessage | None = None):
    """Take in a new platform order, or bring an existing one up to date.
    Returns (inbox status, order, note)."""
    result = order_intake(draft=map_draft(channel, parsed.draft))
    order = result.order
    if result.created and parsed.status in (PlatformStatus.CANCELLED, PlatformStatus.REFUNDING):
        # The first news of this order is that it is already closed: keep it, cancelled.
        return _cancel(order, parsed)
    if result.created:
        return InboxStatus.PROCESSED, order, ""
    if message is not None and _is_stale(message, channel, parsed):
        return InboxStatus.IGNORED, order, _("比已处理的消息旧，已忽略")
    return apply_update(order, parsed)


def apply_update(order, parsed):
    """A later message about an order we already have: act on its platform status."""
    from orders.services import order_mark_paid
    from orders.states import OrderStatus

    if parsed.status == PlatformStatus.PAID and order.status == OrderStatus.PENDING_PAYMENT:
        try:
            order = order_mark_paid(order=order, paid_at=parsed.draft.paid_at, note=_("平台通知已付款"))
        except OrderActionRefused as exc:
            return InboxStatus.IGNORED, order, exc.message
        return InboxStatus.PROCESSED, order, ""
    if parsed.status in (PlatformStatus.CANCELLED, PlatformStatus.REFUNDING):
        return _cancel(order, parsed)
    return InboxStatus.IGNORED, order, _("订单已是最新状态")


def _cancel(order, parsed):
    from orders.services import order_cancel

    label = PlatformStatus.LABELS.get(parsed.status, parsed.status)
    try:
        order = order_cancel(order=order, note=_("平台通知：%(status)s") % {"status": label})
    except OrderActionRefused as exc:
        return InboxStatus.IGNORED, order, exc.message
    return InboxStatus.PROCESSED, order, ""


def _is_stale(message: InboxMessage, channel: Channel, parsed) -> bool:
    """True when a message about the same platform order with a later platform time was already applied."""
    if parsed.updated_at is None:
        return False
    return (
        InboxMessage.objects.filter(
            channel=channel,
            external_id=parsed.external_id,
            status=InboxStatus.PROCESSED,
            platform_updated_at__gt=parsed.updated_at,
        )
        .exclude(pk=message.pk)
        .exists()
    )


def _finish(message: InboxMessage, status: str, *, order=None, error: str = "") -> InboxMessage:
    message.status = status
    message.error = error
    message.order = order or message.order
    message.processed_at = timezone.now()
    message.save(
        update_fields=[
            "status", "error", "order", "processed_at", "attempts", "external_id", "platform_status",
            "platform_updated_at",
        ]
    )
    if status == InboxStatus.FAILED:
        log.warning("inbox message %s failed: %s", message.pk, error)
    return message


def _parse_error(exc: Exception, channel: Channel) -> str:
    if isinstance(exc, LookupError):
        return _("平台 %(platform)s 没有对接程序") % {"platform": channel.get_platform_display()}
    if isinstance(exc, PayloadInvalid):
        return str(exc)
    return _("内容不是合法的 JSON：%(error)s") % {"error": exc}
