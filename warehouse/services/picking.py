"""Picking and sorting: each scan checked against the pick list, refused and recorded when wrong.

Every function here locks, in this order: the rows of the wave's orders that need the SKU (pk
order, the same lock the order services take, so a concurrent cancel either happens before and
the scan sees it, or waits until the scan is committed), then the pick line. Stock rows (a short
pick's count correction) come last, as in the order services.
"""

from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.models import Sku, StockLevel
from inventory.services import stock_adjust
from orders.models import Order
from orders.services import order_report_short
from orders.states import OrderStatus
from warehouse.models import (
    FloorStep,
    PickLine,
    ScanRecord,
    ShortReason,
    Wave,
    WaveKind,
    WaveOrder,
    WaveStatus,
)
from warehouse.services.common import (
    check_access,
    clean_request_id,
    prior,
    record,
    recorded,
    refuse,
    replay_refusal,
)
from warehouse.services.errors import FloorRefused
from warehouse.services.scan_rows import lock_line, lock_orders_needing, reserved_need, save_line
from warehouse.services.waves import wave_refresh

PICKABLE = (WaveStatus.RELEASED, WaveStatus.PICKING, WaveStatus.PICKED)
SORTABLE = (WaveStatus.PICKING, WaveStatus.PICKED)


def sku_matches(sku: Sku, code: str) -> bool:
    """A scan names a SKU by its barcode (EAN-13 on the item) or by our own code."""
    code = code.strip()
    return bool(code) and code in {sku.code, sku.barcode}


def _scanned_sku(code: str) -> Sku | None:
    code = code.strip()
    if not code:
        return None
    return Sku.objects.filter(Q(barcode=code) | Q(code=code)).order_by("pk").first()


def _load_line(line: PickLine | int, actor) -> PickLine:
    """The line as the caller sees it, its wave's warehouse checked against the actor. A line the
    caller read with its wave (the pick page's walk) is not read again: the work re-reads it locked."""
    if isinstance(line, PickLine) and PickLine.wave.is_cached(line):
        check_access(actor, line.wave.warehouse_id)
        return line
    pk = line.pk if isinstance(line, PickLine) else int(line)
    found = PickLine.objects.select_related("wave", "sku", "bin").filter(pk=pk).first()
    if found is None:
        raise FloorRefused(_("拣货行不存在"), code="not_found")
    check_access(actor, found.wave.warehouse_id)
    return found


def _close_line_if_done(line: PickLine, need: int, now) -> None:
    """A line is done when picked + short reaches what its live orders still need (less than its
    quantity once one of them was cancelled)."""
    if line.done_at is None and line.picked + line.short >= min(line.quantity, need):
        line.done_at = now


def _advance_wave(wave: Wave, now) -> None:
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    fields = []
    if wave.status == WaveStatus.RELEASED:
        wave.status = WaveStatus.PICKING
        fields.append("status")
    if wave.status == WaveStatus.PICKING and not wave.lines.filter(done_at__isnull=True).exists():
        wave.status, wave.picked_at = WaveStatus.PICKED, now
        fields += ["status", "picked_at"]
    if fields:
        wave.save(update_fields=list(dict.fromkeys(fields)))
    if wave.status == WaveStatus.PICKED:
        wave_refresh(wave.pk)  # every order of it cancelled meanwhile: nothing left to pack


def pick_scan(*, line: PickLine | int, code: str, actor, request_id: str = "", quantity: int = 1) -> PickLine:
    """The picker scanned an item at the line's bin: ``quantity`` units of it go into the tote.

    Refused and recorded (nothing else moves): another item (``wrong_item``), a wave not
    released or already closed, more than the line still needs (``too_many``; ``order_cancelled``
    when a cancelled order is why). A re-sent request (same ``request_id``) gets the first answer.
    Returns the line as it is now.
    """
    request_id = clean_request_id(request_id)
    loaded = _load_line(line, actor)
    if quantity <= 0 or quantity > loaded.quantity:
        raise FloorRefused(_("数量不正确"), code="invalid_quantity")

    def work():
        orders = lock_orders_needing(loaded.wave_id, loaded.sku_id)
        locked = lock_line(loaded)
        earlier = prior(request_id, actor)
        if earlier is not None:
            return locked if earlier.ok else replay_refusal(earlier)
        fields = {"wave_id": locked.wave_id, "line": locked, "code": code, "request_id": request_id}
        if locked.wave.status not in PICKABLE:
            return refuse(
                _("波次 %(number)s 当前为「%(status)s」，不能拣货")
                % {"number": locked.wave.number, "status": locked.wave.get_status_display()},
                reason="wave_not_active", step=FloorStep.PICK, actor=actor, **fields,
            )
        if not sku_matches(locked.sku, code):
            scanned = _scanned_sku(code)
            return refuse(
                _("拿错了：这是「%(scanned)s」，应拣「%(wanted)s」")
                % {"scanned": scanned.name if scanned else code.strip() or "?", "wanted": locked.sku.name},
                reason="wrong_item", step=FloorStep.PICK, actor=actor, sku=scanned, quantity=quantity, **fields,
            )
        live = [order.pk for order in orders if order.status == OrderStatus.PICKING]
        need = sum(reserved_need(live, locked.sku_id).values()) if live else 0
        allowed = min(locked.quantity, need) - locked.picked - locked.short
        now = timezone.now()
        if allowed <= 0 and locked.done_at is None:
            # Its orders were cancelled or short-picked since: nothing more to take, the line is done.
            _close_line_if_done(locked, need, now)
            locked.save(update_fields=["done_at"])
            _advance_wave(locked.wave, now)
        if quantity > allowed:
            if not live:
                message, reason = _("订单已取消，请停止拣货并放回商品"), "order_cancelled"
            elif need < locked.quantity:
                message, reason = _("有订单已取消或缺货，此行还需 %(n)d 件，多出的请放回") % {"n": max(allowed, 0)}, "order_cancelled"
            else:
                message, reason = _("此行只需再拣 %(n)d 件") % {"n": max(allowed, 0)}, "too_many"
            return refuse(message, reason=reason, step=FloorStep.PICK, actor=actor, sku=locked.sku, quantity=quantity, **fields)
        locked.picked += quantity
        locked.picked_by = actor
        _close_line_if_done(locked, need, now)
        save_line(locked, ("picked", "picked_by", "done_at"))
        record(step=FloorStep.PICK, actor=actor, sku=locked.sku, quantity=quantity, **fields)
        if locked.wave.status != WaveStatus.PICKING or locked.done_at is not None:
            _advance_wave(locked.wave, now)  # the first scan of the wave, or a line finished
        return locked

    return recorded(work)


def pick_short(
    *, line: PickLine | int, found: int, reason: str, actor, request_id: str = "", note: str = ""
) -> PickLine:
    """The bin holds fewer than the line still needs: the picker takes the ``found`` units there
    and reports the rest missing, with a reason (``ShortReason``).

    The missing units are charged to the wave's orders from the last slot backwards (the first
    orders get the goods): each such order gives back that much reservation and is flagged for
    ops (``order_report_short``: 拣货缺货). Then the stock count is corrected by a ledger entry
    (``stock_adjust``, 盘点调整) of the missing units, as far as the units not held by other
    orders allow (``reserved <= on_hand`` must hold). Closes the line.
    """
    request_id = clean_request_id(request_id)
    if reason not in ShortReason.values:
        raise FloorRefused(_("请选择缺货原因"), code="reason_required")
    loaded = _load_line(line, actor)

    def work():
        orders = lock_orders_needing(loaded.wave_id, loaded.sku_id)
        locked = lock_line(loaded)
        earlier = prior(request_id, actor)
        if earlier is not None:
            return locked if earlier.ok else replay_refusal(earlier)
        if locked.wave.status not in PICKABLE:
            raise FloorRefused(
                _("波次 %(number)s 当前为「%(status)s」，不能登记缺货")
                % {"number": locked.wave.number, "status": locked.wave.get_status_display()},
                code="wave_not_active",
            )
        if found < 0 or found >= locked.remaining:
            raise FloorRefused(
                _("找到的数量应在 0 到 %(n)d 之间") % {"n": locked.remaining - 1}, code="invalid_quantity"
            )
        missing = locked.remaining - found
        label = ShortReason(reason).label
        text = _("波次 %(wave)s 库位 %(bin)s：%(sku)s 缺 %(n)d 件（%(reason)s）") % {
            "wave": locked.wave.number, "bin": locked.bin.code if locked.bin else "-",
            "sku": locked.sku.code, "n": missing, "reason": label,
        }
        if note.strip():
            text = f"{text} {note.strip()}"[:200]
        charged = _charge_orders(locked, orders, missing, text, actor)
        adjusted = _correct_count(locked.stock_level_id, missing, text, actor)
        now = timezone.now()
        locked.picked += found
        locked.short += missing
        locked.short_reason = reason
        locked.picked_by = actor
        locked.done_at = now
        locked.save(update_fields=["picked", "short", "short_reason", "picked_by", "done_at"])
        record(
            step=FloorStep.SHORT, actor=actor, wave_id=locked.wave_id, line=locked, sku=locked.sku,
            quantity=missing, request_id=request_id, reason=reason, message=text,
            data={"found": found, "orders": charged, "adjusted": adjusted},
        )
        _advance_wave(locked.wave, now)
        return locked

    return recorded(work)


def _charge_orders(line: PickLine, orders: list[Order], missing: int, note: str, actor) -> dict[str, int]:
    live = [order for order in orders if order.status == OrderStatus.PICKING]
    held = reserved_need([order.pk for order in live], line.sku_id)
    slots = dict(
        WaveOrder.objects.filter(wave_id=line.wave_id, active=True, order_id__in=[o.pk for o in live]).values_list(
            "order_id", "slot"
        )
    )
    charged: dict[str, int] = {}
    left = missing
    for order in sorted(live, key=lambda o: slots.get(o.pk, 0), reverse=True):
        take = min(left, held.get(order.pk, 0))
        if take:
            order_report_short(order=order, sku_id=line.sku_id, quantity=take, note=note, actor=actor)
            charged[order.number] = take
            left -= take
        if not left:
            break
    return charged


def _correct_count(level_id: int, missing: int, note: str, actor) -> int:
    """Lower on_hand by the missing units, as far as other orders' reservations allow."""
    level = StockLevel.objects.select_for_update().get(pk=level_id)
    delta = min(missing, level.on_hand - level.reserved)
    if delta > 0:
        stock_adjust(stock_level=level, delta=-delta, note=note, actor=actor)
    return delta


@dataclass(frozen=True)
class SortResult:
    """Where the scanned item goes: the order and its slot (格口号)."""

    order: Order
    slot: int
    sku: Sku
    record: ScanRecord


def sort_scan(*, wave: Wave | int, code: str, actor, request_id: str = "") -> SortResult:
    """At the put wall (批量拣货) or the pack station (单品单件): the scanned item goes to the
    first order, by slot, that still waits for that SKU. In a 单品单件 wave that order is then
    complete, and the scan also counts as its pack scan (扫描即打单).

    Refused and recorded: an item not in the wave (``wrong_item``), one no order waits for any
    more (``extra_item``, e.g. its order was cancelled), more than was picked (``not_picked``).
    """
    request_id = clean_request_id(request_id)
    wave_pk = wave.pk if isinstance(wave, Wave) else int(wave)
    loaded = Wave.objects.filter(pk=wave_pk).first()
    if loaded is None:
        raise FloorRefused(_("波次不存在"), code="not_found")
    check_access(actor, loaded.warehouse_id)
    if loaded.kind == WaveKind.ORDER:
        raise FloorRefused(_("按单拣货的波次不需要分拣，请直接打包"), code="no_sorting")
    line = next((ln for ln in loaded.lines.select_related("sku") if sku_matches(ln.sku, code)), None)

    def work():
        fields = {"wave_id": loaded.pk, "code": code, "request_id": request_id}
        orders = lock_orders_needing(loaded.pk, line.sku_id) if line else []
        current = Wave.objects.select_for_update().get(pk=loaded.pk)
        earlier = prior(request_id, actor)
        if earlier is not None:
            if not earlier.ok:
                return replay_refusal(earlier)
            return SortResult(order=earlier.order, slot=earlier.data["slot"], sku=earlier.sku, record=earlier)
        if current.status not in SORTABLE:
            return refuse(
                _("波次 %(number)s 当前为「%(status)s」，不能分拣")
                % {"number": current.number, "status": current.get_status_display()},
                reason="wave_not_active", step=FloorStep.SORT, actor=actor, **fields,
            )
        if line is None:
            scanned = _scanned_sku(code)
            return refuse(
                _("「%(name)s」不在本波次，请放回") % {"name": scanned.name if scanned else code.strip() or "?"},
                reason="wrong_item", step=FloorStep.SORT, actor=actor, sku=scanned, quantity=1, **fields,
            )
        fields.update(sku=line.sku, quantity=1, line=line)
        done = dict(
            ScanRecord.objects.filter(wave_id=loaded.pk, step=FloorStep.SORT, ok=True, sku_id=line.sku_id)
            .values("order_id")
            .annotate(n=Sum("quantity"))
            .values_list("order_id", "n")
        )
        fresh = PickLine.objects.get(pk=line.pk)
        if sum(done.values()) >= fresh.picked:
            return refuse(
                _("「%(name)s」已全部分完，多出的一件请交给主管核对") % {"name": line.sku.name},
                reason="not_picked", step=FloorStep.SORT, actor=actor, **fields,
            )
        live = {order.pk: order for order in orders if order.status == OrderStatus.PICKING}
        held = reserved_need(list(live), line.sku_id)
        slots = WaveOrder.objects.filter(wave_id=loaded.pk, active=True, order_id__in=list(live)).order_by("slot")
        target = next(
            ((link.order_id, link.slot) for link in slots if done.get(link.order_id, 0) < held.get(link.order_id, 0)),
            None,
        )
        if target is None:
            return refuse(
                _("已没有订单需要「%(name)s」（订单可能已取消），请放回") % {"name": line.sku.name},
                reason="extra_item", step=FloorStep.SORT, actor=actor, **fields,
            )
        order_id, slot = target
        kept = record(step=FloorStep.SORT, actor=actor, order_id=order_id, data={"slot": slot}, **fields)
        if current.kind == WaveKind.SINGLE_UNIT:
            record(step=FloorStep.PACK, actor=actor, order_id=order_id, sku=line.sku, quantity=1, code=code,
                   data={"slot": slot, "by_sort": True})
        return SortResult(order=live[order_id], slot=slot, sku=line.sku, record=kept)

    return recorded(work)
