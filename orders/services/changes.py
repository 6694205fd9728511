"""Changes to an order that are not a move along its lifecycle: linking lines to our SKUs after a
mapping, changing the address before packing, flagging and clearing exceptions.

Each function opens one transaction, locks the order row (``select_for_update``), checks that the
order may still take the change (else ``OrderActionRefused``, nothing written), writes the change
and its ``OrderEvent``.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from inventory.models import Sku
from inventory.services import StockLine, stock_release
from orders.drafts import Recipient
from orders.events import EventAction, order_event_record
from orders.models import Order, OrderLine
from orders.privacy import classify_contact
from orders.selectors import ADDRESS_PARTS
from orders.services.errors import OrderActionRefused
from orders.services.lifecycle import NOTE_LIMIT, check_note, lock_order, order_release_hold
from orders.states import BEFORE_PACKING, ExceptionReason, GiftKind, HoldReason, OrderStatus

ADDRESS_FIELDS = ("recipient_name", "phone", "province", "city", "district", "street")
_ADDRESS_LIMITS = {name: Order._meta.get_field(name).max_length for name in ADDRESS_FIELDS}


# ---- SKU relinking ----


def order_relink_skus(
    *, order: Order | int, codes: dict[str, str], gifts: dict[str, str] | None = None, actor=None, note: str = ""
) -> Order:
    """Point the order's unknown lines at our SKUs (``codes``: platform code -> our SKU code), then
    reserve every line in one warehouse, all or nothing. ``gifts`` (platform code -> ``GiftKind``)
    marks lines as gifts: shipped from the SKU ``codes`` names, or not shipped at all (then the
    code needs no SKU, and the line no stock).

    Only for an order on hold as "unknown SKU" (the intake's hold): any other order has moved on
    and is refused. Every target code must be an active SKU, else refused before anything is
    written. Afterwards: all lines known, the address complete and stock reserved -> the hold is
    released (to review if paid, else to waiting for payment); otherwise the order stays on hold
    with the new reason (another unknown code, an incomplete address, out of stock).
    Locks the order row, then the chosen stock rows in primary-key order (``stock_reserve``).
    """
    check_note(note)
    gifts = {str(k).strip(): v for k, v in (gifts or {}).items() if v}
    codes = {str(k).strip(): str(v or "").strip() for k, v in codes.items() if str(k).strip()}
    codes.update({code: "" for code, kind in gifts.items() if kind == GiftKind.NOT_SHIPPED})
    if not codes:
        raise OrderActionRefused(_("没有要映射的编码"), code="nothing_to_map")
    if any(kind not in GiftKind.values for kind in gifts.values()):
        raise OrderActionRefused(_("未知的赠品类型"), code="invalid_gift")
    wanted = {target for code, target in codes.items() if gifts.get(code) != GiftKind.NOT_SHIPPED}
    targets = {sku.code: sku for sku in Sku.objects.filter(code__in=wanted, active=True)}
    bad = sorted(wanted - set(targets))
    if bad:
        raise OrderActionRefused(
            _("SKU 编码不存在或已停用：%(codes)s") % {"codes": "、".join(bad) or _("（空）")},
            code="unknown_target_sku",
        )
    with transaction.atomic():
        locked = lock_order(order)
        if locked.status != OrderStatus.ON_HOLD or locked.hold_reason != HoldReason.UNKNOWN_SKU:
            raise OrderActionRefused(
                _("订单 %(number)s 已不在「未知商品编码」挂起中（当前：%(status)s），未做修改")
                % {"number": locked.number, "status": locked.get_status_display()},
                code="moved_on",
            )
        lines = list(locked.lines.select_related("sku").order_by("pk"))
        relinked: dict[str, str] = {}
        touched: list[OrderLine] = []
        for line in lines:
            if line.sku_id is not None or not line.ships or line.sku_code not in codes:
                continue
            kind = gifts.get(line.sku_code, GiftKind.NONE)
            if kind == GiftKind.NOT_SHIPPED:
                relinked[line.sku_code] = str(GiftKind.NOT_SHIPPED.label)
            else:
                relinked[line.sku_code] = codes[line.sku_code]
                line.sku = targets[codes[line.sku_code]]
                line.sku_code = line.sku.code
            line.gift = kind
            touched.append(line)
        if not touched:
            raise OrderActionRefused(
                _("订单 %(number)s 没有等待这些编码的商品行") % {"number": locked.number}, code="nothing_to_map"
            )
        OrderLine.objects.bulk_update(touched, ["sku", "sku_code", "gift"])
        order_event_record(
            order=locked,
            action=EventAction.RELINK_SKUS,
            actor=actor,
            note=note or _("商品映射：%(pairs)s") % {"pairs": _pairs(relinked)},
            data={"codes": relinked, **({"gifts": gifts} if gifts else {})},
        )
        locked = _retry_reservation(locked, actor)
    return locked


def _pairs(codes: dict[str, str]) -> str:
    return Truncator("、".join(f"{k} → {v}" for k, v in codes.items())).chars(NOTE_LIMIT - 20)


def _retry_reservation(order: Order, actor) -> Order:
    """Release the hold if every line can now be reserved; else keep it with the current reason
    (the lifecycle's release, ``order_release_hold(keep_held=True)``)."""
    return order_release_hold(order=order, actor=actor, note=_("商品已映射，库存已占用，自动解除挂起"), keep_held=True)


# ---- address ----


def order_change_address(
    *, order: Order | int, address: dict, actor=None, note: str = "", expected_status: str | None = None
) -> Order:
    """Change the recipient and address before packing. ``address`` holds any of ``ADDRESS_FIELDS``
    (missing keys keep their value). The result must still name a province, a city and a street.

    The stock stays reserved where it is: every warehouse can ship anywhere; the province only
    decides which warehouse is preferred at allocation. An order the intake held for an
    incomplete address is then reserved and released like after a SKU mapping (or stays held
    with the new reason). Refused once the order is packed (then
    the change is an exception, see ``order_flag_exception``) or cancelled.
    """
    check_note(note)
    unknown = sorted(set(address) - set(ADDRESS_FIELDS))
    if unknown:
        raise OrderActionRefused(_("未知的地址字段：%(f)s") % {"f": "、".join(unknown)}, code="invalid_address")
    cleaned = {name: str(value or "").strip() for name, value in address.items()}
    for name, value in cleaned.items():
        if len(value) > _ADDRESS_LIMITS[name]:
            label = Order._meta.get_field(name).verbose_name
            raise OrderActionRefused(
                _("%(field)s不能超过 %(n)d 个字符") % {"field": label, "n": _ADDRESS_LIMITS[name]},
                code="invalid_address",
            )
    with transaction.atomic():
        locked = lock_order(order, expected_status)
        if locked.status not in BEFORE_PACKING:
            raise OrderActionRefused(
                _("订单 %(number)s 当前状态为「%(status)s」，不能修改地址")
                % {"number": locked.number, "status": locked.get_status_display()},
                code="address_locked",
            )
        before = {name: getattr(locked, name) for name in ADDRESS_FIELDS}
        after = {**before, **cleaned}
        missing = Recipient(province=after["province"], city=after["city"], street=after["street"]).missing_parts()
        if missing:
            raise OrderActionRefused(
                _("地址缺少：%(parts)s") % {"parts": "、".join(missing)}, code="invalid_address"
            )
        # A privacy number stays what it is (``orders.privacy``); a real phone typed in by a
        # person who reached the buyer makes the order's contact plain again.
        contact = classify_contact(after["recipient_name"], after["phone"])
        after["phone"] = contact.phone
        privacy = {"phone_privacy": contact.privacy, "phone_extension": contact.extension}
        changed = [name for name in ADDRESS_FIELDS if after[name] != before[name]]
        privacy_changed = [name for name, value in privacy.items() if getattr(locked, name) != value]
        if not changed and not privacy_changed:
            return locked
        for name in changed:
            setattr(locked, name, after[name])
        for name in privacy_changed:
            setattr(locked, name, privacy[name])
        locked.save(update_fields=[*changed, *privacy_changed, "updated_at"])
        order_event_record(
            order=locked,
            action=EventAction.CHANGE_ADDRESS,
            actor=actor,
            note=note,
            # The whole address before and after (a later platform message is compared with the
            # address the platform last sent); phone and name stay out of the event log.
            data={
                "changed": changed,
                "before": {k: before[k] for k in ADDRESS_PARTS},
                "after": {k: after[k] for k in ADDRESS_PARTS},
            },
        )
        if locked.status == OrderStatus.ON_HOLD and locked.hold_reason == HoldReason.BAD_ADDRESS:
            # The intake held it for want of an address: now it may be reserved and released.
            locked = _retry_reservation(locked, actor)
    return locked


# ---- exceptions ----


def order_flag_exception(*, order: Order | int, reason: str, note: str = "", actor=None, data: dict | None = None) -> Order:
    """Mark the order as needing a person (red in the list), whatever its status. A second flag
    replaces the first; both are in the event log."""
    if reason not in ExceptionReason.values:
        raise OrderActionRefused(_("未知的异常原因"), code="invalid_reason")
    check_note(note)
    with transaction.atomic():
        locked = lock_order(order)
        locked.exception_reason, locked.exception_note, locked.exception_at = reason, note, timezone.now()
        locked.save(update_fields=["exception_reason", "exception_note", "exception_at", "updated_at"])
        order_event_record(
            order=locked,
            action=EventAction.FLAG_EXCEPTION,
            actor=actor,
            note=note or ExceptionReason(reason).label,
            data={"reason": reason, **(data or {})},
        )
    return locked


def order_report_short(*, order: Order | int, sku_id: int, quantity: int, note: str, actor=None) -> Order:
    """The floor found ``quantity`` units of a SKU missing for this order (a short pick): give back
    that much of the order's reservation (so the warehouse can correct its count) and flag the
    order for ops (``ExceptionReason.SHORT_PICK``). Only while picking.

    The order can no longer ship as it is (``order_ship`` needs every unit reserved): ops cancel
    it, or hold and release it, which reserves it again. Locks the order row, then the stock row.
    """
    check_note(note)
    if quantity <= 0:
        raise OrderActionRefused(_("缺货数量必须大于 0"), code="invalid_quantity")
    with transaction.atomic():
        locked = lock_order(order)
        if locked.status != OrderStatus.PICKING:
            raise OrderActionRefused(
                _("订单 %(number)s 当前状态为「%(status)s」，不能登记缺货")
                % {"number": locked.number, "status": locked.get_status_display()},
                code="transition_not_allowed",
            )
        lines = list(locked.lines.filter(sku_id=sku_id, reserved_quantity__gt=0).order_by("-pk"))
        if sum(line.reserved_quantity for line in lines) < quantity:
            raise OrderActionRefused(_("缺货数量超过订单占用数量"), code="invalid_quantity")
        left, touched, released = quantity, [], {}
        for line in lines:
            take = min(left, line.reserved_quantity)
            if take:
                line.reserved_quantity -= take
                released[line.stock_level_id] = released.get(line.stock_level_id, 0) + take
                touched.append(line)
                left -= take
        stock_release(
            lines=[StockLine(pk, qty) for pk, qty in sorted(released.items())], reference=locked.number, actor=actor
        )
        OrderLine.objects.bulk_update(touched, ["reserved_quantity"])
        locked.exception_reason = ExceptionReason.SHORT_PICK
        locked.exception_note, locked.exception_at = note, timezone.now()
        locked.save(update_fields=["exception_reason", "exception_note", "exception_at", "updated_at"])
        order_event_record(
            order=locked,
            action=EventAction.FLAG_EXCEPTION,
            actor=actor,
            note=note or ExceptionReason.SHORT_PICK.label,
            data={"reason": ExceptionReason.SHORT_PICK, "sku_id": sku_id, "quantity": quantity},
        )
    return locked


def order_clear_exception(*, order: Order | int, note: str, actor=None, expected_status: str | None = None) -> Order:
    """A person has dealt with the exception; ``note`` (required) says how."""
    note = (note or "").strip()
    if not note:
        raise OrderActionRefused(_("请填写处理说明"), code="note_required")
    check_note(note)
    with transaction.atomic():
        locked = lock_order(order, expected_status)
        if not locked.exception_reason:
            raise OrderActionRefused(_("订单 %(number)s 没有待处理的异常") % {"number": locked.number}, code="no_exception")
        reason = locked.exception_reason
        locked.exception_reason, locked.exception_note, locked.exception_at = "", "", None
        locked.save(update_fields=["exception_reason", "exception_note", "exception_at", "updated_at"])
        order_event_record(
            order=locked,
            action=EventAction.CLEAR_EXCEPTION,
            actor=actor,
            note=note,
            data={"reason": reason},
        )
    return locked
