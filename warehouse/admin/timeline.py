"""The order page's floor evidence: every floor step on the order — who, when, what was scanned
(right or wrong), weight against expected, photo thumbnails (click for full size), box, carrier
and waybill. Registered on the order page through ``orders.admin.panels`` (see ``apps.py``)."""

from django.template.loader import render_to_string

from warehouse.selectors import order_timeline


def order_floor_panel(request, order) -> str:
    """The panel's HTML, or "" for an order the floor has not touched."""
    entries, parcel = order_timeline(order)
    if not entries and parcel is None:
        return ""
    return render_to_string(
        "admin/warehouse/order_timeline.html", {"entries": entries, "parcel": parcel}, request=request
    )
