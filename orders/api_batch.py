"""``POST /api/v1/orders/batch``: up to ``MAX_BATCH`` platform orders in one request, taken in
together through ``orders.services.batch.order_intake_batch`` and each answered on its own
(see docs/API.md).

An order that fails its checks is answered ``invalid`` with its errors and the others still go in;
a body that is not a list of 1 to ``MAX_BATCH`` orders is refused whole (400, nothing written).
With ``Idempotency-Key`` a retry gets the first answer again (``orders.idempotency``).
"""

from functools import partial

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_errors import COMMON_ERRORS, ApiError, ErrorSerializer, ModelPermissions, flatten_errors
from core.api_parsers import JSONParser
from core.api_views import ApiView
from orders.api import OrderDetailApi
from orders.drafts import DraftInvalid
from orders.idempotency import HEADER as IDEMPOTENCY_HEADER
from orders.idempotency import MAX_KEY_LENGTH, idempotent_response
from orders.models import Order
from orders.selectors import active_channel_codes, order_statuses
from orders.serializers import OrderIntakeInput
from orders.services.batch import order_intake_batch
from orders.states import OrderStatus

MAX_BATCH = 500
CREATED, DUPLICATE, HELD, INVALID = "created", "duplicate", "held", "invalid"


class BatchInput(serializers.Serializer):
    orders = OrderIntakeInput(many=True, help_text=gettext_lazy("1 到 500 张订单，格式同 POST /api/v1/orders"))


class BatchItemOutput(serializers.Serializer):
    index = serializers.IntegerField(help_text=gettext_lazy("在请求 orders 中的位置，从 0 开始"))
    external_id = serializers.CharField(allow_null=True)
    result = serializers.ChoiceField(
        choices=[CREATED, DUPLICATE, HELD, INVALID],
        help_text=gettext_lazy("created 新建；held 新建但挂起；duplicate 此前已接收（返回已有订单）；invalid 数据有误，未写入"),
    )
    number = serializers.CharField(allow_null=True, help_text=gettext_lazy("内部订单号；invalid 时为 null"))
    status = serializers.CharField(allow_null=True)
    hold_reason = serializers.CharField(allow_null=True)
    code = serializers.CharField(required=False, help_text=gettext_lazy("仅 invalid：错误码"))
    message = serializers.CharField(required=False, help_text=gettext_lazy("仅 invalid：按请求语言的说明"))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=gettext_lazy("仅 invalid：字段路径 → 错误信息列表"),
    )


class BatchOutput(serializers.Serializer):
    created = serializers.IntegerField()
    held = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    invalid = serializers.IntegerField()
    results = BatchItemOutput(many=True, help_text=gettext_lazy("每张订单一条，顺序同请求"))


_LINE = {"sku_code": "HJ006-01", "quantity": 2, "unit_price": "79.00"}
_RECIPIENT = {"name": "王小明", "phone": "13812341234", "province": "浙江省", "city": "杭州市", "street": "文三路 90 号"}
_BATCH_EXAMPLE = OpenApiExample(
    "two orders",
    request_only=True,
    value={
        "orders": [
            {"channel": "taobao", "external_id": "T202611220001", "recipient": _RECIPIENT, "lines": [_LINE], "paid": True},
            {"channel": "taobao", "external_id": "T202611220002", "recipient": _RECIPIENT, "lines": [_LINE]},
        ]
    },
)
_ANSWER_EXAMPLE = OpenApiExample(
    "answered",
    response_only=True,
    value={
        "created": 1,
        "held": 0,
        "duplicate": 0,
        "invalid": 1,
        "results": [
            {"index": 0, "external_id": "T202611220001", "result": "created", "number": "SO20261122000123",
             "status": "pending_review", "hold_reason": ""},
            {"index": 1, "external_id": "T202611220002", "result": "invalid", "number": None, "status": None,
             "hold_reason": None, "code": "invalid", "message": "订单数据有误，未写入该订单",
             "errors": {"lines[0].unit_price": ["请填写合法的数字。"]}},
        ],
    },
)


class OrderBatchApi(ApiView):
    """``POST`` takes in up to 500 orders at once (``orders.add_order``)."""

    queryset = Order.objects.none()
    permission_classes = [ModelPermissions]
    parser_classes = [JSONParser]

    prepared_methods = ("POST",)

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        """The order whose platform number is literally "batch": its detail is at this path too."""
        return OrderDetailApi.get(self, request, number="batch")

    @extend_schema(
        tags=["orders"],
        operation_id="orders_intake_batch",
        summary=gettext_lazy("批量接收订单"),
        description=gettext_lazy(
            "一次接收 1 到 500 张订单，每张单独回答：created、held（已建单但挂起）、duplicate（此前已接收）、"
            "invalid（数据有误，附错误，该单未写入，其余照常）。请求体不是 1 到 500 张订单的列表时整批拒绝（400，"
            "不写入任何数据）。带 Idempotency-Key 的重试原样返回第一次的结果。"
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
        request=BatchInput,
        examples=[_BATCH_EXAMPLE, _ANSWER_EXAMPLE],
        responses={
            **COMMON_ERRORS,
            200: OpenApiResponse(BatchOutput, description=gettext_lazy("每张订单的结果")),
            400: OpenApiResponse(ErrorSerializer, description=gettext_lazy("请求体格式有误或超过 500 张，未写入任何数据")),
            401: OpenApiResponse(ErrorSerializer, description=gettext_lazy("未登录或令牌无效")),
            403: OpenApiResponse(ErrorSerializer, description=gettext_lazy("没有所需权限")),
            409: OpenApiResponse(
                ErrorSerializer, description=gettext_lazy("Idempotency-Key 已用于不同的请求或仍在处理中")
            ),
            415: OpenApiResponse(ErrorSerializer, description=gettext_lazy("请求体必须是 application/json")),
        },
    )
    def post(self, request: Request) -> Response:
        items = _items(request.data)  # a malformed body is refused before the key is claimed
        return idempotent_response(request, partial(self._intake, request, items))

    def _intake(self, request: Request, items: list) -> Response:
        answers: list[dict | None] = [None] * len(items)
        drafts, places = [], []
        for i, item in enumerate(items):
            draft = _draft(item, i, answers)
            if draft is not None:
                drafts.append(draft)
                places.append(i)
        active = active_channel_codes(draft.channel for draft in drafts)
        kept = []
        for draft, i in zip(drafts, places, strict=True):
            if draft.channel in active:
                kept.append((draft, i))
            else:
                message = _("渠道 %(code)s 不存在或已停用") % {"code": draft.channel}
                answers[i] = _invalid(i, draft.external_id, "invalid_draft", {"channel": [message]})
        if kept:
            try:
                results = order_intake_batch(drafts=[d for d, _i in kept], actor=request.user, validated=True)
            except DraftInvalid as exc:  # a channel switched off since the check: nothing was written
                raise ApiError(_("订单数据有误，未写入任何数据"), code=exc.code, errors=exc.errors) from exc
            states = order_statuses(ids=[r.order_id for r in results])
            for (draft, i), result in zip(kept, results, strict=True):
                number, status, hold = states.get(result.order_id, (result.number, None, None))
                outcome = DUPLICATE if not result.created else HELD if status == OrderStatus.ON_HOLD else CREATED
                answers[i] = {
                    "index": i, "external_id": draft.external_id, "result": outcome, "number": number,
                    "status": status, "hold_reason": hold,
                }
        counts = {kind: sum(1 for a in answers if a["result"] == kind) for kind in (CREATED, HELD, DUPLICATE, INVALID)}
        return Response({**counts, "results": answers})


def _items(data) -> list:
    """The body's orders, or 400 for a body that is not ``{"orders": [1..MAX_BATCH items]}``."""
    items = data.get("orders") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ApiError(_('请求体必须是 {"orders": [...]}，至少一张订单'), code="invalid_batch")
    if len(items) > MAX_BATCH:
        raise ApiError(
            _("一次最多 %(max)d 张订单，收到 %(n)d 张；请分批发送") % {"max": MAX_BATCH, "n": len(items)},
            code="batch_too_large",
        )
    return items


def _draft(item, i: int, answers: list):
    """The item's normalized, valid draft; else None, with its ``invalid`` answer written."""
    external_id = item.get("external_id") if isinstance(item, dict) else None
    external_id = external_id if isinstance(external_id, str) else None
    serializer = OrderIntakeInput(data=item)
    if not serializer.is_valid():
        answers[i] = _invalid(i, external_id, "invalid", flatten_errors(serializer.errors))
        return None
    draft = serializer.to_draft().normalized()
    try:
        draft.validate()
    except DraftInvalid as exc:
        answers[i] = _invalid(i, draft.external_id, exc.code, {k: [str(v)] for k, v in exc.errors.items()})
        return None
    return draft


def _invalid(i: int, external_id, code: str, errors: dict) -> dict:
    """An order's refusal; what it echoes of the input has any NUL character shown as U+FFFD (the
    answer is stored for replays, and PostgreSQL stores no NUL in text or JSON)."""
    return {
        "index": i, "external_id": _shown(external_id) if external_id is not None else None, "result": INVALID,
        "number": None, "status": None, "hold_reason": None, "code": code,
        "message": _("订单数据有误，未写入该订单"),
        "errors": {_shown(path): [_shown(str(m)) for m in messages] for path, messages in errors.items()},
    }


def _shown(text: str) -> str:
    return text.replace("\x00", "\ufffd")
