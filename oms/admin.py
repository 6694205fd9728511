"""Login locks for supervisors: who is locked out after failed logins, and lifting a lock."""

from django.conf import settings
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_mixins import DeclaredFiltersOnlyMixin
from oms.models import LoginLock
from oms.services import login_unlock
from orders.admin.display import local_time


@admin.register(LoginLock)
class LoginLockAdmin(DeclaredFiltersOnlyMixin, admin.ModelAdmin):
    list_display = ("username_display", "ip_address_display", "failures_display", "last_attempt", "locked")
    search_fields = ("=username", "=ip_address")
    search_help_text = gettext_lazy("用户名或网络地址（完整）")
    ordering = ("-attempt_time",)
    actions = ("unlock",)
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_unlock_permission(self, request, obj=None):
        return request.user.has_perm("oms.unlock_loginlock")

    @admin.display(description=gettext_lazy("用户名"), ordering="username")
    def username_display(self, lock):
        return lock.username or "-"

    @admin.display(description=gettext_lazy("网络地址"), ordering="ip_address")
    def ip_address_display(self, lock):
        return lock.ip_address or "-"

    @admin.display(description=gettext_lazy("连续失败次数"), ordering="failures_since_start")
    def failures_display(self, lock):
        return lock.failures_since_start

    @admin.display(description=gettext_lazy("最近一次失败"), ordering="attempt_time")
    def last_attempt(self, lock):
        return local_time(lock.attempt_time)

    @admin.display(description=gettext_lazy("锁定中"), boolean=True)
    def locked(self, lock):
        return (
            lock.failures_since_start >= settings.AXES_FAILURE_LIMIT
            and lock.attempt_time > timezone.now() - settings.AXES_COOLOFF_TIME
        )

    @admin.action(description=gettext_lazy("解除所选的登录锁定"), permissions=["unlock"])
    def unlock(self, request, queryset):
        cleared = login_unlock(lock_ids=list(queryset.values_list("pk", flat=True)[:500]), actor=request.user)
        messages.success(request, _("已解除锁定（清除 %(n)d 条失败记录），可以重新登录了") % {"n": cleared})
