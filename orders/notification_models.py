"""Messages to buyers (shipped, delivered, held for their input, return decisions): the templates
people edit in admin, the outbox of messages owed, and how far the outbox has read the event log.

Written by ``orders.services.notifications`` only.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotifyEvent(models.TextChoices):
    SHIPPED = "shipped", _("已发货")
    DELIVERED = "delivered", _("已签收")
    HELD = "held", _("需要买家补充信息")
    RETURN_APPROVED = "return_approved", _("售后已同意")
    RETURN_REFUSED = "return_refused", _("售后已拒绝")
    RETURN_REFUNDED = "return_refunded", _("售后已退款")


class NotifyChannel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败，等待重试")
    GIVEN_UP = "given_up", _("已放弃")


class NotificationTemplate(models.Model):
    """The words of one message, per event and channel. Placeholders in braces (``{order_number}``)
    are filled from the order; ``orders.services.notifications.PLACEHOLDERS`` lists them."""

    event = models.CharField(_("事件"), max_length=20, choices=NotifyEvent.choices)
    channel = models.CharField(_("渠道"), max_length=8, choices=NotifyChannel.choices)
    active = models.BooleanField(_("启用"), default=True)
    subject = models.CharField(_("邮件标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知模板")
        verbose_name_plural = _("通知模板")
        ordering = ["event", "channel"]
        constraints = [models.UniqueConstraint(fields=["event", "channel"], name="notificationtemplate_unique")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} · {self.get_channel_display()}"


class Notification(models.Model):
    """One message owed to a buyer: sent by a task, retried with backoff until sent or given up."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="notifications", verbose_name=_("订单")
    )
    #: The event the message is about: one message per event and channel, however often it is read.
    source_event = models.ForeignKey(
        "orders.OrderEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("来源事件"),
    )
    event = models.CharField(_("事件"), max_length=20, choices=NotifyEvent.choices)
    channel = models.CharField(_("渠道"), max_length=8, choices=NotifyChannel.choices)
    recipient = models.CharField(_("收件人"), max_length=254)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("买家通知")
        verbose_name_plural = _("买家通知")
        ordering = ["-id"]
        permissions = [("retry_notification", _("可立即重试买家通知"))]
        constraints = [
            models.UniqueConstraint(fields=["source_event", "channel"], name="notification_once_per_event_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.event} {self.channel}"


class NotificationCursor(models.Model):
    """How far the notification outbox has read the order event log, by event id."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    last_event_id = models.BigIntegerField(_("已读到的事件"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知游标")
        verbose_name_plural = _("通知游标")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"
