"""API shapes for orders: input serializers check shapes and types, output serializers render.

Input serializers never write: ``OrderIntakeInput.to_draft()`` turns validated data into an
``orders.drafts.OrderDraft`` that the view hands to ``orders.services.order_intake``.
"""

import functools
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.masking import mask_phone, mask_phones_in_text, mask_street
from orders.drafts import MAX_LINES, DraftLine, OrderDraft, Recipient
from orders.models import Priority
from orders.states import HoldReason, OrderStatus

MAX_QUANTITY = 100_000


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time that must carry its offset (``2026-11-22T10:00:00+08:00`` or ``...Z``).

    In a query string an unescaped ``+`` arrives as a space; ``10:00:00 08:00`` is read as ``+08:00``.
    """

    default_error_messages = {"naive": _("时间必须带时区，如 2026-11-22T10:00:00+08:00")}

    def to_internal_value(self, value):
        if isinstance(value, str):
            value = re.sub(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$", r"\1+\2", value.strip())
        return super().to_internal_value(value)

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


def money_field(**kwargs) -> serializers.DecimalField:
    """A non-negative amount with at most two decimals (``"19.90"``; ``19.9`` also accepted)."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"), **kwargs)


# --- input -----------------------------------------------------------------------------------


class FieldsBuiltOnce:
    """An input serializer whose fields are built once per process and shared by its instances.

    DRF builds every field of a serializer (a deep copy of the declared ones) for each instance,
    and the intake makes one per order: a tenth of an API POST's time, 500 times per batch. Our
    input fields keep nothing between calls and read no context (no request, no user), so one
    bound set serves every instance; what a validation leaves (the data, the errors) stays on the
    instance, as before. One set per language: DRF words a limit's message (``min_value``…) once,
    in the language of the first failure. Not for a serializer whose fields read ``context``."""

    @functools.cached_property
    def fields(self):
        return _prototype(type(self), get_language()).fields


@functools.cache
def _prototype(serializer_class, language: str | None) -> serializers.Serializer:
    prototype = serializer_class()
    # DRF's own build, done once: bind every field (and each nested serializer's) now.
    fields = serializers.Serializer.fields.func(prototype)
    prototype.__dict__["fields"] = fields
    return prototype


class RecipientInput(FieldsBuiltOnce, serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    province = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    district = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    street = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class LineInput(FieldsBuiltOnce, serializers.Serializer):
    sku_code = serializers.CharField(max_length=64, help_text=_("商家编码"))
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    unit_price = money_field(help_text=_('单价，字符串形式的金额，如 "19.90"'))
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OrderIntakeInput(FieldsBuiltOnce, serializers.Serializer):
    """One platform order pushed by an integrator."""

    channel = serializers.CharField(max_length=32, help_text=_("渠道编码"))
    external_id = serializers.CharField(max_length=64, help_text=_("平台订单号；同一渠道内唯一"))
    recipient = RecipientInput()
    lines = LineInput(many=True, min_length=1, max_length=MAX_LINES)
    paid = serializers.BooleanField(required=False, default=False)
    placed_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    paid_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    promised_ship_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    shipping_fee = money_field(required=False, default=Decimal("0"))
    discount_amount = money_field(required=False, default=Decimal("0"))
    paid_amount = money_field(
        required=False, allow_null=True, default=None, help_text=_("不传时按 商品金额 + 运费 - 优惠 计算")
    )
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="CNY")
    buyer_note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    seller_note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, default=Priority.NORMAL)

    def to_draft(self) -> OrderDraft:
        data = self.validated_data
        return OrderDraft(
            channel=data["channel"],
            external_id=data["external_id"],
            recipient=Recipient(**data["recipient"]),
            lines=tuple(DraftLine(**line) for line in data["lines"]),
            paid=data["paid"],
            placed_at=data["placed_at"],
            paid_at=data["paid_at"],
            promised_ship_at=data["promised_ship_at"],
            shipping_fee=data["shipping_fee"],
            discount_amount=data["discount_amount"],
            paid_amount=data["paid_amount"],
            currency=data["currency"],
            buyer_note=data["buyer_note"],
            seller_note=data["seller_note"],
            priority=int(data["priority"]),
        )


class OrderListFilter(serializers.Serializer):
    """Query parameters of the order list; every one is optional and they combine with AND."""

    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
    channel = serializers.CharField(max_length=32, required=False, help_text=_("渠道编码"))
    warehouse = serializers.CharField(max_length=32, required=False, help_text=_("仓库编码"))
    phone = serializers.CharField(max_length=32, required=False, help_text=_("收货手机号，完全匹配"))
    created_since = AwareDateTimeField(required=False, help_text=_("创建时间不早于，ISO 8601 带时区"))
    updated_since = AwareDateTimeField(required=False, help_text=_("更新时间不早于，ISO 8601 带时区"))


# --- output ----------------------------------------------------------------------------------


class LabelField(serializers.CharField):
    """The label of a choice field's value (``source``: the field) in the request's language, from
    a dict of ``choices`` built once. Django's ``get_<field>_display`` would first make every choice
    hashable (translating every label to hash it), for every row."""

    def __init__(self, *, choices, **kwargs):
        self.labels = dict(choices)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return str(self.labels.get(value, value))


class RecipientOutput(serializers.Serializer):
    """Phone and street in full only when the serializer context says ``show_pii``."""

    name = serializers.CharField(source="recipient_name")
    phone = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField()
    street = serializers.CharField()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_pii"):
            data["phone"] = mask_phone(data["phone"])
            data["street"] = mask_street(data["street"])
        return data


class OrderLineOutput(serializers.Serializer):
    sku_code = serializers.CharField()
    title = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    warehouse = serializers.CharField(source="warehouse.code", allow_null=True, help_text=_("分配仓编码"))
    reserved_quantity = serializers.IntegerField()


class OrderSourceOutput(serializers.Serializer):
    channel = serializers.CharField(source="channel.code", help_text=_("渠道编码"))
    external_id = serializers.CharField()
    created_at = serializers.DateTimeField()


class OrderEventOutput(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    to_status_label = LabelField(source="to_status", choices=OrderStatus.choices)
    at = serializers.DateTimeField()
    note = serializers.CharField()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_pii"):
            data["note"] = mask_phones_in_text(data["note"])
        return data


class OrderOutput(serializers.Serializer):
    number = serializers.CharField(help_text=_("内部订单号"))
    channel = serializers.CharField(source="channel.code", help_text=_("渠道编码"))
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    status_label = LabelField(source="status", choices=OrderStatus.choices, help_text=_("状态名称，按请求语言"))
    hold_reason = serializers.CharField(help_text=_("挂起原因代码；未挂起时为空"))
    hold_reason_label = LabelField(source="hold_reason", choices=HoldReason.choices)
    hold_note = serializers.CharField()
    priority = serializers.IntegerField()
    recipient = RecipientOutput(source="*")
    buyer_note = serializers.CharField()
    seller_note = serializers.CharField()
    currency = serializers.CharField()
    goods_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipping_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    placed_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    promised_ship_at = serializers.DateTimeField(allow_null=True)
    warehouse = serializers.CharField(source="warehouse.code", allow_null=True, help_text=_("发货仓编码"))
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    lines = OrderLineOutput(many=True)
    sources = OrderSourceOutput(many=True, help_text=_("平台订单号（合并后可有多个）"))

    #: Free text that may carry a phone (a buyer writes "到了打 138…"): masked like the recipient's.
    NOTES = ("buyer_note", "seller_note", "hold_note")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_pii"):
            for name in self.NOTES:
                data[name] = mask_phones_in_text(data[name])
        return data


class OrderDetailOutput(OrderOutput):
    events = OrderEventOutput(many=True, source="timeline", help_text=_("时间线，按发生顺序（含已归档的事件）"))


class OrderIntakeOutput(OrderDetailOutput):
    duplicate = serializers.SerializerMethodField(help_text=_("该平台订单此前已接收过：返回的是已有订单"))

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_duplicate(self, order) -> bool:
        return bool(self.context.get("duplicate"))


def render(serializer_class: type[serializers.Serializer], instance, *, show_pii: bool, **context) -> dict:
    """``serializer_class(instance, context=...).data``, from a serializer built once per process
    for this context (``_renderer``): DRF builds every field of a serializer and of each nested one
    anew for each instance (a deep copy of ~50 fields, a fifth of an API POST's time), while what
    they render depends only on the instance and the context. Output serializers only: an input
    serializer keeps the request's data and errors on itself."""
    return _renderer(serializer_class, show_pii, tuple(sorted(context.items()))).to_representation(instance)


@functools.cache
def _renderer(serializer_class, show_pii: bool, context: tuple) -> serializers.Serializer:
    serializer = serializer_class(context={"show_pii": show_pii, **dict(context)})
    serializer.fields  # noqa: B018 - bound now, once, not on the first request of two at once
    return serializer


class OrderPageOutput(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text=_("下一页地址；没有时为 null"))
    previous = serializers.URLField(allow_null=True)
    results = OrderOutput(many=True)
