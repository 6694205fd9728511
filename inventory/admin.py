"""Stock for ops staff: levels (read-only counters, adjusted through ``stock_adjust``), the ledger
(read-only), and the catalogue (SKUs, warehouses, bins: plain editing)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import F
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_mixins import ReadOnlyAdminMixin
from core.admin_paginator import EstimatedCountPaginator, LargeListMixin
from inventory.models import Bin, Sku, StockLevel, StockMovement, Warehouse
from inventory.services import StockError, stock_adjust

#: A bulk adjustment touches at most this many stock rows at once.
MAX_ADJUST_BATCH = 200


class AdjustForm(forms.Form):
    delta = forms.IntegerField(
        label=gettext_lazy("调整数量"),
        help_text=gettext_lazy("正数为盘盈（增加在库），负数为盘亏（减少在库）"),
    )
    note = forms.CharField(
        label=gettext_lazy("调整原因"),
        max_length=200,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=gettext_lazy("记录在库存流水里"),
    )


class LowStockFilter(admin.SimpleListFilter):
    title = gettext_lazy("库存预警")
    parameter_name = "low"

    def lookups(self, request, model_admin):
        return [("yes", _("低库存（可用 ≤ 阈值）")), ("no", _("库存充足"))]

    def queryset(self, request, queryset):
        # available <= reorder_level, written so no annotation is needed
        low = {"on_hand__lte": F("reserved") + F("reorder_level")}
        if self.value() == "yes":
            return queryset.filter(**low)
        if self.value() == "no":
            return queryset.exclude(**low)
        return queryset


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = (
        "sku_code", "sku_name", "warehouse", "on_hand", "reserved", "available_column", "reorder_level", "home_bin",
    )
    list_display_links = ("sku_code",)
    list_filter = (LowStockFilter, "warehouse", "sku__active")
    list_select_related = ("sku", "warehouse", "home_bin", "home_bin__warehouse")
    search_fields = ("=sku__code", "=sku__barcode", "sku__name")
    search_help_text = gettext_lazy("商家编码、条码（完整）或商品名称")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 100
    ordering = ("sku__code", "warehouse__code")
    fields = ("sku", "warehouse", "on_hand", "reserved", "available_column", "reorder_level", "home_bin")
    readonly_fields = ("sku", "warehouse", "on_hand", "reserved", "available_column")
    autocomplete_fields = ("home_bin",)
    actions = ("adjust_stock",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(available_qty=F("on_hand") - F("reserved"))

    def has_add_permission(self, request):
        # A stock row appears when goods are first received (inventory.services.stock_receive).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("商家编码"), ordering="sku__code")
    def sku_code(self, level):
        return level.sku.code

    @admin.display(description=gettext_lazy("商品名称"), ordering="sku__name")
    def sku_name(self, level):
        return level.sku.name

    @admin.display(description=gettext_lazy("可用"), ordering="available_qty")
    def available_column(self, level):
        available = getattr(level, "available_qty", level.available)
        if available <= level.reorder_level:
            return format_html('<span class="oms-low">{}</span>', available)
        return available

    @admin.action(description=gettext_lazy("盘点调整所选库存…"), permissions=["change"])
    def adjust_stock(self, request, queryset):
        levels = list(queryset[: MAX_ADJUST_BATCH + 1])
        if len(levels) > MAX_ADJUST_BATCH:
            messages.error(request, _("一次最多调整 %(max)d 行库存，请缩小范围") % {"max": MAX_ADJUST_BATCH})
            return None
        form = AdjustForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for level in levels:
                self._adjust_one(request, level, form.cleaned_data["delta"], form.cleaned_data["note"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("盘点调整"),
            "opts": self.opts,
            "levels": levels,
            "form": form,
            "hidden": [("action", "adjust_stock")] + [(helpers.ACTION_CHECKBOX_NAME, level.pk) for level in levels],
            "back": request.get_full_path(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/inventory/stocklevel/adjust.html", context)

    def _adjust_one(self, request, level: StockLevel, delta: int, note: str) -> None:
        label = f"{level.sku.code} @ {level.warehouse.code}"
        try:
            level = stock_adjust(stock_level=level, delta=delta, note=note, actor=request.user)
        except StockError as exc:
            messages.error(request, _("%(label)s：%(message)s，未做修改") % {"label": label, "message": exc.message})
        else:
            messages.success(
                request,
                _("%(label)s 已调整 %(delta)+d，现在库 %(on_hand)d，可用 %(available)d")
                % {"label": label, "delta": delta, "on_hand": level.on_hand, "available": level.available},
            )


@admin.register(StockMovement)
class StockMovementAdmin(LargeListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The ledger is append-only: nobody adds, edits or deletes a movement by hand."""

    list_display = (
        "at_local", "sku_code", "warehouse", "reason", "delta_on_hand", "delta_reserved", "reference", "note", "actor",
    )
    list_filter = ("reason", ("at", admin.DateFieldListFilter), "stock_level__warehouse")
    list_select_related = ("stock_level__sku", "stock_level__warehouse", "actor")
    # The search box is ``get_search_results``: the exact reference (order number etc.), indexed.
    search_fields = ("reference",)
    search_help_text = gettext_lazy("关联单号（完整）")
    # Django admin renders about 1 ms of CPU per row of nine columns: 50 rows keep a page, filtered
    # or not, at a hundred milliseconds or so on a 3-million-row ledger (bench/admin_scale.py).
    list_per_page = 50
    # Indexed (``StockMovement.Meta.indexes``): by time; the other columns would sort the whole ledger.
    sortable_by = ("at_local",)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(reference=term) if term else queryset), False

    @admin.display(description=gettext_lazy("时间"), ordering="at")
    def at_local(self, movement):
        return timezone.localtime(movement.at).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description=gettext_lazy("商家编码"))
    def sku_code(self, movement):
        return movement.stock_level.sku.code

    @admin.display(description=gettext_lazy("仓库"))
    def warehouse(self, movement):
        return movement.stock_level.warehouse


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "barcode", "category", "unit_weight_g", "active")
    list_filter = ("active", "category")
    search_fields = ("=code", "=barcode", "name")
    search_help_text = gettext_lazy("商家编码、条码（完整）或商品名称")


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "address", "provinces", "active")
    list_filter = ("active",)
    search_fields = ("=code", "name")


@admin.register(Bin)
class BinAdmin(admin.ModelAdmin):
    list_display = ("code", "warehouse", "pick_sequence")
    list_filter = ("warehouse",)
    list_select_related = ("warehouse",)
    search_fields = ("code", "warehouse__code")
