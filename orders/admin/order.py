"""The order list and the order page for ops staff.

Read-only: nobody adds, edits or deletes an order here. Every change is an action that calls one
``orders.services`` function (see ``orders.admin.actions``), checked against the user's
permissions on the server.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from core.admin_mixins import DeclaredFiltersOnlyMixin
from core.admin_paginator import LargeListMixin
from orders.admin.actions import ACTIONS, MAX_BATCH, OrderAction, run_action
from orders.admin.display import (
    EMPTY,
    address_for,
    can_view_pii,
    local_time,
    note_for,
    phone_cell,
    recipient_cell,
    status_badge,
    two_lines,
)
from orders.admin.filters import ImportJobFilter, PrivacyFilter, ShippedFilter, ShortSkuFilter
from orders.admin.flow_actions import FlowActionsMixin
from orders.admin.inlines import ArchivedEventInline, OrderEventInline, OrderLineInline, OrderSourceInline
from orders.admin.panels import render_order_panels
from orders.admin.privacy import PrivacyColumnsMixin
from orders.admin.search import search_orders
from orders.admin.shortages import ShortagesMixin
from orders.models import Order, OrderEventArchive
from orders.states import ExceptionReason, HoldReason, OrderStatus


class HoldFilter(admin.SimpleListFilter):
    title = gettext_lazy("挂起")
    parameter_name = "hold"

    def lookups(self, request, model_admin):
        return [("yes", _("挂起中（全部）")), ("no", _("未挂起")), *HoldReason.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "yes":
            return queryset.filter(status=OrderStatus.ON_HOLD)
        if value == "no":
            return queryset.exclude(status=OrderStatus.ON_HOLD)
        if value in HoldReason.values:
            return queryset.filter(status=OrderStatus.ON_HOLD, hold_reason=value)
        return queryset


class ExceptionFilter(admin.SimpleListFilter):
    title = gettext_lazy("异常")
    parameter_name = "exception"

    def lookups(self, request, model_admin):
        return [("yes", _("有异常")), ("no", _("无异常")), *ExceptionReason.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "yes":
            # ``> ''`` (the same rows: never NULL) is what the partial index ``order_exception_idx`` holds.
            return queryset.filter(exception_reason__gt="")
        if value == "no":
            return queryset.filter(exception_reason="")
        if value in ExceptionReason.values:
            return queryset.filter(exception_reason=value)
        return queryset


class OrderAdmin(
    FlowActionsMixin, ShortagesMixin, DeclaredFiltersOnlyMixin, LargeListMixin, PrivacyColumnsMixin, admin.ModelAdmin
):
    list_display_links = ("number",)
    list_filter = (
        "status",
        ExceptionFilter,
        HoldFilter,
        ShippedFilter,
        PrivacyFilter,
        ImportJobFilter,
        ShortSkuFilter,
        "channel",
        "warehouse",
        ("created_at", admin.DateFieldListFilter),
        ("placed_at", admin.DateFieldListFilter),
    )
    list_select_related = ("channel", "warehouse")
    list_per_page = 50
    # Only columns an index serves in both directions (``Order.Meta.indexes``): a sort by status or
    # shop would read and sort every order.
    sortable_by = ("number", "paid_amount", "shipping_column", "placed_column")
    # The search box is ``get_search_results``: exact, indexed matches only.
    search_fields = ("number",)
    search_help_text = gettext_lazy("订单号、平台订单号、运单号或完整手机号（可一次粘贴多个）")
    ordering = ("-id",)
    actions = (
        "approve_orders", "hold_orders", "release_orders", "cancel_orders", "clear_exceptions", "merge_orders",
        "reroute_orders", "review_orders",
    )
    inlines = (OrderLineInline, OrderSourceInline, OrderEventInline)
    change_form_template = "admin/orders/order/change_form.html"
    readonly_fields = (
        "number", "status_display", "channel", "platform_numbers", "placed_at_local", "paid_at_local",
        "priority", "promised_ship_at_local", "recipient_name", "phone_full", "phone_masked", "address_full",
        "address_masked", "buyer_note", "seller_note", "buyer_note_masked", "seller_note_masked", "goods_amount",
        "shipping_fee", "discount_amount", "paid_amount_display", "warehouse", "reservation_summary", "carrier",
        "tracking_number", "exception_display", "exception_display_full", "status_display_full",
    )

    # ---- permissions: read-only pages; actions by their own permissions ----

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_approve_permission(self, request, obj=None):
        return request.user.has_perm("orders.approve_order")

    def has_hold_permission(self, request, obj=None):
        return request.user.has_perm("orders.hold_order")

    def has_cancel_permission(self, request, obj=None):
        return request.user.has_perm("orders.cancel_order")

    def has_resolve_exception_permission(self, request, obj=None):
        return request.user.has_perm("orders.resolve_exception_order")

    def has_change_address_permission(self, request, obj=None):
        return request.user.has_perm("orders.change_address_order")

    def _may(self, request, action: OrderAction) -> bool:
        return getattr(self, f"has_{action.permission}_permission")(request)

    # ---- list ----

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("channel", "warehouse").prefetch_related("sources")

    def get_list_display(self, request):
        full = can_view_pii(request.user)
        # Narrow two-line columns, so the list fits a 1366 px laptop without sideways scrolling
        # (the street is on the order page); on a phone the CSS keeps number, status, buyer, amount.
        return (
            "number",
            "status_column_full" if full else "status_column",
            "channel_column",
            "recipient_full" if full else "recipient_masked",
            "paid_amount",
            "shipping_column",
            "placed_column",
        )

    def changelist_view(self, request, extra_context=None):
        # The list needs the width: the app menu stays on the home page and in the breadcrumbs.
        held = Order.objects.filter(status=OrderStatus.ON_HOLD, hold_reason=HoldReason.OUT_OF_STOCK)
        extra_context = {**(extra_context or {}), "is_nav_sidebar_enabled": False, "out_of_stock_count": held.count()}
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        return search_orders(queryset, search_term), False

    @admin.display(description=gettext_lazy("状态"), ordering="status")
    def status_column(self, order, *, full: bool = False):
        detail = order.get_hold_reason_display() if order.status == OrderStatus.ON_HOLD else ""
        badge = status_badge(order.status, detail, stacked=True)
        if order.exception_reason:
            return format_html(
                '{}<br><span class="oms-badge oms-exception" title="{}">{}</span><br>'
                '<span class="oms-badge-detail">{}</span>',
                badge, note_for(order.exception_note, full=full), _("异常"), order.get_exception_reason_display(),
            )
        return badge

    @admin.display(description=gettext_lazy("异常"))
    def exception_display(self, order, *, full: bool = False):
        if not order.exception_reason:
            return EMPTY
        return format_html(
            '<span class="oms-badge oms-exception">{}</span> <span class="oms-badge-detail">{}</span> '
            '<span class="oms-sub">{}</span>',
            order.get_exception_reason_display(), note_for(order.exception_note, full=full),
            local_time(order.exception_at),
        )

    @admin.display(description=gettext_lazy("状态"))
    def status_display(self, order, *, full: bool = False):
        detail = ""
        if order.status == OrderStatus.ON_HOLD:
            note = note_for(order.hold_note, full=full)
            detail = " · ".join(part for part in (order.get_hold_reason_display(), note) if part)
        return status_badge(order.status, detail)

    @admin.display(description=gettext_lazy("平台订单号"))
    def platform_numbers(self, order):
        return "、".join(source.external_id for source in order.sources.all()) or "-"

    @admin.display(description=gettext_lazy("渠道 / 平台订单号"), ordering="channel")
    def channel_column(self, order):
        return two_lines(order.channel, self.platform_numbers(order))

    @admin.display(description=gettext_lazy("收货人 / 地区"))
    def recipient_masked(self, order):
        return recipient_cell(order, full=False)

    @admin.display(description=gettext_lazy("收货人 / 地区"))
    def recipient_full(self, order):
        return recipient_cell(order, full=True)


    # By the column (``warehouse_id``), not the warehouse's name: a join to sort could not use the index.
    @admin.display(description=gettext_lazy("发货仓 / 运单号"), ordering="warehouse_id")
    def shipping_column(self, order):
        tracking = " ".join(part for part in (order.carrier, order.tracking_number) if part)
        return two_lines(order.warehouse or "-", tracking)

    @admin.display(description=gettext_lazy("手机"))
    def phone_masked(self, order):
        return phone_cell(order, full=False)

    @admin.display(description=gettext_lazy("手机"))
    def phone_full(self, order):
        return phone_cell(order, full=True)


    @admin.display(description=gettext_lazy("收货地址"))
    def address_masked(self, order):
        return address_for(order, full=False)

    @admin.display(description=gettext_lazy("收货地址"))
    def address_full(self, order):
        return address_for(order, full=True)

    @admin.display(description=gettext_lazy("下单时间"), ordering="placed_at")
    def placed_column(self, order):
        return two_lines(local_time(order.placed_at, seconds=False)[:10], local_time(order.placed_at)[11:16])

    @admin.display(description=gettext_lazy("下单时间"), ordering="placed_at")
    def placed_at_local(self, order):
        return local_time(order.placed_at, seconds=False)

    @admin.display(description=gettext_lazy("付款时间"))
    def paid_at_local(self, order):
        return local_time(order.paid_at) if order.paid_at else _("未付款")

    @admin.display(description=gettext_lazy("承诺发货时间"))
    def promised_ship_at_local(self, order):
        return local_time(order.promised_ship_at)

    @admin.display(description=gettext_lazy("实付金额"))
    def paid_amount_display(self, order):
        return f"{order.paid_amount} {order.currency}"

    @admin.display(description=gettext_lazy("库存占用"))
    def reservation_summary(self, order):
        totals = order.lines.aggregate(quantity=Sum("quantity"), reserved=Sum("reserved_quantity"))
        quantity, reserved = totals["quantity"] or 0, totals["reserved"] or 0
        if order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED):
            return _("已出库")
        if not quantity or not reserved:
            return EMPTY
        if reserved >= quantity:
            return _("全部占用（%(reserved)d 件）") % {"reserved": reserved}
        return _("部分占用：%(reserved)d / %(quantity)d 件") % {"reserved": reserved, "quantity": quantity}

    # ---- the order page ----

    def get_inlines(self, request, obj):
        if obj is not None and OrderEventArchive.objects.filter(order=obj).exists():
            lines, sources, events = self.inlines
            return (lines, sources, ArchivedEventInline, events)
        return self.inlines

    def get_fieldsets(self, request, obj=None):
        full = can_view_pii(request.user)
        return [
            (
                None,
                {
                    "fields": [
                        ("number", "status_display_full" if full else "status_display"),
                        ("channel", "platform_numbers"),
                        ("placed_at_local", "paid_at_local"),
                        ("priority", "promised_ship_at_local"),
                    ]
                },
            ),
            (
                _("收货信息"),
                {
                    "fields": [
                        ("recipient_name", "phone_full" if full else "phone_masked"),
                        "address_full" if full else "address_masked",
                        ("buyer_note", "seller_note") if full else ("buyer_note_masked", "seller_note_masked"),
                    ]
                },
            ),
            (
                _("发货"),
                {"fields": [("warehouse", "reservation_summary"), ("carrier", "tracking_number")]},
            ),
            *(
                [(_("异常"), {"fields": ["exception_display_full" if full else "exception_display"]})]
                if obj is not None and obj.exception_reason
                else []
            ),
            (
                _("金额"),
                {"fields": [("goods_amount", "shipping_fee"), ("discount_amount", "paid_amount_display")]},
            ),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["order_buttons"] = self._buttons(request, obj)
            context["order_panels"] = render_order_panels(request, obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _buttons(self, request, order: Order) -> list[dict]:
        buttons = []
        for action in ACTIONS.values():
            applies = action.applies(order) if action.applies else can_proceed(getattr(order, action.transition))
            if self._may(request, action) and applies:
                buttons.append(
                    {
                        "label": action.label,
                        "url": reverse(f"admin:orders_order_{action.name}", args=[order.pk]),
                        # Actions without a form run on one click (POST); the others open their form.
                        "post": action.form_class is None,
                        "danger": action.danger,
                    }
                )
        return buttons + self.flow_buttons(request, order)

    # ---- actions: changelist bulk actions and order-page buttons ----

    def get_urls(self):
        own = [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(self.order_action_view),
                {"action_name": name},
                name=f"orders_order_{name}",
            )
            for name in ACTIONS
        ]
        return self.shortage_urls() + self.flow_urls() + own + super().get_urls()

    def order_action_view(self, request, object_id, action_name):
        """One action on one order, from the buttons on the order page."""
        action = ACTIONS[action_name]
        if not self._may(request, action):
            raise PermissionDenied
        order = self.get_object(request, unquote(object_id))
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        back = reverse("admin:orders_order_change", args=[order.pk], current_app=self.admin_site.name)
        # The status the page showed: if someone else moved the order since, the action is refused.
        shown = request.POST.get("seen_status") or request.GET.get("seen_status")
        seen = {"expected_status": shown} if shown else {}
        if action.form_class is None:
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            run_action(request, action, [order], seen)
            return HttpResponseRedirect(back)
        form = action.form_class(request.POST if request.method == "POST" else None)
        if form.is_valid():
            run_action(request, action, [order], {**form.cleaned_data, **seen})
            return HttpResponseRedirect(back)
        hidden = [("seen_status", seen["expected_status"])] if seen else []
        return self._confirm_page(request, action, [order], form, hidden=hidden, back=back)

    def _bulk(self, request, queryset, name: str):
        action = ACTIONS[name]
        orders = list(queryset[: MAX_BATCH + 1])
        if len(orders) > MAX_BATCH:
            messages.error(request, _("一次最多处理 %(max)d 单，请缩小范围") % {"max": MAX_BATCH})
            return None
        if action.form_class is None:
            run_action(request, action, orders)
            return None
        form = action.form_class(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            run_action(request, action, orders, form.cleaned_data)
            return None
        hidden = [("action", f"{name}_orders")] + [(helpers.ACTION_CHECKBOX_NAME, order.pk) for order in orders]
        return self._confirm_page(request, action, orders, form, hidden=hidden, back=request.get_full_path())

    def _confirm_page(self, request, action: OrderAction, orders, form, *, hidden, back):
        context = {
            **self.admin_site.each_context(request),
            "title": action.label,
            "opts": self.opts,
            "action": action,
            "orders": orders,
            "form": form,
            "hidden": hidden,
            "back": back,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orders/order/action_confirm.html", context)

    @admin.action(description=gettext_lazy("审核通过所选订单"), permissions=["approve"])
    def approve_orders(self, request, queryset):
        return self._bulk(request, queryset, "approve")

    @admin.action(description=gettext_lazy("挂起所选订单…"), permissions=["hold"])
    def hold_orders(self, request, queryset):
        return self._bulk(request, queryset, "hold")

    @admin.action(description=gettext_lazy("解除挂起所选订单"), permissions=["hold"])
    def release_orders(self, request, queryset):
        return self._bulk(request, queryset, "release")

    @admin.action(description=gettext_lazy("取消所选订单…"), permissions=["cancel"])
    def cancel_orders(self, request, queryset):
        return self._bulk(request, queryset, "cancel")

    @admin.action(description=gettext_lazy("处理所选订单的异常…"), permissions=["resolve_exception"])
    def clear_exceptions(self, request, queryset):
        return self._bulk(request, queryset, "clear_exception")
