"""Integrator API for orders: intake, look-up by any number, filtered list (see docs/API.md).

Views parse input, call one service or selector, and render; they never write models themselves.
"""

from functools import partial

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_errors import COMMON_ERRORS, ApiError, Conflict, ErrorSerializer, ModelPermissions, NotFound
from core.api_pagination import StrictCursorPagination
from core.api_parsers import JSONParser
from core.api_views import ApiView
from orders.drafts import DraftInvalid
from orders.idempotency import HEADER as IDEMPOTENCY_HEADER
from orders.idempotency import MAX_KEY_LENGTH, idempotent_response
from orders.models import Order
from orders.selectors import AmbiguousOrderNumber, order_find, order_get, order_list
from orders.serializers import (
    OrderDetailOutput,
    OrderIntakeInput,
    OrderIntakeOutput,
    OrderListFilter,
    OrderOutput,
    OrderPageOutput,
    render,
)
from orders.services import order_intake

TAG = "orders"


class OrderCursorPagination(StrictCursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class AmbiguousNumberError(ErrorSerializer):
    choices = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text=gettext_lazy('同一平台订单号对应的订单：[{"channel": 渠道编码, "number": 内部订单号}]'),
    )


def _show_pii(request: Request) -> bool:
    """Phone and street are shown in full only to users with ``orders.view_pii``."""
    return request.user.has_perm("orders.view_pii")


_AUTH_ERRORS = {
    **COMMON_ERRORS,
    401: OpenApiResponse(ErrorSerializer, description=gettext_lazy("未登录或令牌无效")),
    403: OpenApiResponse(ErrorSerializer, description=gettext_lazy("没有所需权限")),
}

_INTAKE_EXAMPLE = OpenApiExample(
    "taobao",
    request_only=True,
    value={
        "channel": "taobao",
        "external_id": "T202611220001",
        "recipient": {
            "name": "王小明",
            "phone": "13812341234",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "street": "文三路 90 号",
        },
        "lines": [{"sku_code": "HJ006-01", "quantity": 2, "unit_price": "79.00", "title": "304不锈钢保温杯 500ml 象牙白"}],
        "paid": True,
        "placed_at": "2026-11-22T10:00:00+08:00",
        "paid_at": "2026-11-22T10:01:00+08:00",
        "shipping_fee": "0.00",
        "discount_amount": "5.00",
    },
)


class OrderListCreateApi(ApiView):
    """``GET`` lists orders (``orders.view_order``); ``POST`` takes one in (``orders.add_order``)."""

    queryset = Order.objects.none()  # tells ModelPermissions which model's permissions apply
    permission_classes = [ModelPermissions]
    parser_classes = [JSONParser]

    prepared_methods = ("POST",)

    @extend_schema(
        tags=[TAG],
        operation_id="orders_list",
        summary=gettext_lazy("订单列表"),
        description=gettext_lazy("按条件筛选订单，最新的在前；游标分页，翻页请直接请求 next 地址。"),
        parameters=[
            OrderListFilter,
            OpenApiParameter("cursor", str, description=gettext_lazy("翻页游标，取自 next / previous")),
            OpenApiParameter("page_size", int, description=gettext_lazy("每页条数，默认 50，最多 200")),
        ],
        responses={200: OrderPageOutput, **_AUTH_ERRORS, 400: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        filters = OrderListFilter(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        paginator = OrderCursorPagination()
        page = paginator.paginate_queryset(order_list(**filters.validated_data), request, view=self)
        show_pii = _show_pii(request)
        return paginator.get_paginated_response([render(OrderOutput, order, show_pii=show_pii) for order in page])

    @extend_schema(
        tags=[TAG],
        operation_id="orders_intake",
        summary=gettext_lazy("接收订单"),
        description=gettext_lazy(
            "接收一张平台订单。同一渠道的同一平台订单号只会建一次单：重复推送返回 200、已有订单和 "
            '"duplicate": true。带 Idempotency-Key 的重试会原样返回第一次的结果。'
        ),
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                location=OpenApiParameter.HEADER,
                description=gettext_lazy("可选，最长 %(n)d 个字符；同一用户同一个键只处理一次")
                % {"n": MAX_KEY_LENGTH},
            )
        ],
        request=OrderIntakeInput,
        examples=[_INTAKE_EXAMPLE],
        responses={
            **_AUTH_ERRORS,
            201: OpenApiResponse(OrderIntakeOutput, description=gettext_lazy("新建的订单")),
            200: OpenApiResponse(OrderIntakeOutput, description=gettext_lazy("此前已接收过：返回已有订单")),
            400: OpenApiResponse(ErrorSerializer, description=gettext_lazy("请求数据有误，未写入任何数据")),
            409: OpenApiResponse(
                ErrorSerializer, description=gettext_lazy("Idempotency-Key 已用于不同的请求或仍在处理中")
            ),
            415: OpenApiResponse(ErrorSerializer, description=gettext_lazy("请求体必须是 application/json")),
        },
    )
    def post(self, request: Request) -> Response:
        return idempotent_response(request, partial(self._intake, request))

    def _intake(self, request: Request) -> Response:
        serializer = OrderIntakeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = order_intake(draft=serializer.to_draft(), actor=request.user, with_rows=True)
        except DraftInvalid as exc:
            raise ApiError(_("订单数据有误，未写入任何数据"), code=exc.code, errors=exc.errors) from exc
        # A new order is answered from the rows intake wrote; an earlier one (or one that 自动合单 or a
        # split changed right after) is read back.
        order = result.order if result.with_rows else order_get(pk=result.order.pk)
        data = render(OrderIntakeOutput, order, show_pii=_show_pii(request), duplicate=not result.created)
        return Response(data, status=201 if result.created else 200)


class OrderDetailApi(ApiView):
    """One order by its internal number or a platform order number (``orders.view_order``)."""

    queryset = Order.objects.none()
    permission_classes = [ModelPermissions]

    @extend_schema(
        tags=[TAG],
        operation_id="orders_retrieve",
        summary=gettext_lazy("查询订单"),
        description=gettext_lazy(
            "先按内部订单号找，找不到再按平台订单号找。平台订单号只在渠道内唯一：多个渠道都有时返回 409 "
            "和 choices，请加 ?channel=渠道编码 再查。"
        ),
        parameters=[
            OpenApiParameter(
                "number",
                str,
                location=OpenApiParameter.PATH,
                description=gettext_lazy("内部订单号或平台订单号"),
            ),
            OpenApiParameter(
                "channel", str, description=gettext_lazy("渠道编码，只用于缩小平台订单号的范围")
            ),
        ],
        responses={
            **_AUTH_ERRORS,
            200: OrderDetailOutput,
            404: OpenApiResponse(ErrorSerializer, description=gettext_lazy("找不到订单")),
            409: OpenApiResponse(
                AmbiguousNumberError, description=gettext_lazy("平台订单号在多个渠道都有订单")
            ),
        },
    )
    def get(self, request: Request, number: str) -> Response:
        try:
            order = order_find(number=number, channel=request.query_params.get("channel") or None)
        except AmbiguousOrderNumber as exc:
            raise Conflict(
                _("平台订单号 %(number)s 在多个渠道都有订单，请加 ?channel=渠道编码 指定")
                % {"number": number},
                code="ambiguous_number",
                extra={"choices": exc.choices},
            ) from exc
        if order is None:
            raise NotFound(_("找不到订单 %(number)s") % {"number": number})
        return Response(render(OrderDetailOutput, order, show_pii=_show_pii(request)))
