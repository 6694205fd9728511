"""The front door (``/``) and its login page.

``/`` sends each account where it works (``oms.front.door_for``): staff to the back office, a
picker to the warehouse floor pages, a group leader to the leader page, a visitor to the login
page. The login page has the 中文 / English switch; after logging in, ``/`` routes again.
"""

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from oms.front import door_for

#: The plain page each role without pages of its own yet gets at ``/``.
ROLE_PAGES = {
    "picker": "oms/front/picker.html",
    "group_leader": "oms/front/leader.html",
    "none": "oms/front/no_role.html",
}


@never_cache
def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    door = door_for(request.user)
    if door.url:
        return redirect(door.url)
    return render(request, ROLE_PAGES[door.role], {"door": door})


class LoginView(auth_views.LoginView):
    """Django's login, on our own page; every account may log in here and ``/`` routes it."""

    template_name = "oms/front/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = "login"

