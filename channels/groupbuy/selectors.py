"""Read-only questions about group-buy: who is a leader, what a campaign still has, a leader's
orders and summary, what each household of a station collects."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from channels.groupbuy.models import Campaign, CampaignItem, CampaignOrder, CampaignStatus, GroupLeader
from orders.models import OrderLine
from orders.states import OrderStatus

CENT = Decimal("0.01")


def leader_of(user) -> GroupLeader | None:
    """The user's active leader record at an active station, or None. The record, kept by ops in
    admin, is what lets someone use the leader pages (as ``FloorMember`` is for the floor)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return (
        GroupLeader.objects.select_related("station", "station__warehouse")
        .filter(user=user, active=True, station__active=True)
        .first()
    )


def current_campaigns(now=None) -> list[Campaign]:
    """Campaigns taking orders now, soonest cutoff first."""
    now = now or timezone.now()
    return list(
        Campaign.objects.filter(status=CampaignStatus.OPEN, starts_at__lte=now, cutoff_at__gt=now)
        .select_related("channel")
        .order_by("cutoff_at", "id")
    )


def recent_campaigns(*, leader: GroupLeader, limit: int = 5) -> list[Campaign]:
    """Campaigns the leader has orders in, newest first (their orders' progress and pickups)."""
    ids = CampaignOrder.objects.filter(leader=leader).values("campaign_id")
    return list(Campaign.objects.filter(pk__in=ids).order_by("-cutoff_at", "-id")[:limit])


def live_lines(campaign_id: int):
    """The order lines of the campaign's orders that are not cancelled."""
    return OrderLine.objects.filter(order__campaign_link__campaign_id=campaign_id).exclude(
        order__status=OrderStatus.CANCELLED
    )


def promised(campaign_id: int, sku_ids, *, exclude_order: int | None = None) -> dict[int, int]:
    """Units of each SKU promised to households by the campaign's live orders."""
    lines = live_lines(campaign_id).filter(sku_id__in=list(sku_ids))
    if exclude_order is not None:
        lines = lines.exclude(order_id=exclude_order)
    return dict(lines.values("sku_id").annotate(n=Sum("quantity")).values_list("sku_id", "n"))


def household_taken(campaign_id: int, phone: str, sku_ids, *, exclude_order: int | None = None) -> dict[int, int]:
    """Units of each SKU one household (by phone) already has in the campaign's live orders."""
    lines = live_lines(campaign_id).filter(sku_id__in=list(sku_ids), order__phone=phone)
    if exclude_order is not None:
        lines = lines.exclude(order_id=exclude_order)
    return dict(lines.values("sku_id").annotate(n=Sum("quantity")).values_list("sku_id", "n"))


@dataclass
class ItemOffer:
    item: CampaignItem
    #: Units still to be had under the total limit; None when there is none.
    left: int | None

    @property
    def sold_out(self) -> bool:
        return self.left is not None and self.left <= 0


def campaign_offers(campaign: Campaign) -> list[ItemOffer]:
    """The campaign's items, each with what is left of a limited one (two queries)."""
    items = list(campaign.items.select_related("sku").order_by("position", "id"))
    limited = [item.sku_id for item in items if item.total_limit is not None]
    taken = promised(campaign.pk, limited) if limited else {}
    return [
        ItemOffer(item, None if item.total_limit is None else max(item.total_limit - taken.get(item.sku_id, 0), 0))
        for item in items
    ]


def leader_orders(*, leader: GroupLeader, campaign: Campaign):
    """The leader's own orders in the campaign, newest first, with their lines."""
    return (
        CampaignOrder.objects.filter(leader=leader, campaign=campaign)
        .select_related("order")
        .prefetch_related(Prefetch("order__lines", queryset=OrderLine.objects.order_by("id")))
        .order_by("-id")
    )


def leader_order(*, leader: GroupLeader, order_id: int) -> CampaignOrder | None:
    """One of the leader's own orders, or None (another leader's order is as good as missing)."""
    return (
        CampaignOrder.objects.filter(leader=leader, order_id=order_id)
        .select_related("order", "campaign", "campaign__channel")
        .first()
    )


@dataclass(frozen=True)
class LeaderSummary:
    households: int
    units: int
    amount: Decimal
    commission_rate: Decimal
    commission: Decimal

    @property
    def commission_percent(self) -> str:
        """The rate as people say it: "8%", "7.5%"."""
        return f"{(self.commission_rate * 100).normalize():f}%"


def leader_summary(*, leader: GroupLeader, campaign: Campaign) -> LeaderSummary:
    """Households, items and amount of the leader's live orders in the campaign, and the
    commission at the campaign's rate (rounded to the cent)."""
    live = CampaignOrder.objects.filter(leader=leader, campaign=campaign).exclude(
        order__status=OrderStatus.CANCELLED
    )
    totals = live.aggregate(households=Count("order_id"), amount=Sum("order__goods_amount"))
    units = (
        OrderLine.objects.filter(order__campaign_link__in=live).aggregate(n=Sum("quantity"))["n"] or 0
    )
    amount = (totals["amount"] or Decimal("0")).quantize(CENT)  # SQLite sums decimals as floats
    rate = campaign.commission_rate or Decimal("0")
    return LeaderSummary(
        households=totals["households"] or 0,
        units=units,
        amount=amount,
        commission_rate=rate,
        commission=(amount * rate).quantize(CENT, rounding=ROUND_HALF_UP),
    )


@dataclass
class Household:
    order_id: int
    number: str
    name: str
    phone: str
    status: str
    items: list[tuple[str, int]] = field(default_factory=list)


def station_handover(*, leader: GroupLeader, campaign: Campaign) -> list[Household]:
    """Per household of the leader, what to hand over (live orders, by name)."""
    households = []
    for link in leader_orders(leader=leader, campaign=campaign).exclude(order__status=OrderStatus.CANCELLED):
        order = link.order
        households.append(
            Household(
                order_id=order.pk,
                number=order.number,
                name=order.recipient_name,
                phone=order.phone,
                status=order.status,
                items=[(line.title or line.sku_code, line.quantity) for line in order.lines.all()],
            )
        )
    return sorted(households, key=lambda h: (h.name, h.number))


def pending_release(campaign_ids=None):
    """Campaign orders of closed campaigns still 待审核 (the cutoff passes them on to the floor)."""
    links = CampaignOrder.objects.filter(
        campaign__status=CampaignStatus.CLOSED, order__status=OrderStatus.PENDING_REVIEW
    )
    if campaign_ids is not None:
        links = links.filter(campaign_id__in=list(campaign_ids))
    return links


def due_campaigns(now=None) -> list[int]:
    """Open campaigns whose cutoff has passed."""
    now = now or timezone.now()
    return list(
        Campaign.objects.filter(Q(status=CampaignStatus.OPEN) & Q(cutoff_at__lte=now)).order_by("cutoff_at", "id")
        .values_list("pk", flat=True)
    )
