"""After-sales in admin: the list of requests, each request's page with its lines and photos, and
its buttons (同意, 拒绝, 登记退款); ops open a request for an order from 新建售后单. Every button
calls one service in ``orders.services.returns``; a refusal is shown and changes nothing."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_mixins import DeclaredFiltersOnlyMixin
from orders.admin.display import local_time
from orders.models import Order
from orders.returns_models import ReturnKind, ReturnReason, ReturnRequest, ReturnSource, ReturnStatus
from orders.services.errors import OrderActionRefused
from orders.services.returns import (
    OPS_RETURNABLE,
    RequestedLine,
    return_approve,
    return_refund,
    return_refuse,
    return_request_create,
    returned_quantities,
    suggested_refund,
)


class ApproveForm(forms.Form):
    refund_amount = forms.DecimalField(label=gettext_lazy("退款金额"), max_digits=12, decimal_places=2, min_value=0,
                                       required=False, help_text=gettext_lazy("留空按商品实付单价计算；换货无需退款"))
    note = forms.CharField(label=gettext_lazy("说明（会告知买家）"), max_length=500, required=False)


class RefuseForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("拒绝原因（会告知买家）"), max_length=500)


class RefundForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("平台退款单号"), max_length=64, required=False)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)


#: button name → (label, permission, form, service call, statuses it applies to)
BUTTONS = {
    "approve": (gettext_lazy("同意"), "orders.decide_returnrequest", ApproveForm, (ReturnStatus.REQUESTED,)),
    "refuse": (gettext_lazy("拒绝"), "orders.decide_returnrequest", RefuseForm, (ReturnStatus.REQUESTED,)),
    "refund": (gettext_lazy("登记退款"), "orders.refund_returnrequest", RefundForm,
               (ReturnStatus.APPROVED, ReturnStatus.RECEIVED)),
}


def _run(name: str, request_obj: ReturnRequest, actor, data: dict) -> ReturnRequest:
    if name == "approve":
        return return_approve(request=request_obj, actor=actor, refund_amount=data.get("refund_amount"),
                              note=data.get("note", ""))
    if name == "refuse":
        return return_refuse(request=request_obj, actor=actor, note=data["note"])
    return return_refund(request=request_obj, actor=actor, reference=data.get("reference", ""),
                         note=data.get("note", ""))


class ReturnRequestAdmin(DeclaredFiltersOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "order_link", "kind", "reason", "status", "refund_status", "refund_amount",
                    "source", "created_local")
    list_filter = ("status", "refund_status", "kind", "reason", "source")
    search_fields = ("number",)
    search_help_text = gettext_lazy("售后单号、订单号或退回运单号")
    list_select_related = ("order",)
    list_per_page = 50
    change_form_template = "admin/orders/returnrequest/change_form.html"
    fields = (
        "number", "order_link", "kind", "reason", "description", "status", "source", "created_local",
        "decision_note", "refund_status", "refund_amount", "refund_reference", "return_carrier",
        "return_tracking", "warehouse", "receive_note", "exchange_order", "lines_table", "photos_strip",
    )
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(number=term) | queryset.filter(order__number=term) | queryset.filter(
            return_tracking=term), False

    def has_add_permission(self, request):
        return request.user.has_perm("orders.add_returnrequest")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("订单"), ordering="order__number")
    def order_link(self, obj):
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">{}</a>', url, obj.order.number)

    @admin.display(description=gettext_lazy("申请时间"), ordering="created_at")
    def created_local(self, obj):
        return local_time(obj.created_at, seconds=False)

    @admin.display(description=gettext_lazy("商品"))
    def lines_table(self, obj):
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((line.sku_code, line.title, line.quantity, line.exchange_sku_code or "-", line.received_quantity,
              line.get_disposition_display() or "-") for line in obj.lines.all()),
        )
        head = format_html("<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                           _("商家编码"), _("商品名称"), _("申请数量"), _("换成"), _("实收数量"), _("处理"))
        return format_html('<table class="oms-return-lines">{}{}</table>', head, rows)

    @admin.display(description=gettext_lazy("照片"))
    def photos_strip(self, obj):
        photos = list(obj.photos.all())
        if not photos:
            return "-"
        return format_html_join(
            " ", '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}" height="96"></a>',
            ((p.image.url, p.thumbnail.url, p.get_stage_display()) for p in photos),
        )

    def get_urls(self):
        own = [
            path("<int:pk>/do/<str:name>/", self.admin_site.admin_view(self.button_view), name="orders_returnrequest_button"),
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        buttons = []
        if obj is not None:
            for name, (label, perm, _form, statuses) in BUTTONS.items():
                if request.user.has_perm(perm) and obj.status in statuses and (
                    name != "refund" or obj.refund_status == "pending"
                ):
                    buttons.append({"label": label, "url": reverse("admin:orders_returnrequest_button",
                                                                   args=[obj.pk, name])})
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "return_buttons": buttons})

    def button_view(self, request, pk: int, name: str):
        if name not in BUTTONS:
            raise PermissionDenied
        label, perm, form_class, _statuses = BUTTONS[name]
        if not request.user.has_perm(perm):
            raise PermissionDenied
        obj = self.get_object(request, str(pk))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(pk))
        back = reverse("admin:orders_returnrequest_change", args=[obj.pk])
        initial = {"refund_amount": suggested_refund(obj)} if name == "approve" and obj.kind != ReturnKind.EXCHANGE else {}
        form = form_class(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                _run(name, obj, request.user, form.cleaned_data)
            except OrderActionRefused as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("售后单 %(number)s：%(action)s完成") % {"number": obj.number, "action": label})
            return HttpResponseRedirect(back)
        context = {**self.admin_site.each_context(request), "title": f"{label} · {obj.number}", "opts": self.opts,
                   "form": form, "back": back, "obj": obj}
        return TemplateResponse(request, "admin/orders/returnrequest/button.html", context)

    def add_view(self, request, form_url="", extra_context=None):
        """新建售后单: find the order by its number, then choose lines, type and reason."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        number = (request.POST.get("order") or request.GET.get("order") or "").strip()
        order = Order.objects.filter(number=number).first() if number else None
        context = {**self.admin_site.each_context(request), "title": _("新建售后单"), "opts": self.opts,
                   "number": number, "order": order, "kinds": ReturnKind.choices, "reasons": ReturnReason.choices}
        if number and order is None:
            context["error"] = _("找不到订单 %(number)s") % {"number": number}
        elif order is not None and order.status not in OPS_RETURNABLE:
            context["error"] = _("订单当前状态为「%(status)s」，发货后才能建售后单") % {"status": order.get_status_display()}
            order = context["order"] = None
        if order is not None:
            taken = returned_quantities(order)
            context["lines"] = [(line, line.quantity - taken.get(line.pk, 0)) for line in order.lines.all()]
        if order is not None and request.method == "POST" and "kind" in request.POST:
            wanted = []
            for line, _left in context["lines"]:
                raw = request.POST.get(f"quantity_{line.pk}", "").strip()
                if raw and raw != "0":
                    quantity = int(raw) if raw.isdigit() and len(raw) < 7 else -1
                    wanted.append(RequestedLine(line.pk, quantity, request.POST.get(f"exchange_{line.pk}", "")))
            try:
                created = return_request_create(
                    order=order, kind=request.POST.get("kind", ""), reason=request.POST.get("reason", ""),
                    lines=wanted, description=request.POST.get("description", ""), source=ReturnSource.OPS,
                    actor=request.user,
                )
            except OrderActionRefused as exc:
                context["error"] = exc.message
            else:
                messages.success(request, _("已建售后单 %(number)s") % {"number": created.number})
                return HttpResponseRedirect(reverse("admin:orders_returnrequest_change", args=[created.pk]))
        return TemplateResponse(request, "admin/orders/returnrequest/add.html", context)
