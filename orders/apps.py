from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("订单")

    def ready(self):
        from orders.admin.flow_panel import order_flow_panel
        from orders.admin.panels import register_order_panel

        register_order_panel(order_flow_panel)
