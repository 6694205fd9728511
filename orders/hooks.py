"""What the order flow asks of the warehouse app without importing it (it sits above ``orders``).

Like ``orders.admin.panels``: the warehouse registers a function here in its ``AppConfig.ready``
and the orders code calls whatever is registered (nothing registered: no answer). Two questions:

* the estimated shipping cost of an order's parcel from several warehouses to a province
  (routing's tie-break: the carriers' rate table, weight × zone, priced by the warehouse's own
  rule, ``warehouse.carriers.proposal``), and
* which of some orders the floor has already taken up (in a wave not yet released, say), so a
  merge, split or re-route that would change them under the floor's feet is refused.

A registry rather than reading the rate table through a model relation: the price rule (首重 +
续重 per zone, the cheapest active service) stays written once, in the warehouse app.
"""

from collections.abc import Callable, Iterable
from decimal import Decimal

#: (warehouse ids, destination province, parcel weight in grams) -> cost per warehouse it can price.
ShippingEstimator = Callable[[list[int], str, int], dict[int, Decimal]]
#: order ids -> {order id: why the floor holds it}, for those it holds.
FloorGuard = Callable[[list[int]], dict[int, str]]

#: (the estimator, and what makes one that reads its rates once for a whole batch, or None).
_ESTIMATORS: list[tuple[ShippingEstimator, Callable[[], ShippingEstimator] | None]] = []
_GUARDS: list[FloorGuard] = []


def register_shipping_estimator(
    estimator: ShippingEstimator, *, for_batch: Callable[[], ShippingEstimator] | None = None
) -> None:
    """``for_batch``: makes an estimator for many orders in a row (a batch's), which may read what
    it prices from once and keep it for the batch's length."""
    if all(known is not estimator for known, _batch in _ESTIMATORS):
        _ESTIMATORS.append((estimator, for_batch))


def register_floor_guard(guard: FloorGuard) -> None:
    if guard not in _GUARDS:
        _GUARDS.append(guard)


def estimate_shipping(warehouse_ids: list[int], province: str, weight_g: int) -> dict[int, Decimal]:
    """The cheapest known cost per warehouse ({} when nobody can price it)."""
    return _cheapest([estimator for estimator, _batch in _ESTIMATORS], warehouse_ids, province, weight_g)


def batch_shipping_estimator() -> ShippingEstimator:
    """``estimate_shipping`` for the orders of one batch: each registered estimator's batch form
    (rates read once, on the first order that needs them), for use while that batch lasts."""
    estimators = [make() if make else estimator for estimator, make in _ESTIMATORS]

    def estimate(warehouse_ids: list[int], province: str, weight_g: int) -> dict[int, Decimal]:
        return _cheapest(estimators, warehouse_ids, province, weight_g)

    return estimate


def _cheapest(estimators, warehouse_ids, province: str, weight_g: int) -> dict[int, Decimal]:
    costs: dict[int, Decimal] = {}
    for estimator in estimators:
        for warehouse_id, cost in estimator(list(warehouse_ids), province, weight_g).items():
            if warehouse_id not in costs or cost < costs[warehouse_id]:
                costs[warehouse_id] = cost
    return costs


def floor_holds(order_ids: Iterable[int]) -> dict[int, str]:
    """Why the floor holds each of these orders (only those it holds)."""
    ids = list(order_ids)
    held: dict[int, str] = {}
    for guard in _GUARDS:
        held.update(guard(ids))
    return held
