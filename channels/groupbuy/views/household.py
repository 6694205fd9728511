"""The household's own page, opened from the link the leader sends: where the order is (packed,
on the way, at the station, picked up), the pickup point, and the QR code to show at pickup.
No login: the link carries a signed order id; the phone is masked, no street but the station's."""

from django.core import signing
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from channels.groupbuy.qr import pickup_url, qr_svg
from channels.groupbuy.views.orders import HOUSEHOLD_SALT
from core.masking import mask_phone
from orders.models import Order
from orders.stations import PickupStage, pickup_stage, pickup_steps

#: A household's link stays valid this long (a campaign's goods are collected within days).
LINK_MAX_AGE = 60 * 60 * 24 * 60


@require_GET
def household_page(request, token: str):
    try:
        order_id = signing.loads(token, salt=HOUSEHOLD_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        order_id = None
    order = (
        Order.objects.filter(pk=order_id, station__isnull=False).select_related("station").first()
        if isinstance(order_id, int) else None
    )
    if order is None:
        return render(request, "leader/refused.html", {
            "message": _("链接无效或已过期，请向团长要一个新的链接"), "public": True,
        }, status=404)
    stage = pickup_stage(order.status)
    show_code = stage in (PickupStage.ON_THE_WAY, PickupStage.AT_STATION, PickupStage.PACKED, PickupStage.ORDERED)
    return render(request, "leader/household.html", {
        "public": True,
        "order": order,
        "station": order.station,
        "phone": mask_phone(order.phone),
        "lines": list(order.lines.order_by("id")),
        "stage": stage,
        "steps": pickup_steps(order.status),
        "pickup_qr": qr_svg(pickup_url(request, order.number)) if show_code else None,
    })
