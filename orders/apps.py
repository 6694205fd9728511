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
        # Orders held 无可发货仓库 are re-run when what decides it changes (orders.services.rules_rerun).
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from orders.services.rules_rerun import no_warehouse_rerun_queue

        for model in (Warehouse, CategoryRoute):
            post_save.connect(no_warehouse_rerun_queue, sender=model, dispatch_uid=f"no_warehouse:{model.__name__}")
            post_delete.connect(no_warehouse_rerun_queue, sender=model, dispatch_uid=f"no_warehouse_del:{model.__name__}")
        m2m_changed.connect(
            no_warehouse_rerun_queue, sender=CategoryRoute.warehouses.through, dispatch_uid="no_warehouse:links"
        )
