"""Platform adapters: one package per platform (``channels.connectors.<platform>``), each
exposing ``connector``, an instance of ``channels.connectors.base.Connector``."""

from importlib import import_module

from channels.connectors.base import Connector, ParsedOrder, PayloadInvalid, PlatformStatus, PollPage, Request

__all__ = ["Connector", "ParsedOrder", "PayloadInvalid", "PlatformStatus", "PollPage", "Request", "get_connector"]


def get_connector(platform: str) -> Connector:
    """The adapter for ``platform`` (a ``channels.models.Platform`` value); LookupError if none."""
    try:
        module = import_module(f"channels.connectors.{platform}")
    except ModuleNotFoundError as exc:
        raise LookupError(platform) from exc
    return module.connector
