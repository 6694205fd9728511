"""Order admin actions of the order flow: merge the selected orders (合单), split chosen lines off
an order (拆单, its own small page), send orders to the warehouse the routing picks now (重新分仓)
and run the auto-review again (重新审单). Each calls one ``orders.services`` function and reports
what it did or why not."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.admin.actions import MAX_BATCH
from orders.services.errors import OrderActionRefused
from orders.services.merge import order_merge
from orders.services.split import order_split
from orders.states import BEFORE_PICKING


class SplitForm(forms.Form):
    lines = forms.MultipleChoiceField(
        label=gettext_lazy("拆出的商品行"), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请选择要拆出的商品行")},
    )
    note = forms.CharField(
        label=gettext_lazy("说明"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), help_text=gettext_lazy("记录在两张订单的日志里"),
    )

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [
            (line.pk, f"{line.sku_code} × {line.quantity} {line.title}") for line in order.lines.order_by("pk")
        ]


class SplitAction:
    """What the confirmation page shows for a split (it reads ``label``, ``intro``, ``submit``)."""

    name = "split"
    label = gettext_lazy("拆单")
    intro = gettext_lazy("选中的商品行会拆到一张新订单（新订单号，同样的平台订单号），两单分别发货：")
    submit = gettext_lazy("确认拆单")
    danger = False


class FlowActionsMixin:
    """Adds the split page and the merge action to ``OrderAdmin``."""

    def has_merge_permission(self, request, obj=None):
        return request.user.has_perm("orders.merge_order")

    def flow_urls(self):
        return [
            path("<path:object_id>/split/", self.admin_site.admin_view(self.split_view), name="orders_order_split"),
        ]

    def flow_buttons(self, request, order) -> list[dict]:
        if not self.has_merge_permission(request) or order.status not in BEFORE_PICKING or order.lines.count() < 2:
            return []
        return [{"label": SplitAction.label, "url": reverse("admin:orders_order_split", args=[order.pk]), "post": False,
                 "danger": False}]

    def split_view(self, request, object_id):
        if not self.has_merge_permission(request):
            raise PermissionDenied
        order = self.get_object(request, unquote(object_id))
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        back = reverse("admin:orders_order_change", args=[order.pk], current_app=self.admin_site.name)
        form = SplitForm(request.POST if request.method == "POST" else None, order=order)
        if form.is_valid():
            try:
                new = order_split(
                    order=order.pk, line_ids=[int(pk) for pk in form.cleaned_data["lines"]], actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except OrderActionRefused as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已拆单：新订单 %(number)s") % {"number": new.number})
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": SplitAction.label, "opts": self.opts, "action": SplitAction, "orders": [order], "form": form,
            "hidden": [], "back": back, "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orders/order/action_confirm.html", context)

    @admin.action(description=gettext_lazy("合并所选订单（同一收件人、同一发货仓）"), permissions=["merge"])
    def merge_orders(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True)[: MAX_BATCH + 1])
        if len(ids) > MAX_BATCH:
            messages.error(request, _("一次最多处理 %(max)d 单，请缩小范围") % {"max": MAX_BATCH})
            return
        try:
            merged = order_merge(orders=ids, actor=request.user)
        except OrderActionRefused as exc:
            messages.error(request, exc.message)
            return
        messages.success(request, _("已合单：%(count)d 单并入 %(number)s") % {"count": len(ids) - 1, "number": merged.number})

    @admin.action(description=gettext_lazy("按分仓规则重新分仓"), permissions=["merge"])
    def reroute_orders(self, request, queryset):
        return self._bulk(request, queryset, "reroute")

    @admin.action(description=gettext_lazy("重新自动审单"), permissions=["approve"])
    def review_orders(self, request, queryset):
        return self._bulk(request, queryset, "review")
