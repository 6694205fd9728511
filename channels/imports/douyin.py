"""Douyin shop (抖店): 主订单编号 with one row per sub-order (子订单编号)."""

from django.utils.translation import gettext_lazy as _

from channels.connectors.base import PlatformStatus as S
from channels.imports.formats import ExportFormat
from channels.models import Platform

FORMAT = ExportFormat(
    code="douyin",
    label=_("抖店 订单导出"),
    platform=Platform.DOUYIN,
    columns={
        "order": ("主订单编号",),
        "sub_order": ("子订单编号",),
        "title": ("选购商品", "商品名称"),
        "attributes": ("商品规格",),
        "fallback_sku": ("商品ID",),
        "sku": ("商家编码",),
        "quantity": ("商品数量",),
        "line_amount": ("商品金额",),
        "line_discount": ("商家优惠", "店铺优惠"),
        "paid_amount": ("订单应付金额", "订单实付金额"),
        "shipping_fee": ("运费",),
        "status": ("订单状态",),
        "after_sale": ("售后状态",),
        "name": ("收件人", "收货人"),
        "phone": ("收件人手机号", "收件人电话", "手机"),
        "province": ("省",),
        "city": ("市",),
        "district": ("区",),
        "town": ("街道",),
        "street": ("详细地址",),
        "address": ("收货地址", "详细收货地址"),
        "placed_at": ("订单提交时间", "下单时间"),
        "paid_at": ("支付完成时间", "支付时间"),
        "buyer_note": ("买家留言",),
        "seller_note": ("商家备注",),
    },
    signature=("主订单编号", "子订单编号"),
    required=("order", "quantity", "line_amount", "status"),
    statuses={
        "待支付": S.UNPAID,
        "备货中": S.PAID,
        "待发货": S.PAID,
        "已发货": S.SHIPPED,
        "已完成": S.COMPLETED,
        "已关闭": S.CANCELLED,
        "已取消": S.CANCELLED,
    },
    after_sale={
        "退款成功": S.CANCELLED,
        "售后完成": S.CANCELLED,
        "退款中": S.REFUNDING,
        "售后中": S.REFUNDING,
    },
)
