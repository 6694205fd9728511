"""Admin for ops staff: the order list, the order page with its actions, customers."""

from django.contrib import admin

from orders.admin import flags, flow  # noqa: F401 - registers the flow's admins
from orders.admin.customer import CustomerAdmin
from orders.admin.notifications import NotificationAdmin, NotificationTemplateAdmin
from orders.admin.order import OrderAdmin
from orders.admin.returns import ReturnRequestAdmin
from orders.admin.stations import DeliveryStationAdmin
from orders.models import Customer, DeliveryStation, Notification, NotificationTemplate, Order, ReturnRequest

admin.site.register(Order, OrderAdmin)
admin.site.register(Customer, CustomerAdmin)
admin.site.register(DeliveryStation, DeliveryStationAdmin)
admin.site.register(ReturnRequest, ReturnRequestAdmin)
admin.site.register(Notification, NotificationAdmin)
admin.site.register(NotificationTemplate, NotificationTemplateAdmin)

__all__ = ["CustomerAdmin", "DeliveryStationAdmin", "OrderAdmin"]
