"""Where a group-buy (station) order is, in the words leaders and households use.

A station order moves along the ordinary lifecycle; for the people waiting at the pickup point
its statuses read as stages: ordered, packed, on the way to the station (shipped with the
station's delivery run), at the station (the leader confirmed the goods arrived: delivered),
picked up (completed). Read by the leader pages, the household's page and, later, the public
"where is my order" page.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.states import OrderStatus

#: The carrier a station order ships with: the station's own delivery run, not a parcel carrier.
STATION_CARRIER = "站点配送"
#: Where a leader's phone confirms a household's pickup (the leader pages serve it): the link in a
#: household's QR code, on its own page and on the station manifest.
PICKUP_PATH = "/leader/pickup/{number}/"


def pickup_path(number: str) -> str:
    return PICKUP_PATH.format(number=number)


class PickupStage(models.TextChoices):
    ORDERED = "ordered", _("已下单")
    PACKED = "packed", _("已打包")
    ON_THE_WAY = "on_the_way", _("配送中")
    AT_STATION = "at_station", _("已到站")
    PICKED_UP = "picked_up", _("已取货")
    CANCELLED = "cancelled", _("已取消")


#: The stages in the order a household goes through them.
STAGES = (
    PickupStage.ORDERED,
    PickupStage.PACKED,
    PickupStage.ON_THE_WAY,
    PickupStage.AT_STATION,
    PickupStage.PICKED_UP,
)

_BY_STATUS = {
    OrderStatus.PACKED: PickupStage.PACKED,
    OrderStatus.SHIPPED: PickupStage.ON_THE_WAY,
    OrderStatus.DELIVERED: PickupStage.AT_STATION,
    OrderStatus.COMPLETED: PickupStage.PICKED_UP,
    OrderStatus.CANCELLED: PickupStage.CANCELLED,
}


def pickup_stage(status: str) -> PickupStage:
    """The stage of a station order in ``status`` (anything before packing is "ordered")."""
    return _BY_STATUS.get(status, PickupStage.ORDERED)


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    current: bool


def pickup_steps(status: str) -> list[Step]:
    """Every stage with whether it is reached and which one is current (empty when cancelled)."""
    stage = pickup_stage(status)
    if stage == PickupStage.CANCELLED:
        return []
    reached = STAGES.index(stage)
    return [Step(str(s.label), i <= reached, i == reached) for i, s in enumerate(STAGES)]
