"""A platform's item codes → our SKU codes, through the shop's SKU mapping."""

from dataclasses import replace

from channels.models import Channel, SkuMapping
from orders.drafts import OrderDraft


def mapped_codes(channel: Channel | int, codes) -> dict[str, str]:
    """Our SKU code for each platform code that has a mapping in this shop (one query)."""
    channel_id = channel.pk if isinstance(channel, Channel) else channel
    rows = SkuMapping.objects.filter(channel_id=channel_id, external_code__in=set(codes)).values_list(
        "external_code", "sku__code"
    )
    return dict(rows)


def map_draft(channel: Channel | int, draft: OrderDraft) -> OrderDraft:
    """The draft with each line's platform code replaced by our SKU code where the shop maps it.
    An unmapped code is kept as sent: it is our own code already, or the intake holds the order
    as "unknown SKU" with that code, and adding the mapping later re-runs it."""
    return apply_mapping(draft, mapped_codes(channel, (line.sku_code for line in draft.lines)))


def apply_mapping(draft: OrderDraft, mapping: dict[str, str]) -> OrderDraft:
    """``map_draft`` with the mapping already read (a batch reads it once for many drafts)."""
    if not any(line.sku_code in mapping for line in draft.lines):
        return draft
    lines = tuple(replace(line, sku_code=mapping.get(line.sku_code, line.sku_code)) for line in draft.lines)
    return replace(draft, lines=lines, data={**draft.data, "platform_codes": [line.sku_code for line in draft.lines]})
