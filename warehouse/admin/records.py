"""The floor's records for ops and supervisors: scans, parcels (with the weight override), photos.
Read-only; the override goes through ``parcel_weigh_override``."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_mixins import ReadOnlyAdminMixin
from core.admin_paginator import EstimatedCountPaginator
from warehouse.admin.forms import OverrideForm
from warehouse.models import FloorPhoto, Parcel, ScanRecord
from warehouse.selectors import warehouses_shown_in_admin
from warehouse.services import FloorRefused, parcel_weigh_override


@admin.register(ScanRecord)
class ScanRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "step", "ok", "reason", "code", "sku", "quantity", "order", "wave", "actor", "message")
    list_filter = ("step", "ok", "reason")
    list_select_related = ("sku", "order", "wave", "actor")
    search_fields = ("code", "order__number", "wave__number", "request_id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    date_hierarchy = "at"


class FlaggedFilter(admin.SimpleListFilter):
    title = gettext_lazy("称重")
    parameter_name = "weight"

    def lookups(self, request, model_admin):
        return [("flagged", _("超差待处理")), ("override", _("主管放行")), ("ok", _("通过"))]

    def queryset(self, request, queryset):
        if self.value() == "flagged":
            return queryset.filter(weight_ok=False, override_at__isnull=True)
        if self.value() == "override":
            return queryset.filter(override_at__isnull=False)
        if self.value() == "ok":
            return queryset.filter(weight_ok=True)
        return queryset


@admin.register(Parcel)
class ParcelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "order", "box", "expected_weight_g", "weight_g", "weight_column", "carrier", "waybill", "packed_by",
        "packed_at", "shipped_at",
    )
    list_filter = (FlaggedFilter, "box")
    list_select_related = ("order", "box", "packed_by")
    search_fields = ("order__number", "waybill")
    actions = ("override_weight",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(order__warehouse__in=warehouses_shown_in_admin(request.user))

    @admin.display(description=gettext_lazy("称重结果"))
    def weight_column(self, parcel):
        if parcel.override_at:
            return format_html('<span title="{}">{}</span>', parcel.override_reason, _("主管放行"))
        if parcel.weight_ok is None:
            return "-"
        if parcel.weight_ok:
            return _("通过")
        return format_html('<span class="oms-badge oms-exception">{}</span>', _("超差"))

    def has_override_permission(self, request):
        return request.user.has_perm("warehouse.override_weight_parcel")

    @admin.action(description=gettext_lazy("放行所选称重超差的包裹…"), permissions=["override"])
    def override_weight(self, request, queryset):
        parcels = list(queryset.select_related("order")[:101])
        form = OverrideForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for parcel in parcels:
                try:
                    parcel_weigh_override(order=parcel.order, reason=form.cleaned_data["reason"], supervisor=request.user)
                    done += 1
                except FloorRefused as exc:
                    messages.error(request, f"{parcel.order.number}: {exc.message}")
            if done:
                messages.success(request, _("已放行 %(n)d 个包裹") % {"n": done})
            return None
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "title": _("放行包裹"), "form": form,
            "submit": _("放行"), "back": request.get_full_path(), "objects": parcels,
            "hidden": [("action", "override_weight")] + [(helpers.ACTION_CHECKBOX_NAME, p.pk) for p in parcels],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/warehouse/form_page.html", context)


@admin.register(FloorPhoto)
class FloorPhotoAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("thumb", "step", "order", "wave", "actor", "at")
    list_filter = ("step",)
    list_select_related = ("order", "wave", "actor")
    search_fields = ("order__number", "wave__number")
    exclude = ("request_id",)

    @admin.display(description=gettext_lazy("照片"))
    def thumb(self, photo):
        return format_html('<a href="{}" target="_blank"><img src="{}" alt="" height="60"></a>',
                           photo.image.url, photo.thumbnail.url)
