"""Channels (shops on sales platforms). Secrets are never shown in full: the webhook secret and the
API credentials appear masked; a supervisor sees a new webhook secret once, on the page that
answers the rotation (or the creation of the shop)."""

import json

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels.models import Channel
from channels.services.secrets import ROTATION_GRACE, channel_rotate_secret, mask_credentials, mask_secret
from orders.admin.display import local_time


def webhook_path(channel: Channel) -> str:
    """The path platforms push this shop's orders to."""
    return reverse("channels:webhook", kwargs={"code": channel.code})


def webhook_url(request, channel: Channel) -> str:
    return request.build_absolute_uri(webhook_path(channel))


def _formfield(db_field, **kwargs):
    """Model fields to form fields; an address typed without a scheme is taken as https."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ChannelForm(forms.ModelForm):
    new_credentials = forms.CharField(
        label=gettext_lazy("替换接口凭据（JSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60, "autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy('留空则保持不变；填写后整体替换，例如 {"app_key": "…", "app_secret": "…"}'),
    )

    class Meta:
        model = Channel
        formfield_callback = _formfield
        fields = ("code", "name", "platform", "active", "unpaid_timeout_minutes", "api_base_url", "poll_enabled")

    def clean_new_credentials(self):
        text = (self.cleaned_data.get("new_credentials") or "").strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("不是合法的 JSON：%(error)s") % {"error": exc}) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("接口凭据必须是一个 JSON 对象（{…}）"))
        return value


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = (
        "code", "name", "platform", "active", "unpaid_timeout_minutes", "polling_state", "secret_masked",
    )
    list_filter = ("platform", "active", "poll_enabled")
    search_fields = ("=code", "name")
    change_form_template = "admin/channels/channel/change_form.html"
    readonly_fields = (
        "secret_masked", "previous_secret_state", "credentials_masked", "polling_state", "poll_cursor",
        "last_poll_error",
    )
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_fieldsets(self, request, obj=None):
        main = (None, {"fields": ["code", "name", "platform", "active", "unpaid_timeout_minutes"]})
        if obj is None:
            return [
                main,
                (_("接口与拉单"), {"fields": ["api_base_url", "poll_enabled", "new_credentials"],
                                 "description": _("保存后显示推送密钥（仅显示一次）")}),
            ]
        credentials = ["credentials_masked"]
        if self.has_change_permission(request, obj):
            credentials.append("new_credentials")
        return [
            main,
            (_("订单推送"), {"fields": [("secret_masked", "previous_secret_state")]}),
            (_("接口与拉单"), {"fields": [
                "api_base_url", "poll_enabled", "polling_state", "poll_cursor", "last_poll_error", *credentials,
            ]}),
        ]

    # ---- display ----

    @admin.display(description=gettext_lazy("拉单状态"))
    def polling_state(self, channel):
        if not channel.poll_enabled:
            return _("未开启")
        if channel.polled_at is None:
            return _("已开启，尚未拉取")
        if channel.last_poll_error:
            return format_html(
                '<span class="oms-error">{}</span>',
                _("上次 %(at)s 拉取失败：%(error)s") % {
                    "at": local_time(channel.polled_at, seconds=False), "error": channel.last_poll_error[:120],
                },
            )
        return _("已开启，上次 %(at)s") % {"at": local_time(channel.polled_at, seconds=False)}

    @admin.display(description=gettext_lazy("推送密钥"))
    def secret_masked(self, channel):
        return format_html("<code>{}</code>", mask_secret(channel.webhook_secret))

    @admin.display(description=gettext_lazy("旧推送密钥"))
    def previous_secret_state(self, channel):
        until = channel.previous_secret_until
        if channel.previous_secret and until and until > timezone.now():
            return _("%(secret)s 有效至 %(until)s") % {
                "secret": mask_secret(channel.previous_secret),
                "until": local_time(until, seconds=False),
            }
        return _("无")

    @admin.display(description=gettext_lazy("接口凭据"))
    def credentials_masked(self, channel):
        rows = mask_credentials(channel.credentials)
        if not rows:
            return _("未设置")
        return format_html_join(mark_safe("<br>"),  # noqa: S308 - a constant
                                 "{}: <code>{}</code>", rows)

    # ---- saving ----

    def save_model(self, request, obj, form, change):
        credentials = form.cleaned_data.get("new_credentials")
        if credentials is not None:
            obj.credentials = credentials
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """A new shop's secret is shown once, now."""
        return self._secret_page(request, obj, obj.webhook_secret, created=True)

    # ---- rotation ----

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/rotate-secret/",
                self.admin_site.admin_view(self.rotate_secret_view),
                name="channels_channel_rotate_secret",
            )
        ]
        return own + super().get_urls()

    def rotate_secret_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        channel = self.get_object(request, unquote(object_id))
        if channel is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, channel):
            raise PermissionDenied
        channel, secret = channel_rotate_secret(channel=channel)
        self.log_change(request, channel, _("轮换推送密钥"))
        return self._secret_page(request, channel, secret, created=False)

    def _secret_page(self, request, channel, secret: str, *, created: bool):
        context = {
            **self.admin_site.each_context(request),
            "title": _("新的推送密钥"),
            "opts": self.opts,
            "channel": channel,
            "secret": secret,
            "created": created,
            "grace_hours": int(ROTATION_GRACE.total_seconds() // 3600),
            "webhook_url": webhook_url(request, channel),
        }
        request.current_app = self.admin_site.name
        response = TemplateResponse(request, "admin/channels/channel/secret.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_rotate"] = obj is not None and self.has_change_permission(request, obj)
        context["webhook_url"] = webhook_url(request, obj) if obj is not None else ""
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)
