"""Project-wide records that belong to no business app."""

from axes.models import AccessAttempt
from django.utils.translation import gettext_lazy as _


class LoginLock(AccessAttempt):
    """django-axes' failed-login counts (one row per user name, address and browser), shown to
    supervisors as login locks they may lift (``oms.services.login_unlock``)."""

    class Meta:
        proxy = True
        verbose_name = _("登录锁定")
        verbose_name_plural = _("登录锁定")
        permissions = [("unlock_loginlock", _("可解除登录锁定"))]
