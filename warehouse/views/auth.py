"""The floor's own login (not the admin's): floor staff land on 我的任务."""

from django.contrib.auth import views as auth_views
from django.urls import reverse, reverse_lazy


class FloorLoginView(auth_views.LoginView):
    """Username and password on a phone-sized page. A person already logged in goes straight to
    their tasks; ``next`` is honoured only for this site (Django's own check)."""

    template_name = "floor/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("floor:tasks")


class FloorLogoutView(auth_views.LogoutView):
    """Logging out (a POST) returns to the floor's login page."""

    next_page = reverse_lazy("floor:login")
