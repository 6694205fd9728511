"""Taobao / Tmall (千牛, 卖家中心): the order report (订单报表, one row per order) and the item
report (宝贝报表, one row per item), joined on 订单编号."""

from django.utils.translation import gettext_lazy as _

from channels.connectors.base import PlatformStatus as S
from channels.imports.formats import ExportFormat
from channels.models import Platform

STATUSES = {
    "等待买家付款": S.UNPAID,
    "买家已付款,等待卖家发货": S.PAID,
    "等待卖家发货": S.PAID,
    "卖家部分发货": S.PAID,
    "卖家已发货,等待买家确认": S.SHIPPED,
    "卖家已发货": S.SHIPPED,
    "交易成功": S.COMPLETED,
    "交易关闭": S.CANCELLED,
    "付款以前,卖家或买家主动关闭交易": S.CANCELLED,
}

ORDERS = ExportFormat(
    code="taobao_orders",
    label=_("淘宝/天猫 订单报表"),
    platform=Platform.TAOBAO,
    columns={
        "order": ("订单编号",),
        "buyer": ("买家会员名",),
        "paid_amount": ("买家实际支付金额", "实付金额"),
        "shipping_fee": ("买家应付邮费", "邮费"),
        "discount": ("店铺优惠", "店铺优惠金额"),
        "status": ("订单状态",),
        "buyer_note": ("买家留言",),
        "seller_note": ("订单备注", "卖家备注"),
        "name": ("收货人姓名",),
        "address": ("收货地址",),
        "phone": ("联系手机", "联系电话"),
        "placed_at": ("订单创建时间",),
        "paid_at": ("订单付款时间",),
    },
    signature=("订单编号", "收货地址"),
    required=("order", "status", "address"),
    statuses=STATUSES,
    part="orders",
)

ITEMS = ExportFormat(
    code="taobao_items",
    label=_("淘宝/天猫 宝贝报表"),
    platform=Platform.TAOBAO,
    columns={
        "order": ("订单编号",),
        "title": ("标题", "宝贝标题"),
        "unit_price": ("价格",),
        "quantity": ("购买数量",),
        "sku": ("商家编码",),
        "attributes": ("商品属性",),
    },
    signature=("订单编号", "标题", "购买数量"),
    required=("order", "quantity", "unit_price", "sku"),
    part="items",
)
