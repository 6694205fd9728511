"""The leader pages, mounted at ``/leader/``, and the household's page, at ``/gb/``."""

from django.urls import path

from channels.groupbuy.views import access, household, orders, pickup

app_name = "leader"

urlpatterns = [
    path("", orders.home, name="home"),
    path("login/", access.LeaderLoginView.as_view(), name="login"),
    path("logout/", access.LeaderLogoutView.as_view(), name="logout"),
    path("c/<str:code>/", orders.campaign_page, name="campaign"),
    path("c/<str:code>/new/", orders.new_order, name="new_order"),
    path("c/<str:code>/handover/", pickup.handover, name="handover"),
    path("order/<int:pk>/", orders.order_page, name="order"),
    path("order/<int:pk>/photo/", orders.order_photo, name="order_photo"),
    path("order/<int:pk>/edit/", orders.edit_order, name="edit_order"),
    path("order/<int:pk>/cancel/", orders.cancel_order, name="cancel_order"),
    path("pickup/", pickup.pickup, name="pickup"),
    path("pickup/<str:number>/", pickup.pickup_link, name="pickup_link"),
    path("receive/", pickup.receive, name="receive"),
]

household_patterns = ([path("<str:token>/", household.household_page, name="page")], "household")
