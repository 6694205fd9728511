"""Station waves: a wave of one group-buy pickup station's orders, and its delivery run."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StationWave(models.Model):
    """A wave built from one station's 待拣货 orders (``station_waves_build``). Its orders are
    picked, sorted into one slot per household, packed and weighed as in any wave; the delivery
    run then takes them to the station (``station_wave_dispatch``) with the station manifest."""

    wave = models.OneToOneField(
        "warehouse.Wave", on_delete=models.CASCADE, related_name="station_wave", verbose_name=_("波次")
    )
    station = models.ForeignKey(
        "orders.DeliveryStation", on_delete=models.PROTECT, related_name="+", verbose_name=_("自提站点")
    )
    dispatched_at = models.DateTimeField(_("发车时间"), null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("发车人"),
    )

    class Meta:
        verbose_name = _("站点波次")
        verbose_name_plural = _("站点波次")
        ordering = ["-wave_id"]
        permissions = [("dispatch_stationwave", _("可装车发往自提站点"))]

    def __str__(self) -> str:
        return str(self.wave_id)
