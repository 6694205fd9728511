"""The 缺货 page of the order admin, beside 待映射编码: each SKU that orders held out of stock are
short of, with the orders and units waiting, its free stock per warehouse and the oldest waiting
order; a button queues the re-run of those orders now (it also runs by itself when stock arrives,
``orders.services.restock``)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from orders.services.restock import restock_queue
from orders.shortages import short_skus


class ShortagesMixin:
    """Adds ``shortages/`` to ``OrderAdmin``."""

    def shortage_urls(self):
        return [path("shortages/", self.admin_site.admin_view(self.shortages_view), name="orders_order_shortages")]

    def shortages_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        back = reverse("admin:orders_order_shortages", current_app=self.admin_site.name)
        if request.method == "POST":
            if not request.user.has_perm("orders.hold_order"):
                raise PermissionDenied
            rows = short_skus()
            if rows:
                restock_queue(sku_ids=[row.sku_id for row in rows])
                messages.success(request, _("已安排重新分配 %(count)d 个缺货 SKU 的等待订单，按付款时间先后处理") % {"count": len(rows)})
            else:
                messages.info(request, _("没有缺货等待的订单"))
            return HttpResponseRedirect(back)
        rows = short_skus()
        list_url = reverse("admin:orders_order_changelist", current_app=self.admin_site.name)
        context = {
            **self.admin_site.each_context(request),
            "title": _("缺货"),
            "opts": self.opts,
            "rows": rows,
            "warehouses": [name for name, _free in rows[0].free] if rows else [],
            "list_url": list_url,
            "can_rerun": request.user.has_perm("orders.hold_order"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orders/order/shortages.html", context)
