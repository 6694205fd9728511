"""Demo data for ``manage.py seed_demo``: a believable fortnight of a multi-channel seller.

``catalog`` and ``people`` hold the data, ``build`` puts the catalogue in the database (and
``carriers`` the carriers and their rates), ``plans``
decides what each order is and how far along it should be, ``run`` plays the plans through the
real services (and leaves a few real exceptions for ops), ``timeline`` spreads the events over
the days they pretend to cover, ``floor`` adds boxes and waves of the orders waiting to be picked,
``flow`` the review and routing rules (after the orders: the live demo's new orders meet them)
and one merged order.
Nothing here writes a status or a stock figure itself.
"""

import random
from dataclasses import dataclass

from django.utils import timezone

from oms.demo.build import build_catalogue
from oms.demo.carriers import seed_carriers
from oms.demo.floor import seed_floor
from oms.demo.flow import merge_demo, seed_flow, seed_routing
from oms.demo.plans import Planner
from oms.demo.returns import build_dashboard, seed_returns
from oms.demo.run import Runner
from oms.demo.timeline import spread


@dataclass(frozen=True)
class SeedResult:
    created: int
    seed: int


def seed_demo(*, orders: int = 2000, seed: int | None = None, days: int = 14, batch: int = 20) -> SeedResult:
    """Create the catalogue (what is missing) and ``orders`` orders placed over the last ``days`` days."""
    if seed is None:
        seed = random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    now = timezone.now()
    catalogue = build_catalogue(rng=rng, scale=max(1.0, orders / 2000))
    seed_carriers()
    seed_routing()
    plans = Planner(rng=rng, skus=catalogue.skus, now=now, days=days).plans(orders)
    runner = Runner(rng=rng, catalogue=catalogue, now=now, batch=batch)
    runner.run(plans)
    runner.leave_exceptions()
    # One more order: a buyer's second order, in another shop, merged into the first (已合并).
    merged = merge_demo() if orders else None
    seed_flow(channels=catalogue.channels)
    spread(rng=rng, now=now)
    seed_floor()
    seed_returns(rng=rng)
    build_dashboard()
    return SeedResult(created=runner.created + (1 if merged else 0), seed=seed)
