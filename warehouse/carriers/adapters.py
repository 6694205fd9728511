"""The interface every waybill source implements, and the registry that picks one per carrier.

A real carrier API (顺丰丰桥, 中通开放平台…) or a platform's e-waybill service (菜鸟, 拼多多…)
would be one more ``CarrierAdapter``; only the local sandbox ships here, because none of those can
be reached without the seller's accounts.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class WaybillRequest:
    """What a carrier needs to issue an e-waybill. ``reference`` is our idempotency key: asking
    twice with the same reference returns the same waybill (carrier APIs key on the customer's
    order id the same way), so a retry after a lost answer cannot waste a number."""

    carrier_code: str
    service_name: str
    reference: str
    order_number: str
    province: str
    city: str
    district: str
    street: str
    weight_g: int


@dataclass(frozen=True)
class IssuedWaybill:
    number: str
    sort_code: str  # 三段码 / 大头笔, printed large at the top of the label
    hub: str  # 集包地


class WaybillError(Exception):
    """The carrier would not issue (or cancel) a waybill; ``message`` says why, for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CarrierAdapter(ABC):
    @abstractmethod
    def issue(self, request: WaybillRequest) -> IssuedWaybill:
        """Issue (or return the already issued) waybill for ``request.reference``."""

    @abstractmethod
    def cancel(self, *, carrier_code: str, number: str) -> None:
        """Tell the carrier a waybill will not be used (the number is then never reused)."""


def adapter_for(kind: str) -> CarrierAdapter:
    """The adapter for a ``Carrier.adapter`` value."""
    from warehouse.carriers.sandbox import SandboxAdapter
    from warehouse.models.carriers import AdapterKind

    adapters: dict[str, type[CarrierAdapter]] = {AdapterKind.SANDBOX: SandboxAdapter}
    try:
        return adapters[kind]()
    except KeyError:
        raise WaybillError(f"unknown carrier adapter {kind!r}") from None
