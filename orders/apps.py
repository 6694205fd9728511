from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("订单")

    def ready(self):
        from core import config_cache
        from inventory.models import Warehouse
        from orders.admin.flow_panel import order_flow_panel
        from orders.admin.panels import register_order_panel
        from orders.flow_models import CategoryRoute, ChannelPolicy, FlowSettings, ProvinceRoute, ReviewRule
        from orders.models import channel_model

        register_order_panel(order_flow_panel)
        # What the single-order intake keeps per process (core.config_cache) is dropped when it changes.
        config_cache.forget_on_change(
            FlowSettings, ChannelPolicy, ReviewRule, ProvinceRoute, CategoryRoute, CategoryRoute.warehouses.through,
            Warehouse, channel_model(),
        )
