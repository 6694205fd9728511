"""Packing: every item of the order scanned against it, then the box closed (``order_pack``).

Each function locks the order row first (``lock_order``, the lock every order service takes), so
a concurrent cancel and a pack cannot both win: whichever locks second sees the other's result.
"""

from django.utils.translation import gettext as _

from inventory.models import Sku
from orders.models import Order
from orders.services import order_pack
from orders.services.lifecycle import lock_order
from orders.states import OrderStatus
from warehouse.models import Box, FloorStep, Parcel, WaveOrder
from warehouse.selectors import PackProgress, floor_settings_for, pack_progress
from warehouse.services.common import (
    check_access,
    clean_request_id,
    order_pk,
    order_refusal,
    prior,
    record,
    recorded,
    refuse,
    replay_refusal,
)
from warehouse.services.errors import FloorRefused
from warehouse.services.picking import _scanned_sku, sku_matches
from warehouse.services.waves import wave_refresh


def _load_order(order: Order | int, actor) -> Order:
    found = Order.objects.filter(pk=order_pk(order)).only("pk", "warehouse_id").first()
    if found is None:
        raise FloorRefused(_("订单不存在"), code="not_found")
    check_access(actor, found.warehouse_id)
    return found


def _wave_id(order: Order) -> int | None:
    return WaveOrder.objects.filter(order=order, active=True).values_list("wave_id", flat=True).first()


def pack_scan(*, order: Order | int, code: str, actor, request_id: str = "") -> PackProgress:
    """One item scanned at the pack station against the order (still 拣货中).

    Refused and recorded: an item the order does not have (``wrong_item``), one more than it
    needs (``extra_item``), an order no longer in picking (``order_cancelled`` /
    ``order_moved_on``). Returns the order's progress.
    """
    request_id = clean_request_id(request_id)
    loaded = _load_order(order, actor)

    def work():
        locked = lock_order(loaded.pk)
        earlier = prior(request_id, actor)
        if earlier is not None:
            return pack_progress(locked) if earlier.ok else replay_refusal(earlier)
        fields = {"order": locked, "wave_id": _wave_id(locked), "code": code, "request_id": request_id}
        if locked.status != OrderStatus.PICKING:
            message, reason = order_refusal(locked)
            return refuse(message, reason=reason, step=FloorStep.PACK, actor=actor, **fields)
        progress = pack_progress(locked)
        line = next((ln for ln in progress.lines if sku_matches(ln.sku, code)), None)
        if line is None:
            scanned: Sku | None = _scanned_sku(code)
            return refuse(
                _("拿错了：订单 %(number)s 没有「%(name)s」")
                % {"number": locked.number, "name": scanned.name if scanned else code.strip() or "?"},
                reason="wrong_item", step=FloorStep.PACK, actor=actor, sku=scanned, quantity=1, **fields,
            )
        if line.done:
            return refuse(
                _("多了：「%(name)s」只需 %(n)d 件，已扫够") % {"name": line.sku.name, "n": line.needed},
                reason="extra_item", step=FloorStep.PACK, actor=actor, sku=line.sku, quantity=1, **fields,
            )
        record(step=FloorStep.PACK, actor=actor, sku=line.sku, quantity=1, **fields)
        return pack_progress(locked)

    return recorded(work)


def expected_weight(order: Order, box: Box) -> int | None:
    """Σ unit weight × quantity + the box's tare; None when an item has no unit weight."""
    total = box.tare_g
    for line in order.lines.select_related("sku"):
        if not line.ships:
            continue  # a gift the shop does not ship is not in the box
        if line.sku is None or not line.sku.unit_weight_g:
            return None
        total += line.sku.unit_weight_g * line.quantity
    return total


def pack_close(*, order: Order | int, box: Box | int, actor, request_id: str = "") -> Parcel:
    """Close the box: every item scanned (else refused, listing what is missing), the order's
    stock all still reserved (a short-picked order waits for ops), then ``order_pack`` and the
    ``Parcel`` with its expected weight and tolerance. A second call for a packed order returns
    its parcel and changes nothing."""
    request_id = clean_request_id(request_id)
    loaded = _load_order(order, actor)
    box_pk = box.pk if isinstance(box, Box) else int(box)
    chosen = Box.objects.filter(pk=box_pk, active=True).first()
    if chosen is None:
        raise FloorRefused(_("请选择一个启用的包装箱"), code="invalid_box")

    def work():
        locked = lock_order(loaded.pk)
        existing = Parcel.objects.filter(order=locked).first()
        if existing is not None:
            return existing
        earlier = prior(request_id, actor)
        if earlier is not None and not earlier.ok:
            return replay_refusal(earlier)
        wave_id = _wave_id(locked)
        fields = {"order": locked, "wave_id": wave_id, "code": chosen.code, "request_id": request_id}
        if locked.status != OrderStatus.PICKING:
            message, reason = order_refusal(locked)
            return refuse(message, reason=reason, step=FloorStep.PACK, actor=actor, **fields)
        lines = [line for line in locked.lines.all() if line.ships]
        if any(line.reserved_quantity < line.quantity for line in lines):
            return refuse(
                _("订单 %(number)s 有缺货，等客服处理后再打包") % {"number": locked.number},
                reason="short", step=FloorStep.PACK, actor=actor, **fields,
            )
        progress = pack_progress(locked)
        if not progress.complete:
            missing = "、".join(
                f"{line.sku.name}×{line.needed - line.scanned}" for line in progress.lines if not line.done
            )
            return refuse(
                _("还有商品没扫：%(items)s") % {"items": missing},
                reason="not_all_scanned", step=FloorStep.PACK, actor=actor, **fields,
            )
        expected = expected_weight(locked, chosen)
        tolerance = floor_settings_for(locked.warehouse_id).tolerance_for(expected) if expected is not None else None
        order_pack(order=locked, actor=actor, expected_status=OrderStatus.PICKING)
        parcel = Parcel.objects.create(
            order=locked, box=chosen, expected_weight_g=expected, tolerance_g=tolerance, packed_by=actor
        )
        record(step=FloorStep.PACK, actor=actor, data={"box": chosen.code, "expected_weight_g": expected}, **fields)
        if wave_id is not None:
            wave_refresh(wave_id)
        return parcel

    return recorded(work)
