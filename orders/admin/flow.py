"""Admin for the order flow's configuration: auto-review rules and lists, routing rules, each
shop's policy and the flow settings. Configuration rows, edited here like the catalogue; the
services read them when an order is reviewed or routed (orders reviewed before are untouched)."""

from django import forms
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.masking import mask_phone, normalize_phone
from orders.address import normalize_province
from orders.admin.display import can_view_pii
from orders.flow_models import (
    CategoryRoute,
    ChannelPolicy,
    FlowSettings,
    ProvinceRoute,
    ReviewListEntry,
    ReviewRule,
)


@admin.register(ReviewRule)
class ReviewRuleAdmin(admin.ModelAdmin):
    list_display = ("sequence", "name", "kind", "channel", "outcome", "hold_reason", "enabled")
    list_display_links = ("name",)
    list_editable = ("sequence", "enabled")
    list_filter = ("enabled", "kind", "outcome")
    ordering = ("sequence", "id")
    fields = ("name", "sequence", "enabled", "kind", "channel", "amount", "count", "days", "outcome", "hold_reason", "note")


class ListEntryForm(forms.ModelForm):
    class Meta:
        model = ReviewListEntry
        fields = ("list_kind", "phone", "address", "note")

    def clean_phone(self):
        return normalize_phone(self.cleaned_data.get("phone") or "")

    def clean_address(self):
        return (self.cleaned_data.get("address") or "").strip()


@admin.register(ReviewListEntry)
class ReviewListEntryAdmin(admin.ModelAdmin):
    form = ListEntryForm
    list_filter = ("list_kind",)
    search_fields = ("=phone",)
    search_help_text = gettext_lazy("完整手机号")

    def get_list_display(self, request):
        return ("list_kind", "phone" if can_view_pii(request.user) else "phone_masked", "address_short", "note", "created_at")

    @admin.display(description=gettext_lazy("手机"))
    def phone_masked(self, entry):
        return mask_phone(entry.phone) if entry.phone else "-"

    @admin.display(description=gettext_lazy("地址"))
    def address_short(self, entry):
        return entry.address or "-"


class ProvincesField(forms.CharField):
    """Provinces typed as 浙江、江苏 or 浙江省, 江苏省 (one list, short names kept)."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return "、".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        for separator in ",，;；/ \n":
            text = text.replace(separator, "、")
        return [normalize_province(part) for part in text.split("、") if part.strip()]


class ProvinceRouteForm(forms.ModelForm):
    provinces = ProvincesField(
        label=gettext_lazy("目的省份"), required=False, help_text=gettext_lazy("用顿号或逗号分隔，如「浙江、江苏、上海」；留空表示全国")
    )

    class Meta:
        model = ProvinceRoute
        fields = ("warehouse", "provinces", "priority", "enabled")


@admin.register(ProvinceRoute)
class ProvinceRouteAdmin(admin.ModelAdmin):
    form = ProvinceRouteForm
    list_display = ("warehouse", "provinces_display", "priority", "enabled")
    list_editable = ("priority", "enabled")
    list_filter = ("enabled", "warehouse")

    @admin.display(description=gettext_lazy("目的省份"))
    def provinces_display(self, route):
        return "、".join(route.provinces) or _("全国")


@admin.register(CategoryRoute)
class CategoryRouteAdmin(admin.ModelAdmin):
    list_display = ("category", "mode", "warehouses_display", "enabled")
    list_filter = ("enabled", "mode")
    filter_horizontal = ("warehouses",)

    @admin.display(description=gettext_lazy("仓库"))
    def warehouses_display(self, rule):
        return "、".join(str(w) for w in rule.warehouses.all()) or "-"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("warehouses")


@admin.register(ChannelPolicy)
class ChannelPolicyAdmin(admin.ModelAdmin):
    list_display = ("channel", "pick_sla_minutes", "allow_split", "platform_waybill_required")
    list_editable = ("pick_sla_minutes", "allow_split", "platform_waybill_required")


@admin.register(FlowSettings)
class FlowSettingsAdmin(admin.ModelAdmin):
    """One settings row: the list opens it directly."""

    fieldsets = (
        (gettext_lazy("审单与合单"), {"fields": ("review_enabled", "review_default", "auto_merge")}),
        (gettext_lazy("时限"), {"fields": ("pick_sla_minutes", "ship_warning_minutes", "escalate_after_minutes", "ship_within_hours")}),
        (gettext_lazy("频繁退货"), {"fields": ("returns_threshold", "returns_days")}),
        (
            gettext_lazy("仓库预警"),
            {"fields": ("yellow_backlog_percent", "orange_on_time_percent", "orange_days", "red_growth_percent", "red_min_count")},
        ),
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # The row is created by the migration that made the table (orders 0010).
        return HttpResponseRedirect(reverse("admin:orders_flowsettings_change", args=[1]))
