"""JD (京东商家后台). No public description of the export was found: this alias table covers the
usual column names, and sellers can use our own template instead (see ``template``)."""

from django.utils.translation import gettext_lazy as _

from channels.connectors.base import PlatformStatus as S
from channels.imports.formats import ExportFormat
from channels.models import Platform

FORMAT = ExportFormat(
    code="jd",
    label=_("京东 订单导出"),
    platform=Platform.JD,
    columns={
        "order": ("订单号",),
        "fallback_sku": ("商品ID", "商品编号"),
        "sku": ("商家SKU", "商家编码", "商家skuid"),
        "title": ("商品名称",),
        "quantity": ("订购数量", "商品数量"),
        "unit_price": ("京东价", "单价"),
        "paid_amount": ("应付金额", "订单金额"),
        "shipping_fee": ("运费金额", "运费"),
        "name": ("客户姓名", "收货人"),
        "address": ("客户地址", "收货地址"),
        "phone": ("联系电话", "手机"),
        "status": ("订单状态",),
        "placed_at": ("下单时间",),
        "paid_at": ("付款确认时间", "付款时间"),
        "buyer_note": ("订单备注", "买家留言"),
        "seller_note": ("商家备注",),
    },
    signature=("订单号", "订购数量", "客户地址"),
    required=("order", "quantity", "unit_price", "address", "status"),
    statuses={
        "等待付款": S.UNPAID,
        "等待出库": S.PAID,
        "等待发货": S.PAID,
        "等待确认收货": S.SHIPPED,
        "完成": S.COMPLETED,
        "已完成": S.COMPLETED,
        "已取消": S.CANCELLED,
        "锁定": S.CANCELLED,
    },
)
