"""Waves for supervisors: the list and each wave's pick list and orders (read-only), and the
actions — build, release, reassign, cancel — each calling one ``warehouse.services`` function.
Also the per-picker figures of a day."""

from datetime import date

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_mixins import ReadOnlyAdminMixin
from warehouse.accuracy import picker_figures
from warehouse.admin.forms import AssignForm, BuildForm, CancelForm
from warehouse.models import PickLine, Wave, WaveOrder
from warehouse.printing.access import may_print
from warehouse.selectors import labels_issued, warehouses_for, warehouses_shown_in_admin
from warehouse.services import FloorRefused, wave_build, wave_cancel, wave_reassign, wave_release

MAX_BATCH = 100


class PickLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PickLine
    fields = ("sequence", "bin", "sku", "quantity", "picked", "short", "short_reason", "picked_by", "done_at")
    readonly_fields = fields
    ordering = ("sequence",)
    extra = 0


class WaveOrderInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WaveOrder
    fields = ("slot", "order", "order_status", "active", "left_reason")
    readonly_fields = fields
    ordering = ("slot",)
    extra = 0

    @admin.display(description=gettext_lazy("订单状态"))
    def order_status(self, link):
        return link.order.get_status_display()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")


@admin.register(Wave)
class WaveAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "number", "warehouse", "kind", "status", "carrier", "order_count", "unit_count", "progress", "assignee",
        "created_at",
    )
    list_filter = ("status", "kind", "warehouse")
    list_select_related = ("warehouse", "assignee")
    search_fields = ("number", "wave_orders__order__number")
    inlines = (PickLineInline, WaveOrderInline)
    fields = (
        ("number", "warehouse"), ("kind", "status"), ("carrier", "assignee"), ("order_count", "unit_count"),
        ("created_by", "created_at"), ("released_at", "picked_at", "finished_at"),
    )
    actions = ("release_waves", "reassign_waves", "cancel_waves")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(warehouse__in=warehouses_shown_in_admin(request.user))

    @admin.display(description=gettext_lazy("拣货进度"))
    def progress(self, wave):
        lines = list(wave.lines.values_list("quantity", "picked", "short"))
        total = sum(q for q, _p, _s in lines)
        done = sum(p + s for _q, p, s in lines)
        short = sum(s for _q, _p, s in lines)
        text = f"{done}/{total}"
        if short:
            return format_html('{} <span class="oms-badge oms-exception">{}</span>', text, _("缺 %(n)d") % {"n": short})
        return text

    # ---- permissions ----

    def has_release_permission(self, request):
        return request.user.has_perm("warehouse.release_wave")

    def has_cancel_permission(self, request):
        return request.user.has_perm("warehouse.cancel_wave")

    def has_build_permission(self, request):
        return request.user.has_perm("warehouse.build_wave")

    # ---- pages of our own ----

    def get_urls(self):
        own = [
            path("build/", self.admin_site.admin_view(self.build_view), name="warehouse_wave_build"),
            path("pickers/", self.admin_site.admin_view(self.pickers_view), name="warehouse_wave_pickers"),
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The wave's page, with its execution sheets and labels to print (one PDF each)."""
        wave = self.get_object(request, object_id)
        extra = {
            "can_print": may_print(request.user),
            "labels_issued": labels_issued(wave) if wave is not None else 0,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def changelist_view(self, request, extra_context=None):
        extra = {"can_build": self.has_build_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def _page(self, request, *, title, form, submit, back, hidden=(), objects=(), intro=""):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "title": title, "form": form, "submit": submit, "back": back,
            "hidden": list(hidden), "objects": list(objects), "intro": intro,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/warehouse/form_page.html", context)

    def build_view(self, request):
        if not self.has_build_permission(request):
            raise PermissionDenied
        back = reverse("admin:warehouse_wave_changelist")
        form = BuildForm(request.POST or None, warehouses=warehouses_for(request.user))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                waves = wave_build(
                    warehouse=data["warehouse"], actor=request.user, max_orders=data["max_orders"],
                    max_units=data["max_units"], ship_by=data["ship_by"],
                )
            except FloorRefused as exc:
                form.add_error(None, exc.message)
            else:
                if waves:
                    messages.success(
                        request,
                        _("已生成 %(n)d 个波次，共 %(orders)d 单")
                        % {"n": len(waves), "orders": sum(w.order_count for w in waves)},
                    )
                else:
                    messages.info(request, _("没有等待拣货的订单"))
                return HttpResponseRedirect(back)
        return self._page(request, title=_("生成波次"), form=form, submit=_("生成"), back=back,
                          intro=_("把该仓「待拣货」的订单按优先级、承诺发货时间和快递公司分成波次。"))

    def pickers_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            day = date.fromisoformat(request.GET.get("day", ""))
        except ValueError:
            day = timezone.localdate()
        warehouse_ids = list(warehouses_shown_in_admin(request.user).values_list("pk", flat=True))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "title": _("拣货员统计"), "day": day,
            "rows": picker_figures(day=day, warehouse_ids=warehouse_ids),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/warehouse/pickers.html", context)

    # ---- actions ----

    def _each(self, request, waves, call, done: str) -> None:
        ok = 0
        for wave in waves:
            try:
                call(wave)
                ok += 1
            except FloorRefused as exc:
                messages.error(request, f"{wave.number}: {exc.message}")
        if ok:
            messages.success(request, done % {"n": ok})

    def _too_many(self, request, queryset) -> list | None:
        waves = list(queryset.order_by("pk")[: MAX_BATCH + 1])
        if len(waves) > MAX_BATCH:
            messages.error(request, _("一次最多处理 %(max)d 个波次") % {"max": MAX_BATCH})
            return None
        return waves

    def _hidden(self, action: str, waves) -> list:
        return [("action", action)] + [(helpers.ACTION_CHECKBOX_NAME, wave.pk) for wave in waves]

    @admin.action(description=gettext_lazy("下发所选波次…"), permissions=["release"])
    def release_waves(self, request, queryset):
        waves = self._too_many(request, queryset)
        if waves is None:
            return None
        ids = {wave.warehouse_id for wave in waves}
        form = AssignForm(request.POST if "apply" in request.POST else None, warehouse_ids=ids)
        if form.is_valid():
            assignee = form.cleaned_data["assignee"]
            self._each(request, waves, lambda w: wave_release(wave=w, actor=request.user, assignee=assignee),
                       _("已下发 %(n)d 个波次"))
            return None
        return self._page(request, title=_("下发波次"), form=form, submit=_("下发"), back=request.get_full_path(),
                          hidden=self._hidden("release_waves", waves), objects=waves)

    @admin.action(description=gettext_lazy("改派所选波次…"), permissions=["release"])
    def reassign_waves(self, request, queryset):
        waves = self._too_many(request, queryset)
        if waves is None:
            return None
        form = AssignForm(request.POST if "apply" in request.POST else None,
                          warehouse_ids={wave.warehouse_id for wave in waves})
        if form.is_valid():
            assignee = form.cleaned_data["assignee"]
            self._each(request, waves, lambda w: wave_reassign(wave=w, assignee=assignee, actor=request.user),
                       _("已改派 %(n)d 个波次"))
            return None
        return self._page(request, title=_("改派波次"), form=form, submit=_("改派"), back=request.get_full_path(),
                          hidden=self._hidden("reassign_waves", waves), objects=waves)

    @admin.action(description=gettext_lazy("取消所选波次…"), permissions=["cancel"])
    def cancel_waves(self, request, queryset):
        waves = self._too_many(request, queryset)
        if waves is None:
            return None
        form = CancelForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            note = form.cleaned_data["note"]
            self._each(request, waves, lambda w: wave_cancel(wave=w, actor=request.user, note=note),
                       _("已取消 %(n)d 个波次，订单已退回待拣货"))
            return None
        return self._page(request, title=_("取消波次"), form=form, submit=_("取消波次"), back=request.get_full_path(),
                          hidden=self._hidden("cancel_waves", waves), objects=waves,
                          intro=_("拣货中的订单退回「待拣货」，已拣的商品请放回原库位。"))
