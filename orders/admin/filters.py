"""List filters of the order list beyond status and hold: privacy numbers, the day an order
shipped, and the spreadsheet import that created it (the import page links there)."""

from datetime import timedelta

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.dashboard import day_start
from orders.events import EventAction
from orders.models import OrderEvent, OrderSource
from orders.privacy import PhonePrivacy
from orders.shortages import held_out_of_stock_lines


class PrivacyFilter(admin.SimpleListFilter):
    title = gettext_lazy("隐私号")
    parameter_name = "privacy"

    def lookups(self, request, model_admin):
        return [("yes", _("隐私号（全部）")), *[c for c in PhonePrivacy.choices if c[0]], ("no", _("非隐私号"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "yes":
            return queryset.exclude(phone_privacy=PhonePrivacy.PLAIN)
        if value == "no":
            return queryset.filter(phone_privacy=PhonePrivacy.PLAIN)
        if value in PhonePrivacy.values and value:
            return queryset.filter(phone_privacy=value)
        return queryset


class ShippedFilter(admin.SimpleListFilter):
    """Orders shipped on a day (local time), from their ship events: the home page's 今日发货."""

    title = gettext_lazy("发货时间")
    parameter_name = "shipped"

    def lookups(self, request, model_admin):
        return [("today", _("今天")), ("yesterday", _("昨天")), ("7d", _("最近 7 天"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value not in ("today", "yesterday", "7d"):
            return queryset
        start = day_start()
        since, until = {
            "today": (start, None),
            "yesterday": (start - timedelta(days=1), start),
            "7d": (start - timedelta(days=6), None),
        }[value]
        events = OrderEvent.objects.filter(action=EventAction.SHIP, at__gte=since)
        if until is not None:
            events = events.filter(at__lt=until)
        return queryset.filter(pk__in=events.values("order_id"))


class ImportJobFilter(admin.SimpleListFilter):
    """The orders one spreadsheet import created (the import page links here); shown only
    while it is in use."""

    title = gettext_lazy("订单导入")
    parameter_name = "import_job"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, _("导入 #%(id)s") % {"id": value})] if value else []

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(pk__in=OrderSource.objects.filter(import_job_id=int(value)).values("order_id"))


class ShortSkuFilter(admin.SimpleListFilter):
    """The orders held out of stock that wait on one SKU (the 缺货 page links here); shown only
    while it is in use."""

    title = gettext_lazy("缺货 SKU")
    parameter_name = "short_sku"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, _("SKU #%(id)s") % {"id": value})] if value else []

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(pk__in=held_out_of_stock_lines().filter(sku_id=int(value)).values("order_id"))
