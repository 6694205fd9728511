"""Buyer notifications in admin: the templates (editable; a placeholder that does not exist is
refused) and the outbox (read-only: status, attempts, last error; 立即重试 for supervisors).
Recipients are masked unless the user may see full phones."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_mixins import DeclaredFiltersOnlyMixin, ReadOnlyAdminMixin
from core.masking import mask_phone
from orders.admin.display import can_view_pii, local_time
from orders.notification_models import NotifyChannel
from orders.services.notifications import PLACEHOLDERS, notification_retry, template_problems


class TemplateForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        for name in ("subject", "body"):
            unknown = template_problems(cleaned.get(name, ""))
            if unknown:
                self.add_error(name, _("没有这些占位符：%(names)s") % {"names": "、".join("{" + n + "}" for n in unknown)})
        return cleaned


class NotificationTemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ("event", "channel", "active", "body", "updated_at")
    list_filter = ("event", "channel", "active")
    fields = ("event", "channel", "active", "subject", "body")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["body"].help_text = _("可用占位符：%(names)s") % {
            "names": " ".join("{" + name + "}" for name in PLACEHOLDERS)
        }
        return form


class NotificationAdmin(DeclaredFiltersOnlyMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("order", "event", "channel", "recipient_shown", "status", "attempts", "last_error", "created_local",
                    "sent_local")
    list_filter = ("status", "event", "channel")
    list_select_related = ("order",)
    actions = ["retry"]
    fields = ("order", "event", "channel", "recipient_shown", "subject", "body", "status", "attempts", "last_error",
              "next_attempt_at", "created_local", "sent_local")
    readonly_fields = fields
    search_fields = ("order__number",)
    search_help_text = gettext_lazy("订单号")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(order__number=term) if term else queryset), False

    @admin.display(description=gettext_lazy("收件人"))
    def recipient_shown(self, obj):
        return mask_phone(obj.recipient) if obj.channel == NotifyChannel.SMS else obj.recipient

    def get_list_display(self, request):
        shown = "recipient" if can_view_pii(request.user) else "recipient_shown"
        return tuple(shown if name == "recipient_shown" else name for name in self.list_display)

    def get_fields(self, request, obj=None):
        shown = "recipient" if can_view_pii(request.user) else "recipient_shown"
        return tuple(shown if name == "recipient_shown" else name for name in self.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=gettext_lazy("创建时间"), ordering="created_at")
    def created_local(self, obj):
        return local_time(obj.created_at)

    @admin.display(description=gettext_lazy("发送时间"), ordering="sent_at")
    def sent_local(self, obj):
        return local_time(obj.sent_at)

    def has_retry_permission(self, request):
        return request.user.has_perm("orders.retry_notification")

    @admin.action(description=gettext_lazy("立即重试所选通知"), permissions=["retry"])
    def retry(self, request, queryset):
        count = notification_retry(notification_ids=queryset.values_list("pk", flat=True))
        messages.success(request, _("%(count)d 条通知将立即重试") % {"count": count})
