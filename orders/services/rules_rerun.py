"""Holds that clear themselves, for 无可发货仓库: when the warehouses or the category rules change
(a warehouse marked cold-chain or activated, a category rule edited, enabled or deleted), the
orders held because no warehouse may ship their categories are re-run.

``no_warehouse_rerun_queue`` (connected to those models' saves and deletes in ``OrdersConfig``)
queues ``orders.tasks.no_warehouse_rerun`` after the change commits, only when such orders wait.
``no_warehouse_rerun`` goes through them oldest first (by id), each through the one
reserve-or-hold path (``order_release_hold(keep_held=True)``, one transaction each): released when
a warehouse may take it whole now; else left held with its reason and note brought up to date (a
rule change may make it a plain shortage, 库存不足, which restocks then retry). At most ``limit``
orders and ``budget`` seconds per run; a run that stops part-way queues the next one from where it
stopped, so orders that stay held are not tried twice for one change.
"""

import functools
import logging
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from orders.models import Order
from orders.services.errors import OrderActionRefused
from orders.services.lifecycle import order_release_hold
from orders.states import HoldReason, OrderStatus

log = logging.getLogger(__name__)

TASK = "orders.tasks.no_warehouse_rerun"
LIMIT = 200
BUDGET = 45.0


@dataclass
class RerunReport:
    released: list[str] = field(default_factory=list)
    still_held: list[str] = field(default_factory=list)
    #: The id to go on after when the run stopped part-way (the next run is queued), else None.
    resume_after: int | None = None


def _waiting():
    return Order.objects.filter(status=OrderStatus.ON_HOLD, hold_reason=HoldReason.NO_WAREHOUSE)


def no_warehouse_rerun(*, after: int = 0, limit: int = LIMIT, budget: float = BUDGET) -> RerunReport:
    """One run over the orders held 无可发货仓库 with an id above ``after`` (see the module)."""
    started = time.monotonic()
    report = RerunReport()
    ids = list(_waiting().filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[: limit + 1])
    for position, order_id in enumerate(ids):
        if position >= limit or time.monotonic() - started > budget:
            report.resume_after = ids[position - 1] if position else after
            transaction.on_commit(functools.partial(_queue, report.resume_after))
            break
        try:
            order = order_release_hold(order=order_id, note=_("发货规则变更后自动重新分仓"), keep_held=True)
        except OrderActionRefused:
            continue  # cancelled or released by someone meanwhile
        (report.still_held if order.status == OrderStatus.ON_HOLD else report.released).append(order.number)
    if report.released or report.still_held:
        log.info("no-warehouse re-run: %d released, %d still held", len(report.released), len(report.still_held))
    return report


def _queue(after: int = 0) -> None:
    from django_q.tasks import async_task

    async_task(TASK, after)


def no_warehouse_rerun_queue(action: str = "", **_signal) -> None:
    """A signal receiver: after the change commits, re-run the orders held 无可发货仓库, if any.
    One run per transaction, however many saves it makes (an admin save of a category rule sends
    one for the rule and more for its warehouse links)."""
    if action.startswith("pre_"):
        return  # a link change signals before and after; the run waits for "after"
    # Django keeps the transaction's pending callbacks as (savepoints, function, robust).
    if any(func is _queue for _sids, func, _robust in transaction.get_connection().run_on_commit):
        return
    if _waiting().exists():
        transaction.on_commit(_queue)
