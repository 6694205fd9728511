"""``manage.py demo_logins``: one demo account per role, and an API token, for trying the system.

Idempotent: running it again resets the demo passwords and keeps the token. Refuses to run when
``DEBUG`` is off unless ``--force``, so known passwords cannot reach a production database.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from oms.demo.floor import link_picker
from oms.roles import (
    API_INTEGRATOR_PERMISSIONS,
    GROUP_LEADER,
    OPS,
    PICKER,
    ROLE_LABELS,
    STAFF_ROLES,
    SUPERVISOR,
    permission_ids,
    sync_roles,
)

BASE_URL = "http://127.0.0.1:8000"
API_USERNAME = "api"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    #: group name, or None for the superuser
    group: str | None


DEMO_LOGINS = (
    DemoLogin("admin", "admin", "admin-demo-123", None),
    DemoLogin(OPS, "ops", "ops-demo-123", OPS),
    DemoLogin(SUPERVISOR, "supervisor", "supervisor-demo-123", SUPERVISOR),
    DemoLogin(PICKER, "picker", "picker-demo-123", PICKER),
    DemoLogin(GROUP_LEADER, "leader", "leader-demo-123", GROUP_LEADER),
)


class Command(BaseCommand):
    help = _("创建演示账号（每个角色一个）和 API 令牌；仅用于开发/演示环境")

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url", default=BASE_URL, help=_("站点地址，用于打印登录链接（默认 %(default)s）")
        )
        parser.add_argument(
            "--force", action="store_true", help=_("DEBUG 关闭时也执行（绝不要在生产环境使用）")
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _("DEBUG 已关闭：演示账号的密码是公开的，不能进入生产环境。开发环境请设置 DEBUG=1，或加 --force。")
            )
        with transaction.atomic():
            sync_roles()
            for login in DEMO_LOGINS:
                self._ensure_user(login)
            token = self._ensure_api_token()
        self._print_table(token, options["base_url"].rstrip("/"))

    def _ensure_user(self, login: DemoLogin):
        User = get_user_model()
        user, _created = User.objects.get_or_create(username=login.username)
        user.is_superuser = login.group is None
        user.is_staff = login.group is None or login.group in STAFF_ROLES
        user.is_active = True
        user.set_password(login.password)
        user.save()
        if login.group is not None:
            user.groups.set([Group.objects.get(name=login.group)])
        if login.group == PICKER:
            link_picker(user)  # the floor pages show 杭州仓's tasks
        return user

    def _ensure_api_token(self) -> Token:
        User = get_user_model()
        user, _created = User.objects.get_or_create(
            username=API_USERNAME, defaults={"is_staff": False, "is_superuser": False}
        )
        if user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.user_permissions.set(list(permission_ids(API_INTEGRATOR_PERMISSIONS).values()))
        token, _created = Token.objects.get_or_create(user=user)
        return token

    def _print_table(self, token: Token, base_url: str) -> None:
        rows = [(_("角色"), _("用户名"), _("密码"), _("登录地址"))]
        for login in DEMO_LOGINS:
            # Every address printed here is a real page (never a debug 404): the back office for
            # staff, the floor's own login for pickers, the front door's login for the others.
            if login.group is None or login.group in STAFF_ROLES:
                where = f"{base_url}/admin/"
            elif login.group == PICKER:
                where = f"{base_url}/floor/login/"
            else:
                where = f"{base_url}/login/"
            label = ROLE_LABELS.get(login.group, _("超级管理员"))
            rows.append((f"{login.role}（{label}）", login.username, login.password, where))
        widths = [max(_display_width(row[i]) for row in rows) for i in range(3)]
        self.stdout.write(_("演示账号（仅限开发/演示环境）："))
        for index, row in enumerate(rows):
            cells = [_pad(cell, width) for cell, width in zip(row[:3], widths, strict=True)]
            self.stdout.write("  " + "  ".join(cells) + "  " + row[3])
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths) + "  " + "-" * 20)
        self.stdout.write("")
        self.stdout.write(
            _("API 令牌（用户 %(user)s，可推送订单、查询订单和库存）：%(key)s") % {"user": API_USERNAME, "key": token.key}
        )
        self.stdout.write(f'  curl -H "Authorization: Token {token.key}" {base_url}/api/v1/orders')


def _display_width(text: str) -> int:
    """Columns a terminal uses: CJK characters take two."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in str(text))


def _pad(text: str, width: int) -> str:
    return str(text) + " " * (width - _display_width(text))
