from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from channels.groupbuy.urls import household_patterns
from inventory.api import StockLevelApi
from oms import views
from orders.api import OrderDetailApi, OrderListCreateApi
from orders.api_batch import OrderBatchApi
from orders.dashboard_views import kpi_export

api_v1 = [
    path("api/v1/orders", OrderListCreateApi.as_view(), name="api-orders"),
    path("api/v1/orders/batch", OrderBatchApi.as_view(), name="api-orders-batch"),
    path("api/v1/orders/<str:number>", OrderDetailApi.as_view(), name="api-order-detail"),
    path("api/v1/stock", StockLevelApi.as_view(), name="api-stock"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("admin/kpis.xlsx", kpi_export, name="kpi-export"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("channels/", include("channels.urls")),
    path("floor/print/", include("warehouse.printing.urls")),
    path("floor/", include("warehouse.urls")),
    path("leader/", include("channels.groupbuy.urls")),
    path("gb/", include(household_patterns)),
    path("track/", include("orders.track_urls")),
    *api_v1,
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
