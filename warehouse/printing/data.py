"""What goes on a sheet or a label, read from the database in a fixed number of queries.

The PDF code takes these plain records, so it knows nothing of models; a wave passes its orders
and their slot numbers here without this module knowing what a wave is.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.masking import mask_phone
from orders.models import Order, OrderLine, Priority
from warehouse.carriers.errors import ShippingRefused
from warehouse.models.carriers import Shipment, ShipmentStatus

#: Where a phone opens an order's pack page (the floor pages serve it).
PACK_PATH = "/floor/pack/{number}/"


def pack_path(number: str) -> str:
    return PACK_PATH.format(number=number)


@dataclass(frozen=True)
class SheetLine:
    bin: str
    sku_code: str
    name: str
    quantity: int
    sequence: int = 0


@dataclass(frozen=True)
class SheetData:
    number: str
    shop: str
    warehouse: str
    priority: int
    buyer_note: str
    seller_note: str
    promised_ship_at: datetime | None
    lines: list[SheetLine]
    pack_url: str
    slot: str = ""
    wave: str = ""
    carrier: str = ""

    @property
    def priority_label(self) -> str:
        return str(Priority(self.priority).label)

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class LabelData:
    carrier: str
    carrier_short: str
    service: str
    waybill: str
    sort_code: str
    hub: str
    recipient_name: str
    #: masked (138****1234); empty when the order has a platform privacy number
    recipient_phone: str
    privacy: bool
    address: str
    sender_name: str
    sender_phone: str
    sender_address: str
    order_number: str
    items: list[tuple[str, str, int]]
    weight_g: int | None
    priority: int

    @property
    def priority_label(self) -> str:
        return str(Priority(self.priority).label)


def _orders(pks) -> dict[int, Order]:
    lines = OrderLine.objects.select_related("sku", "stock_level__home_bin").order_by("id")
    query = (
        Order.objects.filter(pk__in=pks)
        .select_related("channel", "warehouse", "shipment__service")
        .prefetch_related(Prefetch("lines", queryset=lines))
    )
    return {order.pk: order for order in query}


def _sheet_lines(order: Order) -> list[SheetLine]:
    lines = []
    for line in order.lines.all():
        if not line.ships:
            continue  # a gift the shop does not ship: nothing to pick, nothing in the parcel
        home = line.stock_level.home_bin if line.stock_level_id else None
        lines.append(
            SheetLine(
                bin=home.code if home else "",
                sku_code=line.sku.code if line.sku_id else line.sku_code,
                name=(line.sku.name if line.sku_id else "") or line.title,
                quantity=line.quantity,
                sequence=home.pick_sequence if home else 10**9,
            )
        )
    # Walk order: bins by their pick sequence, lines without a bin last.
    return sorted(lines, key=lambda line: (line.sequence, line.bin, line.sku_code))


def _shipment_of(order: Order) -> Shipment | None:
    try:
        return order.shipment
    except Shipment.DoesNotExist:
        return None


def sheets_for(
    entries: Sequence[tuple[Order | int, str | int | None]],
    *,
    url_for: Callable[[str], str] = str,
    wave: str = "",
) -> list[SheetData]:
    """One ``SheetData`` per (order, slot) in the order given; ``url_for`` turns the pack path
    into what the QR holds (``request.build_absolute_uri`` when a request is at hand; the path
    itself by default). Two queries."""
    pks = [order.pk if isinstance(order, Order) else order for order, _slot in entries]
    orders = _orders(pks)
    sheets = []
    for pk, (_order, slot) in zip(pks, entries, strict=True):
        order = orders[pk]
        shipment = _shipment_of(order)
        carrier = ""
        if shipment is not None and shipment.service_id:
            carrier = shipment.service.name + (f" {shipment.waybill_number}" if shipment.waybill_number else "")
        sheets.append(
            SheetData(
                number=order.number,
                shop=order.channel.name,
                warehouse=order.warehouse.name if order.warehouse_id else "",
                priority=order.priority,
                buyer_note=order.buyer_note,
                seller_note=order.seller_note,
                promised_ship_at=order.promised_ship_at,
                lines=_sheet_lines(order),
                pack_url=url_for(pack_path(order.number)),
                slot="" if slot is None else str(slot),
                wave=wave,
                carrier=carrier,
            )
        )
    return sheets


def orders_by_number(numbers: Sequence[str], *, among: QuerySet[Order] | None = None) -> list[Order]:
    """The orders with these numbers (looked for ``among`` those given, every order by default),
    in the order given; refused naming any that are not there."""
    among = Order.objects.all() if among is None else among
    found = {order.number: order for order in among.filter(number__in=list(numbers))}
    missing = [number for number in numbers if number not in found]
    if missing:
        raise ShippingRefused(_("找不到订单：%(numbers)s") % {"numbers": "、".join(missing[:20])}, code="not_found")
    return [found[number] for number in numbers]


def labels_for(orders: Sequence[Order | int]) -> list[LabelData]:
    """One ``LabelData`` per order, in the order given; refused (naming them) when an order has no
    issued waybill, so a batch never prints with gaps. Three queries."""
    pks = [order.pk if isinstance(order, Order) else order for order in orders]
    by_pk = _orders(pks)
    shipments = {
        s.order_id: s
        for s in Shipment.objects.filter(order_id__in=pks, status=ShipmentStatus.ISSUED).select_related(
            "carrier", "service"
        )
    }
    missing = [by_pk[pk].number for pk in pks if pk not in shipments]
    if missing:
        raise ShippingRefused(
            _("以下订单尚未出面单：%(numbers)s") % {"numbers": "、".join(missing[:20])}, code="not_issued"
        )
    return [_label(by_pk[pk], shipments[pk]) for pk in pks]


def _label(order: Order, shipment: Shipment) -> LabelData:
    # A platform privacy number (masked, or virtual with an extension; ``orders.privacy``): only
    # the platform's own e-waybill can print it, so our label shows no phone and says so.
    privacy = order.needs_platform_waybill
    warehouse = order.warehouse
    return LabelData(
        carrier=shipment.carrier.name,
        carrier_short=shipment.carrier.short_name or shipment.carrier.name,
        service=shipment.service.name,
        waybill=shipment.waybill_number,
        sort_code=shipment.sort_code,
        hub=shipment.hub,
        recipient_name=order.recipient_name,
        recipient_phone="" if privacy else mask_phone(order.phone),
        privacy=privacy,
        address=" ".join(part for part in (order.province, order.city, order.district, order.street) if part),
        sender_name=order.channel.name,
        sender_phone=warehouse.phone if warehouse else "",
        sender_address=warehouse.address if warehouse else "",
        order_number=order.number,
        items=[(line.sku_code, line.name, line.quantity) for line in _sheet_lines(order)],
        weight_g=shipment.weight_g,
        priority=order.priority,
    )


def local_now() -> datetime:
    return timezone.localtime(timezone.now())
