"""Who may use the leader pages: a logged-in user with an active leader record. Every view is
wrapped here; each order is then looked up among the leader's own (``selectors.leader_order``),
so another leader's order answers exactly as a missing one."""

import functools

from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _

from channels.groupbuy.selectors import leader_of


def leader_required(view):
    """Anonymous visitors go to the leader login; a logged-in user who is no (active) leader is
    told so (403). The view gets the leader as ``request.leader``."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("leader:login"))
        leader = leader_of(request.user)
        if leader is None:
            return refused(request, _("这个账号不是启用中的团长，请联系运营开通"), status=403)
        request.leader = leader
        return view(request, *args, **kwargs)

    return wrapped


def refused(request, message: str, *, status: int = 404):
    return render(request, "leader/refused.html", {"message": message}, status=status)


def not_yours(request):
    """An order that does not exist or is another leader's: one answer for both."""
    return refused(request, _("找不到这个订单，或它不是你的订单"), status=404)


class LeaderLoginView(auth_views.LoginView):
    """Username and password on a phone-sized page (the floor's approach); a logged-in leader
    goes straight to today's orders; ``next`` is honoured only for this site. Someone logged in
    with another account gets the page, told that account is no leader, to log in as one."""

    template_name = "leader/login.html"

    def get(self, request, *args, **kwargs):
        if leader_of(request.user) is not None:
            return redirect(self.get_success_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.is_authenticated:
            context["not_a_leader"] = self.request.user.get_username()
        return context

    def get_default_redirect_url(self):
        return reverse("leader:home")


class LeaderLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("leader:login")
