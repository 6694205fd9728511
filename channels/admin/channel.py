"""Channels (shops on sales platforms): plain editing."""

from django.contrib import admin
from django.db import models

from channels.models import Channel


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "platform", "active", "poll_enabled", "polled_at", "last_poll_error")
    list_filter = ("platform", "active")
    search_fields = ("=code", "name")
    #: Polling state, written by the poller only.
    readonly_fields = ("poll_cursor", "polled_at", "last_poll_error", "poll_lease_until")
    exclude = ("poll_lease_token",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
