"""Tracking write-back in admin: every push with its status, attempts, last error and next try;
a supervisor can make failed or given-up pushes due now (立即重试)."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from channels.models import OutboundPush, PushStatus
from channels.services.writeback import outbound_retry
from orders.admin.display import local_time, two_lines

PUSH_COLOURS = {
    PushStatus.PENDING: "#1677ff",
    PushStatus.DONE: "#389e0d",
    PushStatus.FAILED: "#d48806",
    PushStatus.REFUSED: "#cf1322",
    PushStatus.GIVEN_UP: "#cf1322",
}


@admin.register(OutboundPush)
class OutboundPushAdmin(admin.ModelAdmin):
    list_display = ("status_badge", "platform_order", "order_link", "tracking", "attempts", "error_short", "next_attempt")
    list_filter = ("status", "channel")
    search_fields = ("=external_id", "=tracking_number", "=order__number")
    list_select_related = ("channel", "order")
    readonly_fields = ("channel", "external_id", "order", "carrier", "tracking_number", "status", "attempts",
                       "last_error", "next_attempt_at", "created_at", "pushed_at")
    actions = ["retry_now"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request, obj=None):
        return request.user.has_perm("channels.retry_outboundpush")

    @admin.display(description=_("状态"), ordering="status")
    def status_badge(self, push):
        colour = PUSH_COLOURS.get(push.status, "#595959")
        return format_html('<span class="oms-badge" style="background-color:{}">{}</span>', colour,
                           push.get_status_display())

    @admin.display(description=_("渠道 / 平台订单号"), ordering="external_id")
    def platform_order(self, push):
        return two_lines(push.channel.name, push.external_id)

    @admin.display(description=_("运单号 / 快递公司"), ordering="tracking_number")
    def tracking(self, push):
        return two_lines(push.tracking_number, push.carrier)

    @admin.display(description=_("订单"), ordering="order__number")
    def order_link(self, push):
        return push.order.number

    @admin.display(description=_("最近错误"))
    def error_short(self, push):
        text = push.last_error or ""
        if len(text) <= 30:
            return text or "-"
        return format_html('<span title="{}">{}</span>', text, text[:29] + "…")

    @admin.display(description=_("下次尝试"), ordering="next_attempt_at")
    def next_attempt(self, push):
        if push.status not in (PushStatus.PENDING, PushStatus.FAILED) or push.next_attempt_at is None:
            return "-"
        return local_time(push.next_attempt_at)

    @admin.action(description=_("立即重试所选回传"), permissions=["retry"])
    def retry_now(self, request, queryset):
        chosen = list(queryset.values_list("pk", flat=True))
        count = outbound_retry(push_ids=chosen)
        if count:
            self.message_user(request, ngettext("%(n)d 条回传将立即重试", "%(n)d 条回传将立即重试", count) % {"n": count},
                              messages.SUCCESS)
        skipped = len(chosen) - count
        if skipped:
            self.message_user(
                request, ngettext("%(n)d 条不是失败或已放弃状态，未改动", "%(n)d 条不是失败或已放弃状态，未改动", skipped)
                % {"n": skipped}, messages.WARNING)
