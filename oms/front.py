"""The front door: where each kind of account belongs, in one place for ``/``, the login page and
the back-office login's refusal of a non-staff account."""

from dataclasses import dataclass

from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

from oms.roles import GROUP_LEADER, PICKER

#: The warehouse floor's pages and their own login (built by the warehouse features).
FLOOR_URL = "/floor/"
FLOOR_LOGIN_URL = "/floor/login/"


@dataclass(frozen=True)
class Door:
    """Where an account belongs: ``url`` (None: the plain page ``/`` shows for its role) and what
    that place is called."""

    role: str
    url: str | None
    label: object


def floor_ready() -> bool:
    """Whether the warehouse floor pages are installed (``/floor/`` resolves)."""
    try:
        resolve(FLOOR_URL)
    except Resolver404:
        return False
    return True


def door_for(user) -> Door:
    """Staff → the back office; a picker → the warehouse floor pages; a group leader → the leader
    page; anyone else → the page saying no role is set up yet."""
    if user.is_active and user.is_staff:
        return Door("staff", "/admin/", _("管理后台"))
    groups = set(user.groups.values_list("name", flat=True))
    if PICKER in groups:
        return Door(PICKER, FLOOR_URL if floor_ready() else None, _("仓库作业页面"))
    if GROUP_LEADER in groups:
        return Door(GROUP_LEADER, None, _("团长页面"))
    return Door("none", None, _("首页"))


def login_url_for(user) -> str:
    """Where a non-staff account refused by the back office should log in instead."""
    door = door_for(user)
    if door.role == PICKER and door.url:
        return FLOOR_LOGIN_URL
    return "/login/"
