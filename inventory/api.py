"""Integrator API for stock levels (see docs/API.md)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_errors import COMMON_ERRORS, ErrorSerializer, ModelPermissions
from core.api_pagination import StrictCursorPagination
from core.api_views import ApiView
from inventory.models import StockLevel
from inventory.selectors import stock_level_list


class StockCursorPagination(StrictCursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class StockFilter(serializers.Serializer):
    sku = serializers.CharField(max_length=64, required=False, help_text=_("商家编码"))
    warehouse = serializers.CharField(max_length=32, required=False, help_text=_("仓库编码"))
    low = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=_("true：只看可用数 ≤ 低库存阈值的")
    )


class StockLevelOutput(serializers.Serializer):
    sku = serializers.CharField(source="sku.code", help_text=_("商家编码"))
    sku_name = serializers.CharField(source="sku.name")
    warehouse = serializers.CharField(source="warehouse.code", help_text=_("仓库编码"))
    on_hand = serializers.IntegerField(help_text=_("在库"))
    reserved = serializers.IntegerField(help_text=_("已占用"))
    available = serializers.IntegerField(source="available_units", help_text=_("可用 = 在库 - 已占用"))
    reorder_level = serializers.IntegerField(help_text=_("低库存阈值"))


class StockPageOutput(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StockLevelOutput(many=True)


class StockLevelApi(ApiView):
    """Stock per SKU and warehouse (``inventory.view_stocklevel``)."""

    queryset = StockLevel.objects.none()  # tells ModelPermissions which model's permissions apply
    permission_classes = [ModelPermissions]

    @extend_schema(
        tags=["stock"],
        operation_id="stock_list",
        summary=_("库存"),
        parameters=[
            StockFilter,
            OpenApiParameter("cursor", str, description=_("翻页游标，取自 next / previous")),
            OpenApiParameter("page_size", int, description=_("每页条数，默认 100，最多 500")),
        ],
        responses={
            **COMMON_ERRORS,
            200: StockPageOutput,
            400: ErrorSerializer,
            401: OpenApiResponse(ErrorSerializer, description=_("未登录或令牌无效")),
            403: OpenApiResponse(ErrorSerializer, description=_("没有所需权限")),
        },
    )
    def get(self, request: Request) -> Response:
        filters = StockFilter(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        paginator = StockCursorPagination()
        page = paginator.paginate_queryset(stock_level_list(**filters.validated_data), request, view=self)
        return paginator.get_paginated_response(StockLevelOutput(page, many=True).data)
