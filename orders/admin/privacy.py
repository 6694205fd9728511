"""The order admin's columns in two versions, masked and full, chosen per viewer by
``OrderAdmin.get_list_display`` / ``get_fieldsets`` (``orders.view_pii``). The masked version is
``OrderAdmin``'s own (``status_column`` and so on, ``full=False``); these are the full ones, and the
masked notes."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.admin.display import note_for
from orders.selectors import latest_exception_data
from orders.states import ExceptionReason


class PrivacyColumnsMixin:
    @admin.display(description=gettext_lazy("状态"), ordering="status")
    def status_column_full(self, order):
        return self.status_column(order, full=True)

    @admin.display(description=gettext_lazy("异常"))
    def exception_display_full(self, order):
        """With the full new address of a late address change (its note shows the street masked)."""
        shown = self.exception_display(order, full=True)
        address = latest_exception_data(order).get("address")
        if order.exception_reason == ExceptionReason.LATE_ADDRESS_CHANGE and address:
            return format_html('{}<br><span class="oms-sub">{}{}</span>', shown, _("新地址："), address)
        return shown

    @admin.display(description=gettext_lazy("状态"))
    def status_display_full(self, order):
        return self.status_display(order, full=True)

    @admin.display(description=gettext_lazy("买家留言"))
    def buyer_note_masked(self, order):
        return note_for(order.buyer_note, full=False)

    @admin.display(description=gettext_lazy("卖家备注"))
    def seller_note_masked(self, order):
        return note_for(order.seller_note, full=False)
