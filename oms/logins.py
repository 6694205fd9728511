"""Logins under django-axes: the page a locked-out person sees. Who counts as "this address" is
``core.rate_limits.client_address`` (shared with the public order look-up's limits).

Failed logins are counted per user name and per client address (``AXES_LOCKOUT_PARAMETERS``);
after ``AXES_FAILURE_LIMIT`` failures in a row either one is locked for ``AXES_COOLOFF_TIME``,
or until a supervisor lifts the lock (admin → 登录锁定, ``oms.services.login_unlock``).
"""

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, original_response=None, credentials=None):
    """The lockout page (HTTP 429): what happened, for how long, and who can lift it."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        **admin.site.each_context(request),
        "is_nav_sidebar_enabled": False,  # like the login page: nobody is logged in here
        "title": _("登录已被暂时锁定"),
        "message": _(
            "这个账号或这台电脑所在的网络地址连续 %(limit)d 次登录失败，为防止密码被猜中，已暂停登录 %(minutes)d 分钟。"
        )
        % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        "advice": _("请稍后再试；如果急需登录，请联系主管在后台「登录锁定」中解除。忘记密码请联系管理员重置。"),
    }
    return render(request, "admin/locked_out.html", context, status=429)
