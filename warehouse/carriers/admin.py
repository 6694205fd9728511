"""Admin for carriers and rates (plain editing, like the catalogue) and for shipments (read-only
rows; every change through ``warehouse.carriers.services``: propose, change carrier with a
reason, issue, void; and printing)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_mixins import ReadOnlyAdminMixin
from orders.address import normalize_province
from warehouse.carriers.errors import ShippingRefused
from warehouse.carriers.provinces import PROVINCES
from warehouse.carriers.services import shipment_choose, shipment_issue, shipment_propose, shipment_void
from warehouse.models.carriers import Carrier, CarrierPickup, CarrierRate, CarrierService, RateZone, Shipment
from warehouse.printing.data import labels_for, orders_by_number, sheets_for
from warehouse.printing.fonts import CJKFontMissing
from warehouse.printing.label import labels_pdf
from warehouse.printing.sheet import sheets_pdf
from warehouse.printing.views import MAX_ORDERS, parse_entries, pdf_response

MAX_BATCH = 200


class CarrierServiceInline(admin.TabularInline):
    model = CarrierService
    extra = 0
    fields = ("name", "level", "volumetric_divisor", "active")


class CarrierPickupInline(admin.TabularInline):
    model = CarrierPickup
    extra = 0
    fields = ("warehouse", "cutoff")


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "short_name", "adapter", "active")
    list_filter = ("active",)
    search_fields = ("=code", "name")
    inlines = (CarrierServiceInline, CarrierPickupInline)


class CarrierRateInline(admin.TabularInline):
    model = CarrierRate
    extra = 0
    fields = ("zone", "first_weight_g", "first_price", "step_weight_g", "step_price", "transit_days")
    autocomplete_fields = ("zone",)


@admin.register(CarrierService)
class CarrierServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "carrier", "level", "volumetric_divisor", "active")
    list_filter = ("carrier", "level", "active")
    list_select_related = ("carrier",)
    search_fields = ("name", "carrier__name")
    inlines = (CarrierRateInline,)


class RateZoneForm(forms.ModelForm):
    class Meta:
        model = RateZone
        fields = ("warehouse", "name", "provinces", "sequence")

    def clean_provinces(self):
        provinces = self.cleaned_data["provinces"]
        if not isinstance(provinces, list) or not all(isinstance(p, str) for p in provinces):
            raise ValidationError(_("请填写省份列表，如 [\"浙江\", \"江苏\"]"))
        names = [normalize_province(p) for p in provinces]
        unknown = [p for p in names if p not in PROVINCES]
        if unknown:
            raise ValidationError(_("未知省份：%(names)s") % {"names": "、".join(unknown)})
        return names

    def clean(self):
        cleaned = super().clean()
        warehouse, names = cleaned.get("warehouse"), cleaned.get("provinces")
        if warehouse and names:
            others = RateZone.objects.filter(warehouse=warehouse).exclude(pk=self.instance.pk)
            taken = sorted({p for zone in others for p in zone.provinces} & set(names))
            if taken:
                self.add_error("provinces", _("这些省份已在该仓的其他分区：%(names)s") % {"names": "、".join(taken)})
        return cleaned


@admin.register(RateZone)
class RateZoneAdmin(admin.ModelAdmin):
    form = RateZoneForm
    list_display = ("name", "warehouse", "province_list", "sequence")
    list_filter = ("warehouse",)
    list_select_related = ("warehouse",)
    search_fields = ("name", "warehouse__name")

    @admin.display(description=gettext_lazy("目的省份"))
    def province_list(self, zone):
        return "、".join(zone.provinces)


@admin.register(CarrierRate)
class CarrierRateAdmin(admin.ModelAdmin):
    """The whole rate table: filter by warehouse or carrier, edit prices in the list."""

    list_display = ("service", "zone", "first_weight_g", "first_price", "step_weight_g", "step_price", "transit_days")
    list_editable = ("first_price", "step_price", "transit_days")
    list_filter = ("zone__warehouse", "service__carrier", "service__level", "zone__name")
    list_select_related = ("service__carrier", "zone__warehouse")
    autocomplete_fields = ("zone",)
    list_per_page = 200


class ChooseForm(forms.Form):
    service = forms.ModelChoiceField(
        label=gettext_lazy("改为"),
        queryset=CarrierService.objects.filter(active=True, carrier__active=True).select_related("carrier"),
    )
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=200, widget=forms.TextInput(attrs={"size": 60}))


class VoidForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("作废原因"), max_length=200, widget=forms.TextInput(attrs={"size": 60}))


class ProposeForm(forms.Form):
    orders = forms.CharField(
        label=gettext_lazy("订单号"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=gettext_lazy("一个或多个订单号，用逗号或换行分隔"),
    )
    weight_g = forms.IntegerField(label=gettext_lazy("重量(克)"), min_value=1, max_value=100_000)


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("order", "status", "service_column", "price", "weight_g", "waybill_number", "sort_code", "issued_at")
    list_filter = ("status", "carrier", ("changed_by", admin.EmptyFieldListFilter))
    list_select_related = ("order", "service", "proposed_service")
    search_fields = ("=order__number", "=waybill_number")
    search_help_text = gettext_lazy("订单号或运单号（完整）")
    fields = (
        "order", "status", "proposed_service", "proposal_reason", "quote_table", "service", "carrier",
        "changed_by", "change_reason", "zone_name", "weight_g", "billing_weight_g", "price",
        "waybill_number", "sort_code", "hub", "issued_at", "issued_by", "attempt", "print_links",
    )
    readonly_fields = fields
    actions = ("issue", "choose", "void", "print_labels", "print_labels_large", "print_sheets")

    def has_issue_waybill_permission(self, request):
        return request.user.has_perm("warehouse.issue_waybill")

    def has_choose_carrier_permission(self, request):
        return request.user.has_perm("warehouse.choose_carrier")

    def has_print_documents_permission(self, request):
        return request.user.has_perm("warehouse.print_documents")

    @admin.display(description=gettext_lazy("快递服务"))
    def service_column(self, shipment):
        if shipment.service_id and shipment.service_id != shipment.proposed_service_id:
            return format_html("{} <small>({}: {})</small>", shipment.service, _("推荐"), shipment.proposed_service)
        return shipment.service

    @admin.display(description=gettext_lazy("比价"))
    def quote_table(self, shipment):
        rows = format_html_join(
            "", "<tr><td>{}</td><td>¥{}</td><td>{} g</td><td>{}</td><td>{}</td></tr>",
            ((q["service"], q["price"], q["billing_weight_g"], q["transit_days"], "✓" if q["meets_priority"] else "")
             for q in shipment.quotes),
        )
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("服务"), _("运费"), _("计费重"), _("时效(天)"), _("满足优先级"),
        )
        return format_html("<table>{}{}</table>", head, rows)

    @admin.display(description=gettext_lazy("打印"))
    def print_links(self, shipment):
        number = shipment.order.number
        links = [(reverse("printing:sheet", args=[number]), _("仓库执行单"))]
        if shipment.waybill_number:
            label = reverse("printing:label", args=[number])
            links += [(label, _("面单 76×130")), (f"{label}?size=100x150", _("面单 100×150"))]
        return format_html_join(" · ", '<a href="{}" target="_blank">{}</a>', links)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("propose/", view(self.propose_view), name="warehouse_shipment_propose"),
            path("<int:pk>/act/<str:action>/", view(self.one_view), name="warehouse_shipment_act"),
            *super().get_urls(),
        ]

    #: actions offered as buttons on a shipment's page: name -> permission they need
    PAGE_ACTIONS = {"choose": "warehouse.choose_carrier", "issue": "warehouse.issue_waybill", "void": "warehouse.issue_waybill"}

    def one_view(self, request, pk: int, action: str):
        """A page button: the same action (form and service) as in the list, for this shipment."""
        page = reverse("admin:warehouse_shipment_change", args=[pk])
        if action not in self.PAGE_ACTIONS or not request.user.has_perm(self.PAGE_ACTIONS[action]):
            messages.error(request, _("没有这项操作的权限"))
            return HttpResponseRedirect(page)
        if action == "issue" and request.method != "POST":
            return HttpResponseRedirect(page)
        response = getattr(self, action)(request, Shipment.objects.filter(pk=pk))
        return response or HttpResponseRedirect(page)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        buttons = [name for name, perm in self.PAGE_ACTIONS.items() if request.user.has_perm(perm)]
        return super().change_view(request, object_id, form_url, {"page_actions": buttons, **(extra_context or {})})

    def changelist_view(self, request, extra_context=None):
        extra = {"can_propose": request.user.has_perm("warehouse.choose_carrier"), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def _each(self, request, shipments, call, done: str) -> None:
        for shipment in shipments:
            try:
                result = call(shipment)
            except ShippingRefused as exc:
                messages.error(request, _("%(number)s：%(message)s，未做修改") % {"number": shipment.order.number, "message": exc.message})
            else:
                messages.success(request, done % {"number": shipment.order.number, "waybill": result.waybill_number,
                                                  "service": result.service})

    def _batch(self, request, queryset):
        shipments = list(queryset.select_related("order", "service")[: MAX_BATCH + 1])
        if len(shipments) > MAX_BATCH:
            messages.error(request, _("一次最多处理 %(max)d 个发货单，请缩小范围") % {"max": MAX_BATCH})
            return None
        return shipments

    def _form_page(self, request, *, action, title, intro, form, shipments=None, submit):
        context = {
            **self.admin_site.each_context(request), "title": title, "opts": self.opts, "intro": intro,
            "form": form, "shipments": shipments or [], "submit": submit,
            "hidden": [("action", action)] + [(helpers.ACTION_CHECKBOX_NAME, s.pk) for s in shipments or []],
            "back": request.get_full_path(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/warehouse/shipment/action_form.html", context)

    @admin.action(description=gettext_lazy("出面单"), permissions=["issue_waybill"])
    def issue(self, request, queryset):
        shipments = self._batch(request, queryset)
        if shipments is not None:
            self._each(request, shipments, lambda s: shipment_issue(order=s.order_id, actor=request.user),
                       _("%(number)s 已出面单 %(waybill)s"))

    @admin.action(description=gettext_lazy("改派快递…"), permissions=["choose_carrier"])
    def choose(self, request, queryset):
        shipments = self._batch(request, queryset)
        if shipments is None:
            return None
        form = ChooseForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            service, reason = form.cleaned_data["service"], form.cleaned_data["reason"]
            self._each(request, shipments,
                       lambda s: shipment_choose(order=s.order_id, service=service, reason=reason, actor=request.user),
                       _("%(number)s 已改为 %(service)s"))
            return None
        return self._form_page(request, action="choose", title=_("改派快递"), form=form, shipments=shipments,
                               intro=_("已出面单的订单需先作废面单。所选服务必须发往订单的运费分区。"), submit=_("确认改派"))

    @admin.action(description=gettext_lazy("作废面单…"), permissions=["issue_waybill"])
    def void(self, request, queryset):
        shipments = self._batch(request, queryset)
        if shipments is None:
            return None
        form = VoidForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(request, shipments, lambda s: shipment_void(order=s.order_id, reason=reason, actor=request.user),
                       _("%(number)s 的面单已作废"))
            return None
        return self._form_page(request, action="void", title=_("作废面单"), form=form, shipments=shipments,
                               intro=_("作废后旧面单不能再用；重新出面单会得到新运单号。"), submit=_("确认作废"))

    def _pdf(self, request, make, filename):
        try:
            return pdf_response(make(), filename)
        except (ShippingRefused, CJKFontMissing) as exc:
            messages.error(request, exc.message)
            return None

    def _orders(self, queryset):
        return [s.order for s in queryset.select_related("order").order_by("order__number")[:MAX_ORDERS]]

    @admin.action(description=gettext_lazy("打印面单 76×130"), permissions=["print_documents"])
    def print_labels(self, request, queryset, size="76x130"):
        orders = self._orders(queryset)
        return self._pdf(request, lambda: labels_pdf(labels_for(orders), size=size), f"labels-{len(orders)}.pdf")

    @admin.action(description=gettext_lazy("打印面单 100×150"), permissions=["print_documents"])
    def print_labels_large(self, request, queryset):
        return self.print_labels(request, queryset, size="100x150")

    @admin.action(description=gettext_lazy("打印仓库执行单"), permissions=["print_documents"])
    def print_sheets(self, request, queryset):
        orders = self._orders(queryset)
        entries = [(order, "") for order in orders]
        return self._pdf(
            request, lambda: sheets_pdf(sheets_for(entries, url_for=request.build_absolute_uri)),
            f"sheets-{len(orders)}.pdf",
        )

    def propose_view(self, request):
        if not request.user.has_perm("warehouse.choose_carrier"):
            messages.error(request, _("没有修改快递的权限"))
            return HttpResponseRedirect(reverse("admin:warehouse_shipment_changelist"))
        form = ProposeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                numbers = [number for number, _slot in parse_entries(form.cleaned_data["orders"])]
                orders = orders_by_number(numbers)
            except ShippingRefused as exc:
                form.add_error("orders", exc.message)
            else:
                weight = form.cleaned_data["weight_g"]
                for order in orders:
                    try:
                        shipment = shipment_propose(order=order, weight_g=weight, actor=request.user)
                    except ShippingRefused as exc:
                        messages.error(request, _("%(number)s：%(message)s，未做修改") % {"number": order.number, "message": exc.message})
                    else:
                        messages.success(request, f"{order.number}：{shipment.proposal_reason}")
                return HttpResponseRedirect(reverse("admin:warehouse_shipment_changelist"))
        return self._form_page(request, action="", title=_("推荐快递"), form=form, submit=_("推荐"),
                               intro=_("按订单的配送优先级和目的地，选满足时效的最便宜服务；已出面单的订单不变。"))
