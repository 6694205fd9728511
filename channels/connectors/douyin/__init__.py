"""Douyin shop adapter."""

from channels.connectors.douyin.adapter import connector

__all__ = ["connector"]
