"""A platform's item codes → our SKU codes (or gifts), through the shop's SKU mapping."""

from dataclasses import dataclass, field, replace

from django.db import transaction
from django.utils.translation import gettext as _

from channels.models import Channel, SkuMapping
from inventory.models import Sku
from orders.drafts import OrderDraft
from orders.selectors import orders_waiting_on_codes, unlinked_codes, waiting_on_code_by_channel
from orders.services import OrderActionRefused, order_relink_skus
from orders.states import GiftKind, OrderStatus


@dataclass(frozen=True)
class Target:
    """What a platform code maps to: our SKU code ("" for a gift that is not shipped) and the
    gift kind ("" for goods)."""

    sku_code: str
    gift: str = GiftKind.NONE


def mapped_codes(channel: Channel | int, codes) -> dict[str, Target]:
    """What each platform code that has a mapping in this shop maps to (one query)."""
    channel_id = channel.pk if isinstance(channel, Channel) else channel
    rows = SkuMapping.objects.filter(channel_id=channel_id, external_code__in=set(codes)).values_list(
        "external_code", "sku__code", "gift"
    )
    return {code: Target(sku_code or "", gift) for code, sku_code, gift in rows}


def map_draft(channel: Channel | int, draft: OrderDraft) -> OrderDraft:
    """The draft with each line's platform code replaced by our SKU code where the shop maps it,
    and gift lines marked. An unmapped code is kept as sent: it is our own code already, or the
    intake holds the order as "unknown SKU" with that code, and adding the mapping later re-runs it."""
    return apply_mapping(draft, mapped_codes(channel, (line.sku_code for line in draft.lines)))


def apply_mapping(draft: OrderDraft, mapping: dict[str, Target]) -> OrderDraft:
    """``map_draft`` with the mapping already read (a batch reads it once for many drafts). A gift
    that is not shipped keeps the platform's code on its line (it has no SKU)."""
    if not any(line.sku_code in mapping for line in draft.lines):
        return draft
    lines = []
    for line in draft.lines:
        target = mapping.get(line.sku_code)
        if target is not None:
            line = replace(line, sku_code=target.sku_code or line.sku_code, gift=target.gift)
        lines.append(line)
    return replace(
        draft, lines=tuple(lines), data={**draft.data, "platform_codes": [line.sku_code for line in draft.lines]}
    )


class MappingInvalid(Exception):
    """The mapping asked for cannot be saved; the message says why. Nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RelinkReport:
    """What re-running the orders held for a code gave: order numbers by outcome."""

    released: list[str] = field(default_factory=list)
    #: (order number, the hold reason it still has)
    held: list[tuple[str, str]] = field(default_factory=list)
    #: Refusals (an order that moved on meanwhile), one message each.
    refused: list[str] = field(default_factory=list)


def sku_mapping_check(*, external_code: str, sku_code: str, gift: str = GiftKind.NONE) -> tuple[str, Sku | None]:
    """The trimmed platform code and our active SKU for a mapping (None for a gift that is not
    shipped), or ``MappingInvalid`` (an empty or over-long code, an unknown gift kind, a SKU code
    that is not an active SKU of ours). Reads only."""
    external_code = (external_code or "").strip()
    sku_code = (sku_code or "").strip()
    limit = SkuMapping._meta.get_field("external_code").max_length
    if not external_code:
        raise MappingInvalid(_("请填写平台商品编码"))
    if len(external_code) > limit:
        raise MappingInvalid(_("平台商品编码不能超过 %(n)d 个字符") % {"n": limit})
    if gift not in GiftKind.values:
        raise MappingInvalid(_("未知的赠品类型"))
    if gift == GiftKind.NOT_SHIPPED:
        return external_code, None
    sku = Sku.objects.filter(code=sku_code, active=True).first() if sku_code else None
    if sku is None:
        raise MappingInvalid(_("SKU 编码「%(code)s」不存在或已停用") % {"code": sku_code})
    return external_code, sku


def sku_mapping_save(*, channel: Channel, external_code: str, sku_code: str, gift: str = GiftKind.NONE,
                     mapping: SkuMapping | None = None, relink: bool = True,
                     actor=None) -> tuple[SkuMapping, RelinkReport | None]:
    """Map a platform code of this shop to one of our SKUs, or as a gift (``gift``: shipped from
    that SKU, or not shipped and no SKU) — a new mapping, or the code's mapping changed
    (``mapping``, when given, is the row to change: the admin's form may also change its shop or
    code) — then re-run the orders held for that code (``relink``), each in its own transaction,
    after the mapping is committed.

    Refuses (``MappingInvalid``, nothing written) what ``sku_mapping_check`` refuses."""
    external_code, sku = sku_mapping_check(external_code=external_code, sku_code=sku_code, gift=gift)
    with transaction.atomic():
        if mapping is not None and mapping.pk is not None:
            mapping.channel, mapping.external_code, mapping.sku, mapping.gift = channel, external_code, sku, gift
            mapping.save(update_fields=["channel", "external_code", "sku", "gift"])
        else:
            mapping, _created = SkuMapping.objects.update_or_create(
                channel=channel, external_code=external_code, defaults={"sku": sku, "gift": gift}
            )
    report = relink_waiting_orders(channel=channel, codes=[external_code], actor=actor) if relink else None
    return mapping, report


def relink_waiting_orders(*, channel: Channel, codes, actor=None) -> RelinkReport:
    """Re-run every order of ``channel`` held for one of ``codes`` with the shop's current mappings
    (``order_relink_skus``: one transaction per order; an order that moved on is reported, not
    changed)."""
    report = RelinkReport()
    channel_id = channel.pk if isinstance(channel, Channel) else channel
    for order_id in orders_waiting_on_codes(channel_id=channel_id, codes=codes):
        mapping = mapped_codes(channel, unlinked_codes(order_id=order_id))
        try:
            order = order_relink_skus(
                order=order_id,
                codes={code: target.sku_code for code, target in mapping.items()},
                gifts={code: target.gift for code, target in mapping.items() if target.gift},
                actor=actor,
            )
        except OrderActionRefused as exc:
            report.refused.append(exc.message)
            continue
        if order.status == OrderStatus.ON_HOLD:
            report.held.append((order.number, order.get_hold_reason_display()))
        else:
            report.released.append(order.number)
    return report


def mapping_offer(mapping: SkuMapping) -> list[dict]:
    """The other active shops that do not map ``mapping``'s platform code yet, with the orders and
    units held there for it: the shops a person may want the same mapping in (sellers use one
    商家编码 on every platform). Shops with orders waiting come first.
    ``[{"channel": Channel, "orders": int, "units": int}]``."""
    mapped = SkuMapping.objects.filter(external_code=mapping.external_code).values("channel_id")
    shops = Channel.objects.filter(active=True).exclude(pk__in=mapped).order_by("code")
    waiting = waiting_on_code_by_channel(mapping.external_code)
    offer = [
        {
            "channel": shop,
            "orders": waiting.get(shop.pk, {}).get("orders", 0),
            "units": waiting.get(shop.pk, {}).get("units", 0),
        }
        for shop in shops
    ]
    return sorted(offer, key=lambda row: (-row["orders"], row["channel"].code))


def sku_mapping_copy(*, mapping: SkuMapping, channel_ids, actor=None) -> dict[Channel, RelinkReport | None]:
    """Map the same platform code to the same SKU in other shops (each through ``sku_mapping_save``,
    re-running the orders held there). A shop that has mapped the code meanwhile keeps its own
    mapping and is left out of the answer. Refuses (``MappingInvalid``) an unknown or inactive shop."""
    wanted = {int(pk) for pk in channel_ids}
    shops = list(Channel.objects.filter(pk__in=wanted, active=True).exclude(pk=mapping.channel_id).order_by("code"))
    if len(shops) != len(wanted - {mapping.channel_id}):
        raise MappingInvalid(_("所选渠道不存在或已停用"))
    taken = set(
        SkuMapping.objects.filter(external_code=mapping.external_code, channel__in=shops).values_list(
            "channel_id", flat=True
        )
    )
    reports: dict[Channel, RelinkReport | None] = {}
    for shop in shops:
        if shop.pk in taken:
            continue
        _copy, report = sku_mapping_save(
            channel=shop,
            external_code=mapping.external_code,
            sku_code=mapping.sku.code if mapping.sku else "",
            gift=mapping.gift,
            actor=actor,
        )
        reports[shop] = report
    return reports
