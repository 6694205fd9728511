"""Floor set-up for supervisors: boxes and their tare, who works in which warehouse, floor rules.
Plain configuration rows, edited directly like the catalogue."""

from django.contrib import admin

from warehouse.models import Box, FloorMember, FloorSettings


@admin.register(Box)
class BoxAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "length_mm", "width_mm", "height_mm", "tare_g", "position", "active")
    list_editable = ("tare_g", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(FloorMember)
class FloorMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "warehouse", "created_at")
    list_filter = ("warehouse",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)
    list_select_related = ("user", "warehouse")


@admin.register(FloorSettings)
class FloorSettingsAdmin(admin.ModelAdmin):
    list_display = ("warehouse", "weight_tolerance_g", "weight_tolerance_pct", "wave_max_orders", "wave_max_units")
    list_select_related = ("warehouse",)
