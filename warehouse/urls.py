"""The floor's phone pages, mounted at ``/floor/``."""

from django.urls import path

from warehouse.views import auth, camera, pack, photos, pick, returns, ship, tasks, weigh

app_name = "floor"

urlpatterns = [
    path("", tasks.my_tasks, name="tasks"),
    path("login/", auth.FloorLoginView.as_view(), name="login"),
    path("logout/", auth.FloorLogoutView.as_view(), name="logout"),
    path("decode/", camera.decode, name="decode"),
    path("photo/", photos.photo_add, name="photo"),
    path("sku/<int:pk>/image/", photos.sku_image, name="sku_image"),
    path("wave/<int:pk>/pick/", pick.pick_page, name="pick"),
    path("wave/<int:pk>/pick/scan/", pick.pick_scan_view, name="pick_scan"),
    path("wave/<int:pk>/pick/short/", pick.pick_short_view, name="pick_short"),
    path("wave/<int:pk>/sort/", pick.sort_page, name="sort"),
    path("wave/<int:pk>/sort/scan/", pick.sort_scan_view, name="sort_scan"),
    path("pack/", pack.pack_start, name="pack_start"),
    path("pack/open/", pack.pack_open, name="pack_open"),
    path("pack/<str:number>/", pack.pack_page, name="pack"),
    path("pack/<str:number>/scan/", pack.pack_scan_view, name="pack_scan"),
    path("pack/<str:number>/close/", pack.pack_close_view, name="pack_close"),
    path("weigh/", weigh.weigh_start, name="weigh_start"),
    path("weigh/<str:number>/", weigh.weigh_page, name="weigh"),
    path("weigh/<str:number>/scan/", weigh.weigh_scan_view, name="weigh_scan"),
    path("weigh/<str:number>/override/", weigh.weigh_override_view, name="weigh_override"),
    path("weigh/<str:number>/label/", weigh.weigh_label_view, name="weigh_label"),
    path("ship/", ship.ship_page, name="ship"),
    path("ship/scan/", ship.ship_scan_view, name="ship_scan"),
    path("returns/", returns.returns_start, name="returns"),
    path("returns/open/", returns.returns_open, name="returns_open"),
    path("returns/<str:number>/", returns.return_inspect, name="return_inspect"),
    path("returns/<str:number>/photo/", returns.return_photo, name="return_photo"),
    path("returns/<str:number>/receive/", returns.return_receive_view, name="return_receive"),
]
