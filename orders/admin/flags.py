"""异常订单: every exception flag, open ones first and oldest first (sorted by age), with who
resolved it, when and how. Read-only; a person resolves an order's exceptions with the order
action 处理异常 (``order_clear_exception``), from here in bulk or from the order page."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_mixins import DeclaredFiltersOnlyMixin, ReadOnlyAdminMixin
from orders.admin.actions import ACTIONS, MAX_BATCH, run_action
from orders.admin.display import can_view_pii, local_time, note_for
from orders.flow_models import OrderFlag
from orders.models import Order


class OpenFilter(admin.SimpleListFilter):
    title = gettext_lazy("处理状态")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("未处理")), ("no", _("已处理")), ("all", _("全部"))]

    def choices(self, changelist):
        value = self.value() or "yes"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "yes"
        if value == "yes":
            return queryset.filter(resolved_at__isnull=True)
        if value == "no":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


def age(since) -> str:
    minutes = max(int((timezone.now() - since).total_seconds() // 60), 0)
    if minutes < 60:
        return _("%(m)d 分钟") % {"m": minutes}
    if minutes < 48 * 60:
        return _("%(h)d 小时 %(m)d 分") % {"h": minutes // 60, "m": minutes % 60}
    return _("%(d)d 天") % {"d": minutes // 1440}


@admin.register(OrderFlag)
class OrderFlagAdmin(DeclaredFiltersOnlyMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display_links = None
    list_filter = (OpenFilter, "reason", "order__warehouse")
    list_select_related = ("order", "order__warehouse", "resolved_by")
    ordering = ("raised_at", "id")
    list_per_page = 100
    actions = ("resolve_orders",)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("orders.view_order")

    def has_resolve_permission(self, request):
        return request.user.has_perm("orders.resolve_exception_order")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": _("异常订单（等待最久的在前）")}
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("订单"), ordering="order__number")
    def order_link(self, flag):
        url = reverse("admin:orders_order_change", args=[flag.order_id])
        return format_html('<a href="{}">{}</a>', url, flag.order.number)

    @admin.display(description=gettext_lazy("异常"), ordering="reason")
    def reason_badge(self, flag):
        css = "oms-badge oms-exception" if flag.resolved_at is None else "oms-badge"
        return format_html('<span class="{}">{}</span>', css, flag.get_reason_display())

    def get_list_display(self, request):
        note = "note_full" if can_view_pii(request.user) else "note_masked"
        return ("order_link", "reason_badge", note, "raised_local", "age_display", "warehouse", "escalated",
                "resolved_display")

    @admin.display(description=gettext_lazy("说明"))
    def note_masked(self, flag):
        return note_for(flag.note, full=False) or "-"

    @admin.display(description=gettext_lazy("说明"))
    def note_full(self, flag):
        return flag.note or "-"

    @admin.display(description=gettext_lazy("发现时间"), ordering="raised_at")
    def raised_local(self, flag):
        return local_time(flag.raised_at, seconds=False)

    @admin.display(description=gettext_lazy("已等待"))
    def age_display(self, flag):
        return age(flag.raised_at) if flag.resolved_at is None else "-"

    @admin.display(description=gettext_lazy("发货仓"))
    def warehouse(self, flag):
        return flag.order.warehouse or "-"

    @admin.display(description=gettext_lazy("已通知主管"), boolean=True)
    def escalated(self, flag):
        return flag.escalated_at is not None

    @admin.display(description=gettext_lazy("处理"))
    def resolved_display(self, flag):
        if flag.resolved_at is None:
            return "-"
        return format_html(
            "{} {}<br><span class=\"oms-sub\">{}</span>",
            flag.resolved_by or _("系统"), local_time(flag.resolved_at, seconds=False), flag.resolution,
        )

    @admin.action(description=gettext_lazy("处理所选异常（按订单）…"), permissions=["resolve"])
    def resolve_orders(self, request, queryset):
        if not self.has_resolve_permission(request):
            raise PermissionDenied
        order_ids = sorted(set(queryset.values_list("order_id", flat=True)[: MAX_BATCH + 1]))
        if len(order_ids) > MAX_BATCH:
            messages.error(request, _("一次最多处理 %(max)d 单，请缩小范围") % {"max": MAX_BATCH})
            return None
        orders = list(Order.objects.filter(pk__in=order_ids).order_by("pk"))
        action = ACTIONS["clear_exception"]
        form = action.form_class(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            run_action(request, action, orders, form.cleaned_data)
            return None
        hidden = [("action", "resolve_orders")] + [
            (helpers.ACTION_CHECKBOX_NAME, pk) for pk in queryset.values_list("pk", flat=True)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": action.label,
            "opts": Order._meta,
            "action": action,
            "orders": orders,
            "form": form,
            "hidden": hidden,
            "back": request.get_full_path(),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/orders/order/action_confirm.html", context)
