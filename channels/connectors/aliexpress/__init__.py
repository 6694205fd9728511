"""AliExpress adapter."""

from channels.connectors.aliexpress.adapter import connector

__all__ = ["connector"]
