"""A local stand-in for the five sales platforms: their "orders changed since" APIs and shipment
callbacks on 127.0.0.1, backed by memory. Used by the tests and the demo
(``manage.py run_platform_simulator``)."""

from channels.simulator.server import PlatformSimulator
from channels.simulator.store import PLATFORMS, PlatformStore, SimulatorError

__all__ = ["PLATFORMS", "PlatformSimulator", "PlatformStore", "SimulatorError"]
