"""The back office's login form: a non-staff account is told where it belongs, not "wrong password"."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext as _

from oms.front import door_for, login_url_for


class BackOfficeAuthenticationForm(AdminAuthenticationForm):
    def confirm_login_allowed(self, user):
        if not user.is_active or user.is_staff:
            super().confirm_login_allowed(user)
            return
        door = door_for(user)
        raise ValidationError(
            format_html(
                '{} <a href="{}">{}</a>',
                _("账号 %(name)s 没有管理后台权限（密码是对的）。请到%(place)s登录：")
                % {"name": user.get_username(), "place": door.label},
                login_url_for(user),
                _("去登录"),
            ),
            code="no_back_office",
        )
