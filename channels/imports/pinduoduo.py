"""Pinduoduo (拼多多商家后台): one row per item; receiver names and phones may come masked."""

from django.utils.translation import gettext_lazy as _

from channels.connectors.base import PlatformStatus as S
from channels.imports.formats import ExportFormat
from channels.models import Platform

FORMAT = ExportFormat(
    code="pinduoduo",
    label=_("拼多多 订单导出"),
    platform=Platform.PINDUODUO,
    columns={
        "order": ("订单号",),
        "title": ("商品",),
        "attributes": ("商品规格", "样式", "商品规格/样式"),
        "quantity": ("商品数量(件)", "商品数量"),
        "list_amount": ("商品总价(元)",),
        "line_amount": ("用户实付金额(元)",),
        "line_discount": ("店铺优惠折扣(元)", "店铺优惠(元)", "店铺优惠"),
        "shipping_fee": ("邮费(元)", "运费(元)"),
        "name": ("收货人",),
        "phone": ("手机", "收货人手机号"),
        "province": ("省",),
        "city": ("市",),
        "district": ("区",),
        "town": ("街道",),
        "street": ("详细地址",),
        "sku": ("商家编码-SKU维度", "sku编码"),
        "fallback_sku": ("商家编码-商品维度", "商品id"),
        "status": ("订单状态",),
        "after_sale": ("售后状态",),
        "placed_at": ("订单成交时间", "下单时间"),
        "paid_at": ("支付时间", "付款时间"),
        "buyer_note": ("买家留言",),
        "seller_note": ("商家备注",),
    },
    signature=("订单号", "商品数量(件)", "用户实付金额(元)"),
    required=("order", "quantity", "line_amount", "province", "city", "street"),
    statuses={
        "待发货": S.PAID,
        "已发货,待收货": S.SHIPPED,
        "已发货,待签收": S.SHIPPED,
        "已签收": S.COMPLETED,
        "已取消": S.CANCELLED,
        "交易已取消": S.CANCELLED,
        "未发货,退款成功": S.CANCELLED,
        "已发货,退款成功": S.CANCELLED,
    },
    after_sale={"退款成功": S.CANCELLED, "退款中": S.REFUNDING, "售后处理中": S.REFUNDING},
)
