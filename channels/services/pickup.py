"""At the pickup point: the leader confirms the goods arrived (到站), and each household's pickup
(取货) by scanning its QR code or tapping its name. Both move the orders through the order
services: arrival is ``order_deliver``, pickup is ``order_complete``. A leader acts on their own
orders only."""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from channels.groupbuy.models import CampaignOrder, GroupLeader
from channels.services.leader_orders import LeaderRefused
from orders.models import Order
from orders.services import OrderActionRefused, order_complete, order_deliver
from orders.states import OrderStatus
from orders.stations import pickup_stage

#: An order number inside whatever a scan gives: the number itself, or the pickup link of the
#: household's QR code (…/leader/pickup/SO20261122000123/).
NUMBER = re.compile(r"[A-Za-z]{1,8}\d{8,}")
CODE_LIMIT = 300


def _own_shipped(leader: GroupLeader):
    return CampaignOrder.objects.filter(leader=leader, order__status=OrderStatus.SHIPPED).order_by("order_id")


def leader_receive_goods(*, leader: GroupLeader) -> list[str]:
    """The delivery reached the station: every order of the leader that is on its way
    (已发货) becomes 已到站 (``order_deliver``). Returns the order numbers; none is no error."""
    received = []
    for order_id in _own_shipped(leader).values_list("order_id", flat=True):
        try:
            order = order_deliver(
                order=order_id, actor=leader.user, expected_status=OrderStatus.SHIPPED, note=_("团长确认到货")
            )
        except OrderActionRefused:
            continue  # moved on meanwhile (a pickup scanned first): nothing to confirm
        received.append(order.number)
    return received


@dataclass(frozen=True)
class Pickup:
    order: Order
    #: False when the household had already picked up (a second scan changes nothing).
    done_now: bool


def order_number_in(code: str) -> str | None:
    """The order number a scanned or typed code carries, or None."""
    found = NUMBER.findall((code or "")[:CODE_LIMIT])
    return found[-1].upper() if found else None


def leader_pickup(*, leader: GroupLeader, code: str = "", order_id: int | None = None) -> Pickup:
    """A household collects its goods: by the scanned ``code`` (QR or order number) or the tapped
    ``order_id``. Goods at the station or on their way (arrived without a confirmation) are
    handed over: 已到站 then 已取货, through the order services. Refused: an order that is not the
    leader's (the same answer as a missing one), one not yet shipped, a cancelled one."""
    links = CampaignOrder.objects.filter(leader=leader).select_related("order")
    if order_id is not None:
        link = links.filter(order_id=order_id).first()
    else:
        number = order_number_in(code)
        if number is None:
            raise LeaderRefused(_("没有识别出订单号，请对准取货码重扫"), code="bad_code")
        link = links.filter(order__number=number).first()
    if link is None:
        raise LeaderRefused(_("找不到这个订单，或它不是你的订单"), code="not_found")
    order = link.order
    if order.status == OrderStatus.COMPLETED:
        return Pickup(order=order, done_now=False)
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        raise LeaderRefused(
            _("订单 %(number)s 当前为「%(stage)s」，还不能取货")
            % {"number": order.number, "stage": pickup_stage(order.status).label},
            code="not_arrived",
        )
    try:
        with transaction.atomic():
            if order.status == OrderStatus.SHIPPED:
                order = order_deliver(
                    order=order, actor=leader.user, expected_status=OrderStatus.SHIPPED, note=_("团长确认到货")
                )
            order = order_complete(
                order=order, actor=leader.user, expected_status=OrderStatus.DELIVERED, note=_("买家已到自提点取货")
            )
    except OrderActionRefused as exc:
        current = Order.objects.get(pk=order.pk)
        if current.status == OrderStatus.COMPLETED:  # the same pickup tapped twice at once
            return Pickup(order=current, done_now=False)
        raise LeaderRefused(exc.message, code=exc.code) from exc
    return Pickup(order=order, done_now=True)
