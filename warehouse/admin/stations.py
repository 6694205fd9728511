"""Station waves for supervisors: build waves of the group-buy stations' 待拣货 orders, print each
run's station manifest, send the packed orders on the delivery run. Each action calls one
``warehouse.services`` function; the waves themselves are worked like any other on the floor."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_mixins import ReadOnlyAdminMixin
from inventory.models import Warehouse
from warehouse.models import StationWave
from warehouse.selectors import warehouses_for, warehouses_shown_in_admin
from warehouse.services import FloorRefused, station_wave_dispatch, station_waves_build


class StationBuildForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=gettext_lazy("仓库"), queryset=Warehouse.objects.none())
    max_units = forms.IntegerField(
        label=gettext_lazy("每波次最多件数"), min_value=1, max_value=10000, required=False,
        help_text=gettext_lazy("留空则用仓库设置；一个站点超过时分成几个波次"),
    )

    def __init__(self, *args, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouses


@admin.register(StationWave)
class StationWaveAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("wave_link", "station", "warehouse", "wave_status", "orders", "dispatched_at", "manifest")
    list_filter = ("wave__warehouse", "station__region")
    list_select_related = ("wave", "wave__warehouse", "station")
    search_fields = ("=wave__number", "station__name", "=station__code")
    search_help_text = gettext_lazy("波次号、站点名称或编码")
    actions = ("dispatch",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(wave__warehouse__in=warehouses_shown_in_admin(request.user))

    @admin.display(description=gettext_lazy("波次"), ordering="wave__number")
    def wave_link(self, station_wave):
        url = reverse("admin:warehouse_wave_change", args=[station_wave.wave_id])
        return format_html('<a href="{}">{}</a>', url, station_wave.wave.number)

    @admin.display(description=gettext_lazy("仓库"))
    def warehouse(self, station_wave):
        return station_wave.wave.warehouse

    @admin.display(description=gettext_lazy("波次状态"))
    def wave_status(self, station_wave):
        return station_wave.wave.get_status_display()

    @admin.display(description=gettext_lazy("订单数"))
    def orders(self, station_wave):
        return station_wave.wave.order_count

    @admin.display(description=gettext_lazy("配送清单"))
    def manifest(self, station_wave):
        url = reverse("printing:manifest", args=[station_wave.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("打印 PDF"))

    def has_build_permission(self, request):
        return request.user.has_perm("warehouse.build_wave")

    def has_dispatch_permission(self, request):
        return request.user.has_perm("warehouse.dispatch_stationwave")

    def get_urls(self):
        own = [path("build/", self.admin_site.admin_view(self.build_view), name="warehouse_stationwave_build")]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra = {"can_build": self.has_build_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def build_view(self, request):
        if not self.has_build_permission(request):
            raise PermissionDenied
        back = reverse("admin:warehouse_stationwave_changelist")
        form = StationBuildForm(request.POST or None, warehouses=warehouses_for(request.user))
        if request.method == "POST" and form.is_valid():
            try:
                waves = station_waves_build(
                    warehouse=form.cleaned_data["warehouse"], actor=request.user,
                    max_units=form.cleaned_data["max_units"],
                )
            except FloorRefused as exc:
                form.add_error(None, exc.message)
            else:
                if waves:
                    messages.success(request, _("已生成 %(n)d 个站点波次，共 %(orders)d 单") % {
                        "n": len(waves), "orders": sum(w.order_count for w in waves)})
                else:
                    messages.info(request, _("没有等待拣货的站点订单"))
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "title": _("按站点生成波次"), "form": form,
            "submit": _("生成"), "back": back, "hidden": [], "objects": [],
            "intro": _("把该仓「待拣货」的团购订单按自提站点分成波次：每个站点一个波次，每户一个格口。"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/warehouse/form_page.html", context)

    @admin.action(description=gettext_lazy("装车发往站点"), permissions=["dispatch"])
    def dispatch(self, request, queryset):
        for station_wave in queryset.order_by("pk"):
            try:
                result = station_wave_dispatch(station_wave=station_wave, actor=request.user)
            except FloorRefused as exc:
                messages.error(request, f"{station_wave.wave.number}: {exc.message}")
                continue
            text = _("%(run)s 发往 %(station)s：%(n)d 单") % {
                "run": station_wave.wave.number, "station": station_wave.station, "n": len(result.shipped)}
            if result.left:
                text += _("；留下 %(n)d 单（%(why)s）") % {
                    "n": len(result.left), "why": "；".join(f"{k} {v}" for k, v in list(result.left.items())[:5])}
            messages.add_message(request, messages.SUCCESS if result.shipped else messages.WARNING, text)
