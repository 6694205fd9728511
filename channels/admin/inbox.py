"""The raw inbox: every inbound payload with its status and error, read-only, and replay of the
failed or ignored ones (``channels.replay_inboxmessage``) through ``inbox_replay``."""

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels.models import InboxMessage, InboxStatus
from channels.services.inbox import REPLAYABLE, InboxReplayRefused, inbox_replay
from core.admin_mixins import DeclaredFiltersOnlyMixin
from core.admin_paginator import LargeListMixin
from core.masking import mask_phones_in_text
from orders.admin.display import can_view_pii, local_time

STATUS_COLOURS = {
    InboxStatus.PENDING: "#8c8c8c",
    InboxStatus.PROCESSED: "#389e0d",
    InboxStatus.IGNORED: "#595959",
    InboxStatus.FAILED: "#cf1322",
}
#: One replay action handles at most this many messages (each is processed there and then).
MAX_REPLAY = 200


def pretty_body(body: str) -> str:
    """The body as indented JSON when it is JSON (Chinese kept readable), else as received: any
    stored body can be shown, however deeply nested (``RecursionError``) or broken."""
    try:
        return json.dumps(json.loads(body), ensure_ascii=False, indent=2)
    except (ValueError, RecursionError):
        return body


@admin.register(InboxMessage)
class InboxMessageAdmin(DeclaredFiltersOnlyMixin, LargeListMixin, admin.ModelAdmin):
    list_display = (
        "id", "channel", "source", "status_badge", "external_id", "received_local", "attempts", "error_excerpt",
    )
    list_display_links = ("id",)
    list_filter = ("status", "channel", "source")
    list_select_related = ("channel",)
    search_fields = ("=external_id",)
    search_help_text = gettext_lazy("平台订单号（完整）")
    list_per_page = 50
    # Read from an index in both directions: the id (newest first by default) and the time received.
    sortable_by = ("id", "received_local")
    actions = ("replay_messages",)
    change_form_template = "admin/channels/inboxmessage/change_form.html"

    def get_fieldsets(self, request, obj=None):
        # Phones in the body (every format, see core.masking) are masked for viewers without the PII right.
        body = "body_pretty" if can_view_pii(request.user) else "body_masked"
        return (
            (None, {"fields": (
                ("channel", "source"), ("status_badge", "attempts"), ("external_id", "platform_status"),
                ("received_local", "processed_local"), "platform_updated_local", "order_link", "error",
            )}),
            (_("原始内容"), {"fields": (body, "headers_pretty")}),
        )
    readonly_fields = (
        "channel", "source", "status_badge", "attempts", "external_id", "platform_status", "received_local",
        "processed_local", "platform_updated_local", "order_link", "error", "body_pretty", "body_masked",
        "headers_pretty",
    )

    # ---- read-only; replay by its own permission ----

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_replay_permission(self, request, obj=None):
        return request.user.has_perm("channels.replay_inboxmessage")

    # ---- display ----

    @admin.display(description=gettext_lazy("状态"), ordering="status")
    def status_badge(self, message):
        return format_html(
            '<span class="oms-badge" style="background-color:{}">{}</span>',
            STATUS_COLOURS.get(message.status, "#595959"),
            message.get_status_display(),
        )

    @admin.display(description=gettext_lazy("接收时间"), ordering="received_at")
    def received_local(self, message):
        return local_time(message.received_at)

    @admin.display(description=gettext_lazy("处理时间"))
    def processed_local(self, message):
        return local_time(message.processed_at)

    @admin.display(description=gettext_lazy("平台更新时间"))
    def platform_updated_local(self, message):
        return local_time(message.platform_updated_at)

    @admin.display(description=gettext_lazy("错误"))
    def error_excerpt(self, message):
        return Truncator(message.error).chars(60) if message.error else ""

    @admin.display(description=gettext_lazy("订单"))
    def order_link(self, message):
        if message.order_id is None:
            return "-"
        url = reverse("admin:orders_order_change", args=[message.order_id], current_app=self.admin_site.name)
        return format_html('<a href="{}">{}</a>', url, message.order.number if message.order else message.order_id)

    @admin.display(description=gettext_lazy("原始内容"))
    def body_pretty(self, message):
        return format_html('<pre class="oms-raw-body">{}</pre>', pretty_body(message.body))

    @admin.display(description=gettext_lazy("原始内容"))
    def body_masked(self, message):
        text = mask_phones_in_text(pretty_body(message.body))
        return format_html('<pre class="oms-raw-body">{}</pre><p class="help">{}</p>', text, _("手机号已隐藏"))

    @admin.display(description=gettext_lazy("请求头"))
    def headers_pretty(self, message):
        if not message.headers:
            return "-"
        return format_html('<pre class="oms-raw-body">{}</pre>',
                           json.dumps(message.headers, ensure_ascii=False, indent=2))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {})}
        message = self.get_object(request, unquote(object_id))
        extra_context["can_replay"] = bool(
            message and message.status in REPLAYABLE and self.has_replay_permission(request)
        )
        return super().change_view(request, object_id, form_url, extra_context)

    # ---- replay ----

    def get_urls(self):
        own = [
            path("<path:object_id>/replay/", self.admin_site.admin_view(self.replay_view),
                 name="channels_inboxmessage_replay"),
        ]
        return own + super().get_urls()

    def replay_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_replay_permission(request):
            raise PermissionDenied
        message = self.get_object(request, unquote(object_id))
        if message is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        self._replay(request, [message])
        return HttpResponseRedirect(
            reverse("admin:channels_inboxmessage_change", args=[message.pk], current_app=self.admin_site.name)
        )

    @admin.action(description=gettext_lazy("重新处理所选消息（失败或已忽略的）"), permissions=["replay"])
    def replay_messages(self, request, queryset):
        chosen = list(queryset.order_by("id")[: MAX_REPLAY + 1])
        if len(chosen) > MAX_REPLAY:
            messages.error(request, _("一次最多重新处理 %(max)d 条，请缩小范围") % {"max": MAX_REPLAY})
            return
        self._replay(request, chosen)

    def _replay(self, request, chosen) -> None:
        for message in chosen:
            try:
                result = inbox_replay(message.pk)
            except InboxReplayRefused as exc:
                messages.warning(request, exc.message)
                continue
            if result.status == InboxStatus.FAILED:
                messages.error(request, _("消息 #%(id)d 重新处理后仍失败：%(error)s") % {"id": result.pk, "error": result.error})
            else:
                messages.success(
                    request,
                    _("消息 #%(id)d 已重新处理：%(status)s%(note)s")
                    % {"id": result.pk, "status": result.get_status_display(),
                       "note": f"（{result.error}）" if result.error else ""},
                )
