"""At the pickup point: what to hand to each household, the goods' arrival, pickups by scanning
a household's QR code (or typing its order number) or tapping its name."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from channels.groupbuy.selectors import station_handover
from channels.groupbuy.views.access import leader_required, not_yours
from channels.groupbuy.views.orders import campaign_for_leader
from channels.services.leader_orders import LeaderRefused
from channels.services.pickup import leader_pickup, leader_receive_goods
from orders.models import Order
from orders.states import OrderStatus
from orders.stations import pickup_stage


def _back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


@leader_required
def handover(request, code: str):
    """分货单: per household of the leader, what to hand over, with its stage and a 取货 button."""
    campaign = campaign_for_leader(request.leader, code)
    households = station_handover(leader=request.leader, campaign=campaign)
    for household in households:
        household.stage = pickup_stage(household.status)
        household.can_pick_up = household.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
    return render(request, "leader/handover.html", {
        "campaign": campaign,
        "households": households,
        "on_the_way": sum(h.status == OrderStatus.SHIPPED for h in households),
    })


@leader_required
def pickup(request):
    """The scan page: a hardware scanner or typed number (the phone's own scanner opens the QR's
    link, ``pickup_link``). A POST hands over one household's goods."""
    if request.method == "POST":
        order_id = request.POST.get("order", "")
        try:
            done = leader_pickup(
                leader=request.leader,
                code=request.POST.get("code", ""),
                order_id=int(order_id) if order_id.isdigit() else None,
            )
        except LeaderRefused as exc:
            messages.error(request, exc.message)
        else:
            order = done.order
            if done.done_now:
                messages.success(request, _("%(name)s 已取货（%(number)s）") % {
                    "name": order.recipient_name, "number": order.number})
            else:
                messages.info(request, _("%(name)s 之前已经取过货了（%(number)s）") % {
                    "name": order.recipient_name, "number": order.number})
        return _back(request, "leader:pickup")
    return render(request, "leader/pickup.html", {})


@leader_required
def pickup_link(request, number: str):
    """Where a household's QR code leads: the order, and a big button to hand it over."""
    order = (
        Order.objects.filter(number=number, campaign_link__leader=request.leader)
        .prefetch_related("lines")
        .first()
    )
    if order is None:
        return not_yours(request)
    return render(request, "leader/pickup_link.html", {
        "order": order,
        "lines": list(order.lines.all()),
        "stage": pickup_stage(order.status),
        "can_pick_up": order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED),
    })


@require_POST
@leader_required
def receive(request):
    """The delivery reached the station: the leader's orders on their way are 已到站."""
    numbers = leader_receive_goods(leader=request.leader)
    if numbers:
        messages.success(request, _("已确认到货：%(n)d 单") % {"n": len(numbers)})
    else:
        messages.info(request, _("没有在途的订单"))
    return _back(request, "leader:home")
