"""Our own template: for JD and any platform whose export we do not read, or orders typed by hand.
One row per item; the order-level columns are read from each order's first row."""

from django.utils.translation import gettext_lazy as _

from channels.connectors.base import PlatformStatus as S
from channels.imports.formats import ExportFormat
from core.downloads import csv_bytes, xlsx_bytes

HEADER = (
    "平台订单号",
    "商家编码",
    "商品名称",
    "数量",
    "单价",
    "收货人",
    "手机",
    "省",
    "市",
    "区",
    "详细地址",
    "运费",
    "优惠",
    "实付金额",
    "下单时间",
    "付款时间",
    "订单状态",
    "买家留言",
    "卖家备注",
    "买家昵称",
)
EXAMPLE = (
    "T20261122000001",
    "A001",
    "示例商品",
    "2",
    "19.90",
    "王小明",
    "13812345678",
    "浙江省",
    "杭州市",
    "西湖区",
    "文三路 90 号 3 幢 1201 室",
    "0",
    "0",
    "39.80",
    "2026-11-22 10:00:00",
    "2026-11-22 10:01:00",
    "已付款",
    "请尽快发货",
    "",
    "tb_xiaoming",
)

FORMAT = ExportFormat(
    code="template",
    label=_("OMS 导入模板"),
    platform=None,
    columns={
        "order": ("平台订单号",),
        "sku": ("商家编码",),
        "title": ("商品名称",),
        "quantity": ("数量",),
        "unit_price": ("单价",),
        "name": ("收货人",),
        "phone": ("手机",),
        "province": ("省",),
        "city": ("市",),
        "district": ("区",),
        "street": ("详细地址",),
        "shipping_fee": ("运费",),
        "discount": ("优惠",),
        "paid_amount": ("实付金额",),
        "placed_at": ("下单时间",),
        "paid_at": ("付款时间",),
        "status": ("订单状态",),
        "buyer_note": ("买家留言",),
        "seller_note": ("卖家备注",),
        "buyer": ("买家昵称", "买家会员名"),
    },
    signature=("平台订单号", "商家编码", "订单状态"),
    required=("order", "sku", "quantity", "unit_price", "province", "city", "street", "status"),
    statuses={"已付款": S.PAID, "待付款": S.UNPAID, "未付款": S.UNPAID, "已关闭": S.CANCELLED},
)


def template_csv() -> bytes:
    """The template as CSV (UTF-8 with BOM, so Excel opens it right): header and one example row."""
    return csv_bytes([HEADER, EXAMPLE])


def template_xlsx() -> bytes:
    """The template as XLSX, every column stored as text so long order numbers keep their digits."""
    return xlsx_bytes([HEADER, EXAMPLE], title="orders", text=True)
