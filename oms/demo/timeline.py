"""Spread the demo's history over the days it pretends to cover.

The runner plays a fortnight of orders through the real services in a minute, so every event and
every order row carries the minute the seed ran: the home page would show 2,000 orders shipped
"today". Afterwards this pass gives each order's events the times they would have had (taken in a
moment after it was placed, paid when the plan paid it, picked, packed and shipped within hours,
delivered days later), never later than now and always in their original order. It changes
timestamps only; statuses, stock and the ledger stay what the services wrote.
"""

from datetime import datetime, timedelta

from orders.events import EventAction
from orders.models import Order, OrderEvent

#: How long after the previous step each kind of event happens, in minutes (low, high).
DELAYS = {
    EventAction.CREATED: (0.2, 1),
    EventAction.PAY: (1, 30),
    EventAction.APPROVE: (5, 90),
    EventAction.START_PICKING: (30, 300),
    EventAction.PACK: (10, 90),
    EventAction.SHIP: (30, 240),
    EventAction.DELIVER: (24 * 60, 3 * 24 * 60),
    EventAction.COMPLETE: (2 * 24 * 60, 7 * 24 * 60),
}
DEFAULT_DELAY = (5, 120)
BATCH = 1000


def spread(*, rng, now: datetime) -> None:
    orders = list(Order.objects.order_by("id").values_list("id", "placed_at", "paid_at"))
    events: dict[int, list[OrderEvent]] = {}
    for event in OrderEvent.objects.order_by("id").only("id", "order_id", "action", "at"):
        events.setdefault(event.order_id, []).append(event)
    changed_events, changed_orders = [], []
    for order_id, placed_at, paid_at in orders:
        own = events.get(order_id, [])
        latest = now - timedelta(seconds=len(own) + 1)
        at = placed_at
        for event in own:
            if event.action == EventAction.PAY and paid_at:
                at = max(at, paid_at)
            else:
                low, high = DELAYS.get(event.action, DEFAULT_DELAY)
                at = at + timedelta(minutes=rng.uniform(low, high))
            at = min(at, latest)
            latest += timedelta(seconds=1)
            event.at = at
            changed_events.append(event)
        created = own[0].at if own else placed_at
        changed_orders.append(Order(id=order_id, created_at=created, updated_at=own[-1].at if own else created))
    OrderEvent.objects.bulk_update(changed_events, ["at"], batch_size=BATCH)
    Order.objects.bulk_update(changed_orders, ["created_at", "updated_at"], batch_size=BATCH)
