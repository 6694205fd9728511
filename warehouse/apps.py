from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarehouseConfig(AppConfig):
    name = "warehouse"
    verbose_name = _("仓储作业")

    def ready(self):
        from core import config_cache
        from orders.admin.panels import register_order_panel
        from orders.hooks import register_floor_guard, register_shipping_estimator
        from warehouse.admin.timeline import order_floor_panel
        from warehouse.carriers.panel import order_shipment_panel
        from warehouse.models.carriers import Carrier, CarrierRate, CarrierService, RateZone
        from warehouse.order_flow import orders_in_open_waves, shipping_estimate, shipping_rate_card

        register_order_panel(order_shipment_panel)
        register_order_panel(order_floor_panel)
        register_shipping_estimator(shipping_estimate, for_batch=shipping_rate_card)
        register_floor_guard(orders_in_open_waves)
        config_cache.forget_on_change(Carrier, CarrierService, RateZone, CarrierRate)
