"""Channels admin: shops, SKU mapping, inbox, imports, tracking write-back, group-buy (one module each)."""

from channels.admin import channel, groupbuy, imports, inbox, outbound, skus  # noqa: F401
