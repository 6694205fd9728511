"""The cutoff (截单): a campaign stops taking orders, and what its orders need is added up.

``campaign_close`` runs in one transaction holding the campaign row ``FOR UPDATE``: it waits for
the submissions in flight (they hold the row ``FOR SHARE``), closes the campaign, and writes the
cutoff batch: totals, demand per SKU, the purchase plan and the split by station
(``channels.groupbuy.plan``). Run twice, or by two workers at once, it happens once: the second
finds the campaign closed and returns the same batch.

``cutoff_release_orders`` then passes the campaign orders on to the floor: each paid order still
待审核 is approved (``order_approve``, one transaction per order), so it is 待拣货 and the
warehouse builds its station waves from the orders' stations. The cutoff never calls the
warehouse. Orders held for stock wait for the goods the purchase plan buys; once a restock
releases them, the next run approves them too.
"""

import time
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.groupbuy.models import Campaign, CampaignOrder, CampaignStatus, CutoffBatch, StationLine
from channels.groupbuy.plan import STATION_FIELDS, build_plan
from channels.groupbuy.selectors import due_campaigns, live_lines, pending_release
from core.sql import bulk_insert, insert_rows
from orders.services import OrderActionRefused, order_approve
from orders.states import OrderStatus

#: A release run stops taking orders after this long (the task's timeout is 120 s).
RELEASE_BUDGET_S = 60.0


def campaign_close(*, campaign: Campaign | int, actor=None) -> CutoffBatch:
    """Close the campaign now (at its cutoff, or earlier by hand) and write its cutoff batch, in
    one transaction; an already closed campaign's batch is returned unchanged."""
    pk = campaign.pk if isinstance(campaign, Campaign) else int(campaign)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=pk)
        if locked.status == CampaignStatus.CLOSED:
            return CutoffBatch.objects.get(campaign=locked)
        now = timezone.now()
        locked.status, locked.closed_at, locked.closed_by = CampaignStatus.CLOSED, now, actor
        locked.save(update_fields=["status", "closed_at", "closed_by"])
        live = CampaignOrder.objects.filter(campaign=locked).exclude(order__status=OrderStatus.CANCELLED)
        totals = live.aggregate(orders=Count("order_id"), amount=Sum("order__goods_amount"))
        batch = CutoffBatch.objects.create(
            campaign=locked,
            closed_at=now,
            closed_by=actor,
            order_count=totals["orders"] or 0,
            amount=totals["amount"] or 0,
            unit_count=live_lines(locked.pk).aggregate(n=Sum("quantity"))["n"] or 0,
        )
        plan = build_plan(batch_id=batch.pk, campaign_id=locked.pk)
        bulk_insert(plan.demand)
        bulk_insert(plan.purchase)
        insert_rows(StationLine, STATION_FIELDS, plan.stations)
    return batch


@dataclass
class ReleaseResult:
    approved: int = 0
    #: order number -> why it was not approved (moved on meanwhile)
    refused: dict[str, str] = field(default_factory=dict)
    #: False when the time budget ran out with orders left (the next run continues)
    finished: bool = True


def cutoff_release_orders(
    *, campaign_ids=None, actor=None, budget_s: float = RELEASE_BUDGET_S
) -> ReleaseResult:
    """Approve the 待审核 orders of closed campaigns (all, or ``campaign_ids``), oldest first, each
    through ``order_approve``; a batch whose orders are all passed on gets ``released_at``.
    Idempotent: an order approved meanwhile (by ops, by another worker) is skipped."""
    result = ReleaseResult()
    started = time.monotonic()
    pending = list(pending_release(campaign_ids).order_by("order_id").values_list("order_id", "campaign_id"))
    touched = {campaign_id for _order, campaign_id in pending}
    for order_id, _campaign in pending:
        if time.monotonic() - started > budget_s:
            result.finished = False
            break
        try:
            order_approve(
                order=order_id, actor=actor, expected_status=OrderStatus.PENDING_REVIEW, note=_("团购截单，转入待拣货")
            )
            result.approved += 1
        except OrderActionRefused as exc:
            result.refused[str(order_id)] = exc.message
    batches = CutoffBatch.objects.filter(released_at__isnull=True)
    if campaign_ids is not None:
        batches = batches.filter(campaign_id__in=list(campaign_ids))
    if result.finished:
        waiting = set(pending_release(touched).values_list("campaign_id", flat=True)) if touched else set()
        batches.exclude(campaign_id__in=waiting).update(released_at=timezone.now())
    return result


@dataclass
class DueResult:
    closed: list[str] = field(default_factory=list)
    release: ReleaseResult = field(default_factory=ReleaseResult)


def campaigns_close_due(*, budget_s: float = RELEASE_BUDGET_S) -> DueResult:
    """The schedule's job (every minute): close every open campaign past its cutoff, then pass
    on whatever orders of closed campaigns wait for review. Safe with two workers at once."""
    result = DueResult()
    for campaign_id in due_campaigns():
        batch = campaign_close(campaign=campaign_id)
        result.closed.append(batch.campaign.code)
    result.release = cutoff_release_orders(budget_s=budget_s)
    return result
