"""Taobao / Tmall adapter."""

from channels.connectors.taobao.adapter import connector

__all__ = ["connector"]
