"""Read-only queries for the channels admin."""

from django.db.models import Count, Max, Sum
from django.urls import reverse

from orders.models import OrderLine, OrderSource
from orders.states import GiftKind, HoldReason, OrderStatus


def unmapped_code_count() -> int:
    """How many (shop, platform code) pairs held orders wait on."""
    return (
        OrderLine.objects.filter(
            sku__isnull=True, order__status=OrderStatus.ON_HOLD, order__hold_reason=HoldReason.UNKNOWN_SKU
        )
        .exclude(gift=GiftKind.NOT_SHIPPED)
        .values("order__channel_id", "sku_code")
        .distinct()
        .count()
    )


def unmapped_codes(*, channel_id: int | None = None, limit: int = 500) -> list[dict]:
    """Every platform code that held orders wait on, per shop, most-waited first:
    ``{"channel_id", "channel_name", "code", "title", "orders", "units"}``."""
    lines = OrderLine.objects.filter(
        sku__isnull=True, order__status=OrderStatus.ON_HOLD, order__hold_reason=HoldReason.UNKNOWN_SKU
    ).exclude(gift=GiftKind.NOT_SHIPPED)
    if channel_id is not None:
        lines = lines.filter(order__channel_id=channel_id)
    rows = (
        lines.values("order__channel_id", "order__channel__name", "sku_code")
        .annotate(orders=Count("order_id", distinct=True), units=Sum("quantity"), title=Max("title"))
        .order_by("-orders", "-units", "order__channel_id", "sku_code")[:limit]
    )
    return [
        {
            "channel_id": row["order__channel_id"],
            "channel_name": row["order__channel__name"],
            "code": row["sku_code"],
            "title": row["title"] or "",
            "orders": row["orders"],
            "units": row["units"],
        }
        for row in rows
    ]


def import_job_orders(job) -> dict:
    """The orders an import job created, and how many of them are on hold now, with the order
    list's addresses filtered to each: ``{"created", "held", "created_url", "held_url"}``."""
    sources = OrderSource.objects.filter(import_job=job)
    base = reverse("admin:orders_order_changelist")
    return {
        "created": sources.count(),
        "held": sources.filter(order__status=OrderStatus.ON_HOLD).count(),
        "created_url": f"{base}?import_job={job.pk}",
        "held_url": f"{base}?import_job={job.pk}&hold=yes",
    }
