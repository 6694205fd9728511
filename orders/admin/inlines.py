"""Read-only sections of the order page: lines, platform numbers, event timeline."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orders.admin.display import can_view_pii, local_time, note_for, status_badge
from orders.models import OrderEvent, OrderEventArchive, OrderLine, OrderSource
from orders.states import OrderStatus

#: The goods have left: nothing is reserved any more, and that is expected.
GONE = {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED}


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    verbose_name_plural = _("商品明细")
    fields = ("sku_code", "title", "gift", "quantity", "unit_price", "line_total_display", "warehouse", "reservation")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("warehouse", "order")

    @admin.display(description=_("小计"))
    def line_total_display(self, line):
        return line.line_total

    @admin.display(description=_("已占用"))
    def reservation(self, line):
        if not line.ships:
            return _("不发货")
        if line.order.status in GONE:
            return _("已出库")
        if line.order.status == OrderStatus.CANCELLED:
            return _("已释放")
        if line.reserved_quantity >= line.quantity:
            css = "oms-ok"
        elif line.reserved_quantity:
            css = "oms-warn"
        else:
            css = "oms-muted"
        return format_html('<span class="{}">{} / {}</span>', css, line.reserved_quantity, line.quantity)


class OrderSourceInline(ReadOnlyInline):
    model = OrderSource
    verbose_name_plural = _("平台订单号")
    fields = ("channel", "external_id", "buyer_nick", "import_job", "received_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("channel", "import_job")

    @admin.display(description=_("接收时间"))
    def received_at(self, source):
        return local_time(source.created_at)


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    verbose_name_plural = _("订单日志")
    fields = ("at_local", "action_label", "transition", "actor_name", "note")
    readonly_fields = (*fields, "note_masked")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor").order_by("at", "id")

    def get_fields(self, request, obj=None):
        """Phones in a note are masked for viewers without ``orders.view_pii``."""
        if can_view_pii(request.user):
            return self.fields
        return tuple("note_masked" if name == "note" else name for name in self.fields)

    @admin.display(description=_("说明"))
    def note_masked(self, event):
        return note_for(event.note, full=False)

    @admin.display(description=_("时间（北京时间）"))
    def at_local(self, event):
        return local_time(event.at)

    @admin.display(description=_("动作"))
    def action_label(self, event):
        return event.get_action_display()

    @admin.display(description=_("操作人"))
    def actor_name(self, event):
        if event.actor is None:
            return _("系统")
        return event.actor.get_full_name() or event.actor.get_username()

    @admin.display(description=_("状态变化"))
    def transition(self, event):
        if not event.to_status:
            return "-"
        if not event.from_status or event.from_status == event.to_status:
            return status_badge(event.to_status)
        return format_html("{} → {}", status_badge(event.from_status), status_badge(event.to_status))


class ArchivedEventInline(OrderEventInline):
    """The log of a long-finished order moved to the archive (``orders.services.archive``), shown
    above the live log; the order page adds it only when the order has archived events."""

    model = OrderEventArchive
    verbose_name_plural = _("订单日志（已归档）")

    def has_view_permission(self, request, obj=None):
        # Whoever may read an order's live log may read its archived one.
        return request.user.has_perm("orders.view_orderevent")
