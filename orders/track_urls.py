"""The public "where is my order" pages, mounted at ``/track/``."""

from django.urls import path

from orders import track_views

app_name = "track"

urlpatterns = [
    path("", track_views.lookup, name="lookup"),
    path("<str:number>/", track_views.order_page, name="order"),
    path("<str:number>/return/", track_views.return_form, name="return"),
    path("<str:number>/return/<str:return_number>/ship-back/", track_views.ship_back, name="ship_back"),
]
