"""The event archive: the log of orders finished long ago, moved out of ``OrderEvent`` so that the
event table the services, the outbox readers and the reports scan stays the size of the working
set (``orders.services.archive``). Nothing is lost: each row keeps its event's id and every field,
and the order page shows the archived log before the live one."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order, event_actions
from orders.states import OrderStatus


class OrderEventArchive(models.Model):
    """An ``OrderEvent`` of a long-finished order, with its original id."""

    id = models.BigIntegerField(primary_key=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="archived_events", verbose_name=_("订单"))
    action = models.CharField(_("动作"), max_length=32, choices=event_actions)
    from_status = models.CharField(_("原状态"), max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=OrderStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    archived_at = models.DateTimeField(_("归档时间"))

    class Meta:
        verbose_name = _("已归档订单事件")
        verbose_name_plural = _("已归档订单事件")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


class EventArchiveCursor(models.Model):
    """How far the archive has walked the finished orders, by (``updated_at``, id)."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    updated_at = models.DateTimeField(_("已归档到（订单更新时间）"), null=True, blank=True)
    order_id = models.BigIntegerField(_("已归档到（订单 id）"), default=0)

    class Meta:
        verbose_name = _("事件归档进度")
        verbose_name_plural = _("事件归档进度")

    def __str__(self) -> str:
        return f"{self.name} @ {self.updated_at} #{self.order_id}"
