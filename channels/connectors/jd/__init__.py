"""JD POP adapter."""

from channels.connectors.jd.adapter import connector

__all__ = ["connector"]
