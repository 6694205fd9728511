"""Who may print what. Office staff with ``warehouse.print_documents`` print any order's sheet and
label; floor staff print those of the warehouses they work in (``warehouses_for``, the rule every
floor page follows), so a picker at the pack station can print the label of the parcel in front
of them. An order or wave of another warehouse reads as one that does not exist."""

from django.db.models import QuerySet

from orders.models import Order
from warehouse.models import Wave
from warehouse.selectors import warehouses_for

PERMISSION = "warehouse.print_documents"


def prints_everything(user) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(PERMISSION))


def may_print(user) -> bool:
    """Office staff with the permission, or anyone working in a warehouse."""
    return prints_everything(user) or warehouses_for(user).exists()


def printable_orders(user) -> QuerySet[Order]:
    if prints_everything(user):
        return Order.objects.all()
    return Order.objects.filter(warehouse__in=warehouses_for(user))


def printable_waves(user) -> QuerySet[Wave]:
    if prints_everything(user):
        return Wave.objects.all()
    return Wave.objects.filter(warehouse__in=warehouses_for(user))
