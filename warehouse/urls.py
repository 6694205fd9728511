"""The floor's phone pages, mounted at ``/floor/``."""

from django.urls import path

from warehouse.views import auth, camera

app_name = "floor"

urlpatterns = [
    path("login/", auth.FloorLoginView.as_view(), name="login"),
    path("logout/", auth.FloorLogoutView.as_view(), name="logout"),
    path("decode/", camera.decode, name="decode"),
]
