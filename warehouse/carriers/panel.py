"""The order page's carrier panel: proposed and chosen service with the reason, price, waybill,
and links to change it and to print. For the order admin's panel extension point
(``orders.admin.panels.register_order_panel``), which the floor branch brings."""

from django.template.loader import render_to_string

from warehouse.models.carriers import Shipment


def order_shipment_panel(request, order) -> str:
    """The panel's HTML, or "" for an order with no shipment yet."""
    shipment = Shipment.objects.filter(order=order).select_related("service", "proposed_service", "changed_by").first()
    if shipment is None:
        return ""
    user = request.user
    return render_to_string(
        "admin/warehouse/shipment/order_panel.html",
        {
            "shipment": shipment,
            "can_change": user.has_perm("warehouse.choose_carrier") or user.has_perm("warehouse.issue_waybill"),
            "can_print": user.has_perm("warehouse.print_documents"),
        },
        request=request,
    )
