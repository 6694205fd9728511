"""Customers (buyers keyed by phone): read-only, phone masked without ``orders.view_pii``."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import DeclaredFiltersOnlyMixin, ReadOnlyAdminMixin
from core.admin_paginator import LargeListMixin
from core.masking import mask_phone
from orders.admin.display import can_view_pii, local_time


class CustomerAdmin(DeclaredFiltersOnlyMixin, LargeListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # The search box is ``get_search_results``: the exact phone, an indexed look-up.
    search_fields = ("phone",)
    search_help_text = _("完整手机号")
    list_per_page = 50
    # Only the phone (unique, indexed) sorts: a sort by name or date would read every customer.
    sortable_by = ("phone",)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(phone=term) if term else queryset), False

    def get_list_display(self, request):
        return ("name", "phone" if can_view_pii(request.user) else "phone_masked", "created_at_local")

    def get_fields(self, request, obj=None):
        return self.get_list_display(request)

    readonly_fields = ("name", "phone", "phone_masked", "created_at_local")

    @admin.display(description=_("手机"))
    def phone_masked(self, customer):
        return mask_phone(customer.phone)

    @admin.display(description=_("创建时间"), ordering="created_at")
    def created_at_local(self, customer):
        return local_time(customer.created_at)
