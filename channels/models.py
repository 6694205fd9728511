"""Where orders come from: a shop on a sales platform."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    TAOBAO = "taobao", _("淘宝/天猫")
    JD = "jd", _("京东")
    PINDUODUO = "pinduoduo", _("拼多多")
    DOUYIN = "douyin", _("抖音小店")
    ALIEXPRESS = "aliexpress", _("速卖通")
    OWN = "own", _("自有商城")
    MANUAL = "manual", _("手工")
    GROUPBUY = "groupbuy", _("团购")


class Channel(models.Model):
    code = models.SlugField(_("渠道编码"), max_length=32, unique=True)
    name = models.CharField(_("店铺名称"), max_length=100)
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("渠道")
        verbose_name_plural = _("渠道")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
