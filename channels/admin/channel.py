"""Channels (shops on sales platforms): plain editing."""

from django.contrib import admin

from channels.models import Channel


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "platform", "active")
    list_filter = ("platform", "active")
    search_fields = ("=code", "name")
