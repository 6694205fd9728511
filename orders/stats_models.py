"""Daily roll-ups behind the supervisor's dashboard, kept current by the worker
(``orders.services.rollups``): the admin home page reads a few dozen of these rows instead of
scanning millions of orders."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyStat(models.Model):
    """One shop's figures for one local day (Asia/Shanghai)."""

    day = models.DateField(_("日期"))
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+", verbose_name=_("渠道"))
    #: Orders placed that day; of them, cancelled since, and placed by a buyer who had ordered before.
    placed = models.PositiveIntegerField(_("下单数"), default=0)
    cancelled = models.PositiveIntegerField(_("取消数"), default=0)
    repeat_placed = models.PositiveIntegerField(_("老客下单数"), default=0)
    #: Orders placed in each local hour of the day (24 numbers).
    placed_hours = models.JSONField(_("分时下单数"), default=list, blank=True)
    #: Orders shipped that day; of them, on time; and the seconds from payment to shipment, summed.
    shipped = models.PositiveIntegerField(_("发货数"), default=0)
    shipped_on_time = models.PositiveIntegerField(_("准时发货数"), default=0)
    ship_seconds = models.BigIntegerField(_("付款到发货总秒数"), default=0)
    #: After-sales requests made that day for a wrong, missing or damaged item (not refused).
    error_returns = models.PositiveIntegerField(_("错发漏发破损售后数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("每日统计")
        verbose_name_plural = _("每日统计")
        constraints = [models.UniqueConstraint(fields=["day", "channel"], name="dailystat_unique_day_channel")]
        permissions = [("view_dashboard", _("可查看主管看板和导出指标"))]

    def __str__(self) -> str:
        return f"{self.day} {self.channel_id}"


class FloorDayStat(models.Model):
    """How many different people worked the floor (picked, packed or shipped) on a local day."""

    day = models.DateField(_("日期"), unique=True)
    people = models.PositiveIntegerField(_("作业人数"), default=0)

    class Meta:
        verbose_name = _("每日作业人数")
        verbose_name_plural = _("每日作业人数")

    def __str__(self) -> str:
        return f"{self.day} {self.people}"


class AnalyticsSnapshot(models.Model):
    """Figures over long periods, computed by the worker (top repeat customers, items bought
    together, the repeat-customer share) and read as they were last computed."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    data = models.JSONField(_("数据"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("分析快照")
        verbose_name_plural = _("分析快照")

    def __str__(self) -> str:
        return self.name
