"""Channels admin: shops, SKU mapping, inbox, imports, tracking write-back (one module each)."""

from channels.admin import channel, imports, inbox, outbound, skus  # noqa: F401
