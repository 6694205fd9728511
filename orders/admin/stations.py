"""Pickup points of the group-buy business: plain editing by ops (configuration, not orders)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class DeliveryStationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "address_column", "warehouse", "active")
    list_filter = ("active", "region", "warehouse")
    list_select_related = ("warehouse",)
    search_fields = ("=code", "name", "region")
    search_help_text = _("站点编码（完整）、名称或片区")
    fieldsets = (
        (None, {"fields": ("code", "name", "region", "warehouse", "active")}),
        (_("地址"), {"fields": ("province", "city", "district", "street")}),
    )

    @admin.display(description=_("地址"))
    def address_column(self, station):
        return station.address
