"""Read helpers for stock. Nothing here writes."""

from django.db.models import F, QuerySet

from inventory.models import StockLevel


def stock_level_list(
    *, sku: str | None = None, warehouse: str | None = None, low: bool | None = None
) -> QuerySet[StockLevel]:
    """Stock levels with their SKU and warehouse; ``sku`` and ``warehouse`` are codes.

    ``low=True`` keeps the rows whose available units (on hand minus reserved) are at or below
    the reorder level; ``low=False`` the others. Each row carries ``available_units``.
    """
    queryset = StockLevel.objects.select_related("sku", "warehouse").annotate(
        available_units=F("on_hand") - F("reserved")
    )
    if sku:
        queryset = queryset.filter(sku__code=sku)
    if warehouse:
        queryset = queryset.filter(warehouse__code=warehouse)
    if low is True:
        queryset = queryset.filter(available_units__lte=F("reorder_level"))
    elif low is False:
        queryset = queryset.filter(available_units__gt=F("reorder_level"))
    return queryset.order_by("id")
