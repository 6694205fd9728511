"""Leaders' orders: a household's order entered on the leader's phone, changed or cancelled
until the cutoff.

Submitting stores the form raw in the inbox first (source 团长下单, committed whatever happens
next), then takes the order in through ``order_intake`` with the leader's station as its
destination, and records the outcome on the message. A form sent twice (same ``token``) makes
one order. Limits hold under concurrency:

* the campaign row is read ``FOR SHARE`` (PostgreSQL): submissions run side by side, while the
  cutoff's ``FOR UPDATE`` waits for those in flight and then refuses new ones;
* one household (campaign, phone) at a time, by an advisory lock, for its per-household limits;
* each limited item's row is locked (pk order) while its promised units are counted from the
  live orders and the new order is written, so 37 units make exactly 37 promises.
Lock order everywhere: campaign, household, item rows, order row, stock rows.
"""

import json
import logging
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.groupbuy.models import Campaign, CampaignItem, CampaignOrder, GroupLeader
from channels.groupbuy.selectors import household_taken, promised
from channels.models import InboxMessage, InboxSource, InboxStatus
from core import photos
from core.locks import advisory_xact_lock
from orders.drafts import DraftInvalid, DraftLine, OrderDraft, Recipient
from orders.models import Order
from orders.services import (
    OrderActionRefused,
    order_cancel,
    order_change_lines,
    order_intake,
    order_intake_prepare,
)

log = logging.getLogger(__name__)
HOUSEHOLD_LOCK = "oms-groupbuy-household"
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
MAX_UNITS_PER_LINE = 999


class LeaderRefused(Exception):
    """The leader's request is refused; ``message`` says why (Chinese first), nothing was changed."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Household:
    """What the order form says about one household."""

    name: str
    phone: str
    #: campaign item id -> units (items not wanted are left out)
    quantities: dict[int, int]
    note: str = ""


@dataclass(frozen=True)
class SubmitResult:
    link: CampaignOrder
    #: False when this form had been sent already: ``link`` is the first submission's order.
    created: bool


def closed_refusal(campaign: Campaign) -> LeaderRefused:
    at = timezone.localtime(campaign.closed_time)
    return LeaderRefused(
        _("「%(name)s」已于 %(at)s 截单，不能再下单或修改") % {"name": campaign.name, "at": f"{at:%m-%d %H:%M}"},
        code="closed",
    )


def _photo_limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _check_leader(leader: GroupLeader, campaign: Campaign) -> None:
    if not leader.active or not leader.station.active:
        raise LeaderRefused(_("你的团长账号或自提点已停用，请联系运营"), code="inactive_leader")
    if not campaign.accepts_orders():
        if timezone.now() < campaign.starts_at:
            raise LeaderRefused(_("「%(name)s」还没有开团") % {"name": campaign.name}, code="not_started")
        raise closed_refusal(campaign)


def _lines(campaign: Campaign, quantities: dict[int, int]) -> tuple[list[CampaignItem], list[DraftLine]]:
    """The campaign's items the household wants and the draft lines, or refused."""
    wanted = {int(k): v for k, v in quantities.items() if v}
    if not wanted:
        raise LeaderRefused(_("请至少选一件商品"), code="no_items")
    for qty in wanted.values():
        if isinstance(qty, bool) or not isinstance(qty, int) or not 0 < qty <= MAX_UNITS_PER_LINE:
            raise LeaderRefused(_("数量必须是 1 到 %(n)d 的整数") % {"n": MAX_UNITS_PER_LINE}, code="bad_quantity")
    items = list(campaign.items.select_related("sku").filter(pk__in=list(wanted)).order_by("pk"))
    if len(items) != len(wanted):
        raise LeaderRefused(_("所选商品不在本期团购中"), code="unknown_item")
    for item in items:
        if item.household_limit is not None and wanted[item.pk] > item.household_limit:
            raise LeaderRefused(
                _("「%(name)s」每户限购 %(n)d 件") % {"name": item.sku.name, "n": item.household_limit},
                code="household_limit",
            )
    lines = [
        DraftLine(sku_code=item.sku.code, quantity=wanted[item.pk], unit_price=item.price, title=item.sku.name)
        for item in items
    ]
    return items, lines


def _lock_campaign_shared(campaign_id: int) -> Campaign:
    """The campaign as it is now, its row held ``FOR SHARE`` until the transaction ends (PostgreSQL;
    SQLite runs one writer at a time anyway)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Campaign._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR SHARE", [campaign_id])  # noqa: S608
    return Campaign.objects.get(pk=campaign_id)


def _check_limits(campaign: Campaign, items: list[CampaignItem], lines: list[DraftLine], phone: str,
                  exclude_order: int | None = None) -> None:
    """Lock the limited items' rows (pk order), then refuse what would pass a limit, counting the
    live orders as they are now (the household lock is held)."""
    wanted = {item.sku_id: line.quantity for item, line in zip(items, lines, strict=True)}
    limited = [item for item in items if item.total_limit is not None]
    if limited:
        list(CampaignItem.objects.select_for_update().filter(pk__in=[i.pk for i in limited]).order_by("pk").values_list("pk"))
        taken = promised(campaign.pk, [i.sku_id for i in limited], exclude_order=exclude_order)
        for item in limited:
            left = item.total_limit - taken.get(item.sku_id, 0)
            if wanted[item.sku_id] > left:
                if left <= 0:
                    message = _("「%(name)s」已售罄") % {"name": item.sku.name}
                else:
                    message = _("「%(name)s」只剩 %(n)d 件") % {"name": item.sku.name, "n": left}
                raise LeaderRefused(message, code="sold_out")
    capped = [item for item in items if item.household_limit is not None]
    if capped:
        had = household_taken(campaign.pk, phone, [i.sku_id for i in capped], exclude_order=exclude_order)
        for item in capped:
            if had.get(item.sku_id, 0) + wanted[item.sku_id] > item.household_limit:
                raise LeaderRefused(
                    _("「%(name)s」每户限购 %(n)d 件，这户已订 %(had)d 件")
                    % {"name": item.sku.name, "n": item.household_limit, "had": had.get(item.sku_id, 0)},
                    code="household_limit",
                )


def _store_photo(data: bytes) -> tuple[str, str]:
    """Check and keep the payment photo (``core.photos``); returns the stored photo and thumbnail names."""
    try:
        clean = photos.clean_photo(
            data,
            max_bytes=_photo_limit("LEADER_PHOTO_MAX_BYTES", 10 * 1024 * 1024),
            max_pixels=_photo_limit("LEADER_PHOTO_MAX_PIXELS", 40_000_000),
            max_side=_photo_limit("LEADER_PHOTO_MAX_SIDE", 1600),
        )
    except photos.PhotoRefused as exc:
        raise LeaderRefused(exc.message, code=exc.code) from exc
    folder = f"groupbuy/{timezone.localdate():%Y/%m/%d}"
    name = uuid.uuid4().hex
    photo = default_storage.save(f"{folder}/{name}.jpg", ContentFile(clean.photo))
    thumbnail = default_storage.save(f"{folder}/{name}_thumb.jpg", ContentFile(clean.thumbnail))
    return photo, thumbnail


def _draft(leader: GroupLeader, campaign: Campaign, household: Household, lines, token: str) -> OrderDraft:
    station = leader.station
    return OrderDraft(
        channel=campaign.channel.code,
        external_id=token,
        recipient=Recipient(
            name=household.name, phone=household.phone, province=station.province, city=station.city,
            district=station.district, street=station.street,
        ),
        lines=tuple(lines),
        paid=True,
        buyer_note=household.note,
        station_id=station.pk,
        data={"campaign": campaign.code, "leader": leader.pk},
    )


def leader_order_submit(
    *, leader: GroupLeader, campaign: Campaign, household: Household, photo: bytes, token: str
) -> SubmitResult:
    """Take in one household's order (see the module docstring). Refused with ``LeaderRefused``:
    a closed or not yet open campaign, no items or a bad quantity, a limit passed, a bad photo,
    a malformed name or phone. A repeat of the same ``token`` answers with the first order."""
    token = (token or "").strip()
    if not TOKEN_PATTERN.fullmatch(token):
        raise LeaderRefused(_("表单已过期，请刷新页面后重新填写"), code="bad_token")
    earlier = CampaignOrder.objects.filter(token=token).select_related("order").first()
    if earlier is not None:
        return _repeat(earlier, leader)
    _check_leader(leader, campaign)
    items, lines = _lines(campaign, household.quantities)
    draft = _draft(leader, campaign, household, lines, token).normalized()
    try:
        draft.validate()
    except DraftInvalid as exc:
        raise LeaderRefused("；".join(exc.errors.values()), code="invalid") from exc
    photo_name, thumb_name = _store_photo(photo)
    message = InboxMessage.objects.create(
        channel_id=campaign.channel_id, source=InboxSource.LEADER, external_id=token,
        body=json.dumps(_raw(leader, campaign, household, token, photo_name, thumb_name), ensure_ascii=False),
    )
    return _process(message, leader, campaign, items, draft, photo_name, thumb_name)


def _process(message: InboxMessage, leader, campaign, items, draft: OrderDraft, photo_name: str, thumb_name: str):
    """Apply a stored submission and record the outcome on its message; a refusal drops the photo."""
    try:
        link, created = _apply(leader, campaign, items, draft, draft.external_id, photo_name, thumb_name)
    except LeaderRefused as exc:
        _finish(message, InboxStatus.IGNORED, exc.message)
        _drop_photo(photo_name, thumb_name)
        raise
    except Exception as exc:
        # Kept with its error, replayable from admin (``leader_message_replay``), photo and all.
        _finish(message, InboxStatus.FAILED, repr(exc)[:500])
        raise
    if not created:  # the same form, sent twice at once: the first one's photo is the order's
        _drop_photo(photo_name, thumb_name)
    _finish(message, InboxStatus.PROCESSED, "" if created else _("重复提交"), order=link.order)
    return SubmitResult(link=link, created=created)


def _drop_photo(*names: str) -> None:
    for name in names:
        default_storage.delete(name)


def leader_message_replay(message: InboxMessage) -> InboxMessage:
    """Apply a stored leader submission again (the inbox's replay): the same checks as when it was
    sent, now (a campaign closed since refuses it). Never raises; the outcome is on the message."""
    try:
        raw = json.loads(message.body)
        leader = GroupLeader.objects.select_related("station").get(pk=raw["leader"])
        campaign = Campaign.objects.select_related("channel").get(code=raw["campaign"])
        household = Household(
            name=raw["name"], phone=raw["phone"], note=raw.get("note", ""),
            quantities={int(k): int(v) for k, v in raw["quantities"].items()},
        )
        token, photo_name, thumb_name = raw["token"], raw["photo"], raw["thumbnail"]
    except (ValueError, TypeError, KeyError, RecursionError, GroupLeader.DoesNotExist, Campaign.DoesNotExist) as exc:
        _finish(message, InboxStatus.FAILED, _("团长下单内容无法读取：%(error)s") % {"error": repr(exc)[:300]})
        return message
    try:
        earlier = CampaignOrder.objects.filter(token=token).select_related("order").first()
        if earlier is not None:
            _finish(message, InboxStatus.PROCESSED, _("重复提交"), order=earlier.order)
            return message
        _check_leader(leader, campaign)
        items, lines = _lines(campaign, household.quantities)
        draft = _draft(leader, campaign, household, lines, token).normalized()
        draft.validate()
        _process(message, leader, campaign, items, draft, photo_name, thumb_name)
    except DraftInvalid as exc:
        _finish(message, InboxStatus.FAILED, str(exc))
    except LeaderRefused as exc:
        if message.status != InboxStatus.IGNORED:
            _finish(message, InboxStatus.IGNORED, exc.message)
    except Exception:  # noqa: BLE001 - _process kept the error on the message; a replay reports, never raises
        log.exception("leader message %s: replay failed", message.pk)
    return message


def _raw(leader, campaign, household: Household, token: str, photo_name: str, thumb_name: str) -> dict:
    return {
        "campaign": campaign.code, "leader": leader.pk, "token": token, "name": household.name,
        "phone": household.phone, "note": household.note, "photo": photo_name, "thumbnail": thumb_name,
        "quantities": {str(k): v for k, v in household.quantities.items()},
    }


def _repeat(earlier: CampaignOrder, leader: GroupLeader) -> SubmitResult:
    if earlier.leader_id != leader.pk:
        raise LeaderRefused(_("表单已过期，请刷新页面后重新填写"), code="bad_token")
    return SubmitResult(link=earlier, created=False)


def _apply(leader, campaign, items, draft: OrderDraft, token: str, photo_name: str, thumb_name: str):
    try:
        return _take_in(leader, campaign, items, draft, token, photo_name, thumb_name)
    except DraftInvalid as exc:  # the station or the channel was switched off meanwhile
        raise LeaderRefused("；".join(exc.errors.values()), code="invalid") from exc


def _take_in(leader, campaign, items, draft: OrderDraft, token: str, photo_name: str, thumb_name: str):
    prepared = order_intake_prepare(draft=draft)
    with transaction.atomic():
        locked = _lock_campaign_shared(campaign.pk)
        if not locked.accepts_orders():
            raise closed_refusal(locked)
        advisory_xact_lock(HOUSEHOLD_LOCK, campaign.pk, draft.recipient.phone)
        earlier = CampaignOrder.objects.filter(token=token).select_related("order").first()
        if earlier is not None:  # the same form, sent again while the first was being taken in
            return _repeat(earlier, leader).link, False
        _check_limits(locked, items, list(draft.lines), draft.recipient.phone)
        result = order_intake(prepared=prepared, actor=leader.user)
        link = CampaignOrder(campaign=locked, leader=leader, order=result.order, token=token)
        link.photo.name, link.thumbnail.name = photo_name, thumb_name
        link.save(force_insert=True)
    return link, True


def _finish(message: InboxMessage, status: str, error: str, order: Order | None = None) -> None:
    message.status, message.error, message.order = status, error, order
    message.processed_at, message.attempts = timezone.now(), message.attempts + 1
    message.save(update_fields=["status", "error", "order", "processed_at", "attempts"])


def _own(leader: GroupLeader, order_id: int) -> CampaignOrder:
    link = (
        CampaignOrder.objects.filter(leader=leader, order_id=order_id)
        .select_related("order", "campaign", "campaign__channel")
        .first()
    )
    if link is None:
        raise LeaderRefused(_("找不到这个订单，或它不是你的订单"), code="not_found")
    return link


def leader_order_change(*, leader: GroupLeader, order_id: int, quantities: dict[int, int]) -> Order:
    """Change the quantities of one of the leader's own orders before the cutoff (the limits as
    for a new order, this order's own units not counted twice); ``order_change_lines`` does the rest."""
    link = _own(leader, order_id)
    campaign = link.campaign
    _check_leader(leader, campaign)
    items, lines = _lines(campaign, quantities)
    with transaction.atomic():
        locked = _lock_campaign_shared(campaign.pk)
        if not locked.accepts_orders():
            raise closed_refusal(locked)
        phone = link.order.phone
        advisory_xact_lock(HOUSEHOLD_LOCK, campaign.pk, phone)
        _check_limits(locked, items, lines, phone, exclude_order=link.order_id)
        try:
            return order_change_lines(order=link.order_id, lines=lines, actor=leader.user, note=_("团长修改"))
        except OrderActionRefused as exc:
            raise LeaderRefused(exc.message, code=exc.code) from exc


def leader_order_cancel(*, leader: GroupLeader, order_id: int) -> Order:
    """Cancel one of the leader's own orders before the cutoff (its stock and its units of a
    limited item are free again)."""
    link = _own(leader, order_id)
    _check_leader(leader, link.campaign)
    with transaction.atomic():
        locked = _lock_campaign_shared(link.campaign_id)
        if not locked.accepts_orders():
            raise closed_refusal(locked)
        advisory_xact_lock(HOUSEHOLD_LOCK, link.campaign_id, link.order.phone)
        try:
            return order_cancel(order=link.order_id, actor=leader.user, note=_("团长取消"))
        except OrderActionRefused as exc:
            raise LeaderRefused(exc.message, code=exc.code) from exc
