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
from core.masking import mask_street
from core.sql import insert, insert_statement
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
        async_task(PROCESS_TASK, message_id, save=SAVE_SUCCESS)


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
    async_task(PROCESS_TASK, message_id, broker=broker, save=SAVE_SUCCESS)
    return OrmQ(key=broker.list_key, payload=broker.package, lock=timezone.now())


PROCESS_TASK = "channels.tasks.process_inbox_message"
#: django-q2 keeps no success record of a processing task: the message itself records its outcome
#: (status, order, processed at), and saving one costs django-q2's monitor a pass over the whole
#: success table each time (about 20 tasks/s at most). Failures are still recorded.
SAVE_SUCCESS = False


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
        connector = get_connector(message.channel.platform)
    except LookupError as exc:
        return _finish(message, InboxStatus.FAILED, error=_parse_error(exc, message.channel))
    try:
        payload = json.loads(message.body)
        if not isinstance(payload, dict):
            raise PayloadInvalid(_("内容不是一个订单对象"))
    except (ValueError, RecursionError, PayloadInvalid) as exc:
        # Whatever the body is, a body that cannot be read fails now, with a reason: RecursionError
        # (nesting deeper than the parser goes) is no ValueError and would leave it pending.
        return _finish(message, InboxStatus.FAILED, error=_parse_error(exc, message.channel))
    try:
        parsed = connector.parse(payload, channel_code=message.channel.code)
    except PayloadInvalid as exc:
        return _finish(message, InboxStatus.FAILED, error=_parse_error(exc, message.channel))
    except Exception as exc:  # noqa: BLE001 - an adapter bug must leave the message replayable, not lost
        log.exception("inbox message %s: the %s adapter failed", message.pk, message.channel.platform)
        return _finish(message, InboxStatus.FAILED, error=_("对接程序出错：%(error)s") % {"error": repr(exc)[:300]})
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


class InboxReplayRefused(Exception):
    """The message cannot be replayed (it was processed already, or is being processed)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


#: Messages a person may send through processing again.
REPLAYABLE = (InboxStatus.FAILED, InboxStatus.IGNORED)


def inbox_replay(message_id: int) -> InboxMessage:
    """Process a failed or ignored message again (after a mapping, an adapter fix…), now.

    The status is switched back to pending by one conditional update, so two people replaying at
    once process it once; a processed message is refused. Whatever the message leads to goes
    through the intake, so an order already taken in is never taken in twice."""
    switched = InboxMessage.objects.filter(pk=message_id, status__in=REPLAYABLE).update(
        status=InboxStatus.PENDING, error=""
    )
    if not switched:
        message = InboxMessage.objects.filter(pk=message_id).first()
        if message is None:
            raise InboxReplayRefused(_("消息不存在"))
        raise InboxReplayRefused(
            _("消息 #%(id)d 状态为「%(status)s」，只有失败或已忽略的消息可以重新处理")
            % {"id": message.pk, "status": message.get_status_display()}
        )
    return inbox_process(message_id)


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
    """A later message about an order we already have: act on its address and platform status.

    Before packing, a changed address is applied and a cancellation or refund cancels the order;
    once packed or shipped, either becomes an exception on the order for a person to handle
    (flagged once per change, so a repeated message flags nothing new)."""
    from orders.services import order_mark_paid
    from orders.states import OrderStatus

    changed = False
    notes = []
    address_result = _apply_address(order, parsed)
    if address_result is not None:
        order, ok, note = address_result
        changed |= ok
        if note:
            notes.append(note)
    waiting_for_payment = order.status == OrderStatus.PENDING_PAYMENT or (
        order.status == OrderStatus.ON_HOLD and not order.is_paid
    )
    if parsed.status == PlatformStatus.PAID and waiting_for_payment:
        try:
            order = order_mark_paid(order=order, paid_at=parsed.draft.paid_at, note=_("平台通知已付款"))
        except OrderActionRefused as exc:
            notes.append(exc.message)
        else:
            changed = True
    elif parsed.status in (PlatformStatus.CANCELLED, PlatformStatus.REFUNDING):
        status, order, note = _cancel(order, parsed)
        changed |= status == InboxStatus.PROCESSED
        if note:
            notes.append(note)
    if changed:
        return InboxStatus.PROCESSED, order, ""
    return InboxStatus.IGNORED, order, "；".join(str(n) for n in notes) or _("订单已是最新状态")


_ADDRESS_PARTS = ("province", "city", "district", "street")


def _apply_address(order, parsed):
    """(order, changed, note) when the message carries another address than the order's, else None."""
    from orders.services import order_change_address, order_flag_exception
    from orders.services.changes import platform_address
    from orders.states import BEFORE_PACKING, PACKED_OR_LATER, ExceptionReason

    recipient = parsed.draft.recipient
    new = {part: (getattr(recipient, part) or "").strip() for part in _ADDRESS_PARTS}
    if not new["province"] or not new["street"]:
        return None  # the message carries no usable address: nothing to compare
    known = platform_address(order)
    if all(new[part] == (known[part] or "").strip() for part in _ADDRESS_PARTS):
        return None  # what the platform said before (a person may have changed it since)
    if order.status in BEFORE_PACKING:
        address = dict(new)
        # Masked names and phones (privacy-protected platforms) never overwrite real ones.
        if recipient.name and "*" not in recipient.name:
            address["recipient_name"] = recipient.name
        if recipient.phone and "*" not in recipient.phone:
            address["phone"] = recipient.phone
        try:
            order = order_change_address(order=order, address=address, note=_("平台通知：买家修改了收货地址"))
        except OrderActionRefused as exc:
            return order, False, exc.message
        return order, True, ""
    if order.status in PACKED_OR_LATER:
        text = " ".join(new[part] for part in _ADDRESS_PARTS if new[part])
        if _flagged_before(order, ExceptionReason.LATE_ADDRESS_CHANGE, address=text):
            return order, False, ""
        order = order_flag_exception(
            order=order,
            reason=ExceptionReason.LATE_ADDRESS_CHANGE,
            # The note is read by ops, who see streets masked; the full address is in the event's data.
            note=_("买家改地址为：%(address)s")
            % {"address": " ".join(mask_street(new[p]) if p == "street" else new[p] for p in _ADDRESS_PARTS if new[p])},
            data={"address": text},
        )
        return order, True, ""
    return order, False, _("订单已取消，不再修改地址")


def _flagged_before(order, reason: str, **data) -> bool:
    from orders.models import OrderEvent

    events = OrderEvent.objects.filter(order=order, action="flag_exception", data__reason=reason)
    for key, value in data.items():
        events = events.filter(**{f"data__{key}": value})
    return events.exists()


def _cancel(order, parsed):
    """Cancel before packing; once packed or shipped flag the late refund/cancellation instead."""
    from orders.services import order_cancel, order_flag_exception
    from orders.states import PACKED_OR_LATER, ExceptionReason, OrderStatus

    label = PlatformStatus.LABELS.get(parsed.status, parsed.status)
    note = _("平台通知：%(status)s") % {"status": label}
    if order.status in PACKED_OR_LATER:
        if _flagged_before(order, ExceptionReason.LATE_REFUND):
            return InboxStatus.IGNORED, order, _("已标记过异常")
        order = order_flag_exception(order=order, reason=ExceptionReason.LATE_REFUND, note=note)
        return InboxStatus.PROCESSED, order, ""
    if order.status == OrderStatus.CANCELLED:
        return InboxStatus.IGNORED, order, _("订单已取消")
    try:
        order = order_cancel(order=order, note=note)
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
    if isinstance(exc, RecursionError):
        return _("内容嵌套层数过多，无法读取")
    return _("内容不是合法的 JSON：%(error)s") % {"error": exc}
