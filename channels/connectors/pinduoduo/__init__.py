"""Pinduoduo adapter."""

from channels.connectors.pinduoduo.adapter import connector

__all__ = ["connector"]
