"""Realistic platform order exports for the import tests and the import benchmark: the headers,
status texts, masking and Excel habits each platform's export really has (see docs/IMPORT.md)."""

import csv
import io
import random

PLACES = [
    ("浙江省", "杭州市", "西湖区"),
    ("上海", "上海市", "浦东新区"),
    ("广东省", "深圳市", "南山区"),
    ("江苏省", "南京市", "鼓楼区"),
    ("四川省", "成都市", "武侯区"),
]
STREETS = [
    "文三路 90 号 3 幢 1201 室",
    "科技园南区 R2-B 栋 8 楼",
    "人民路 1 号",
    "建国路 88 号 A 座 前台代收",
]
NAMES = ["王小明", "李娜", "张伟", "刘**", "陈静"]

PDD_HEADER = [
    "订单号",
    "商品",
    "商品规格/样式",
    "商品数量（件）",
    "用户实付金额（元）",
    "商家实收金额（元）",
    "收货人",
    "手机",
    "省",
    "市",
    "区",
    "街道",
    "详细地址",
    "商家编码-SKU维度",
    "快递单号",
    "快递公司",
    "订单状态",
    "售后状态",
    "订单成交时间",
]


def pdd_rows(orders: int, *, seed: int = 1, skus=("A001", "A002", "A003"), prefix: str = "261122-") -> list[list]:
    """One row per item, 1-3 items per order; some phones masked, some virtual with an extension."""
    return [row for group in iter_pdd_orders(orders, seed=seed, skus=skus, prefix=prefix) for row in group]


def iter_pdd_orders(orders: int, *, seed: int = 1, skus=("A001", "A002", "A003"), prefix: str = "261122-"):
    """``pdd_rows`` one order (a list of rows) at a time, for files too big to hold."""
    rng = random.Random(seed)
    skus = list(skus)
    for i in range(orders):
        number = f"{prefix}{i:015d}"
        province, city, district = PLACES[i % len(PLACES)]
        phone = ["13812345678", "138****6789", "17012345678-1234"][i % 3] if i % 7 else f"139{i % 10**8:08d}"
        group = []
        for code in rng.sample(skus, rng.randint(1, min(3, len(skus)))):
            qty = rng.randint(1, 3)
            group.append([
                number, f"商品{code}", "默认", qty, f"{qty * 19.9:.2f}", f"{qty * 18.9:.2f}", NAMES[i % len(NAMES)],
                phone, province, city, district, "", STREETS[i % len(STREETS)], code, "", "", "待发货",
                "无售后或售后取消", f"2026-11-22 {i % 24:02d}:{i % 60:02d}:00",
            ])
        yield group


TAOBAO_ORDER_HEADER = [
    "订单编号",
    "买家会员名",
    "买家实际支付金额",
    "买家应付邮费",
    "订单状态",
    "买家留言",
    "收货人姓名",
    "收货地址",
    "联系手机",
    "订单创建时间",
    "订单付款时间",
    "宝贝总数量",
    "店铺名称",
    "订单关闭原因",
]
TAOBAO_ITEM_HEADER = ["订单编号", "标题", "价格", "购买数量", "商品属性", "商家编码", "订单状态"]


def taobao_files(
    orders=(
        ("3861204455123456789", "买家已付款，等待卖家发货", [("A001", 2), ("A002", 1)]),
        ("3861204455123456790", "等待买家付款", [("A003", 1)]),
        ("3861204455123456791", "交易关闭", [("A001", 1)]),
    ),
):
    """(order report rows, item report rows); order numbers protected the Excel way (="…")."""
    order_rows, item_rows = [], []
    for number, status, lines in orders:
        total = sum(q for _c, q in lines)
        order_rows.append(
            [
                f'="{number}"',
                "tb_buyer",
                f"{total * 19.9:.2f}",
                "0.00",
                status,
                "",
                "王小明",
                "浙江省 杭州市 西湖区 文三路90号 3幢1201室(310000)",
                "'13812345678",
                "2026-11-22 10:00:00",
                "2026-11-22 10:01:00" if "付款" not in status else "",
                total,
                "淘宝旗舰店",
                "",
            ]
        )
        for code, qty in lines:
            item_rows.append([f'="{number}"', f"商品{code}", "19.90", qty, "颜色分类:白色", code, status])
    return order_rows, item_rows


DOUYIN_HEADER = [
    "主订单编号",
    "子订单编号",
    "选购商品",
    "商品ID",
    "商家编码",
    "商品数量",
    "商品金额",
    "订单应付金额",
    "运费",
    "订单状态",
    "售后状态",
    "收件人",
    "收件人手机号",
    "省",
    "市",
    "区",
    "街道",
    "订单提交时间",
    "支付完成时间",
]


def douyin_rows():
    return [
        [
            "6921000000000000001",
            "6921000000000000002",
            "商品A001",
            "3500000001",
            "A001",
            "2",
            "39.80",
            "39.80",
            "0",
            "待发货",
            "-",
            "李**",
            "1**********",
            "广东省",
            "深圳市",
            "南山区",
            "科技园南区 R2-B 栋",
            "2026/11/22 10:00",
            "2026/11/22 10:01",
        ],
        [
            "6921000000000000001",
            "6921000000000000003",
            "商品A002",
            "3500000002",
            "",
            "1",
            "19.90",
            "39.80",
            "0",
            "待发货",
            "-",
            "李**",
            "1**********",
            "广东省",
            "深圳市",
            "南山区",
            "科技园南区 R2-B 栋",
            "2026/11/22 10:00",
            "2026/11/22 10:01",
        ],
        [
            "6921000000000000004",
            "6921000000000000005",
            "商品A003",
            "3500000003",
            "A003",
            "1",
            "19.90",
            "19.90",
            "0",
            "待支付",
            "-",
            "陈静",
            "13900001111",
            "四川省",
            "成都市",
            "武侯区",
            "人民路 1 号",
            "2026/11/22 11:00",
            "",
        ],
    ]


JD_HEADER = [
    "订单号",
    "商品ID",
    "商家SKU",
    "商品名称",
    "订购数量",
    "京东价",
    "应付金额",
    "客户姓名",
    "客户地址",
    "联系电话",
    "订单状态",
    "下单时间",
    "付款确认时间",
]


def jd_rows():
    return [
        [
            "300012345678",
            "100001",
            "A001",
            "商品A001",
            "1",
            "19.90",
            "19.90",
            "张伟",
            "北京 北京市 朝阳区 建国路88号",
            "13700001111",
            "等待出库",
            "2026-11-22 09:00:00",
            "2026-11-22 09:00:30",
        ],
        [
            "300012345679",
            "100002",
            "A002",
            "商品A002",
            "2",
            "19.90",
            "39.80",
            "赵磊",
            "江苏省 南京市 鼓楼区 中山路1号",
            "13700002222",
            "等待出库",
            "2026-11-22 09:10:00",
            "2026-11-22 09:10:30",
        ],
    ]


def template_rows():
    from channels.imports.template import EXAMPLE

    second = list(EXAMPLE)
    second[1], second[3] = "A002", "1"
    third = list(EXAMPLE)
    third[0], third[16], third[15] = "T20261122000002", "待付款", ""
    return [list(EXAMPLE), second, third]


def to_csv(header, rows, *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def to_xlsx(header, rows) -> bytes:
    """An XLSX as sellers have them: numeric-looking cells stored as numbers (quantities, prices),
    order numbers stored as text."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("订单")
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(h, v) for h, v in zip(header, row, strict=False)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(header: str, value):
    if isinstance(value, str) and value.startswith('="'):
        return value[2:-1]  # what Excel keeps of a protected number: the text
    if isinstance(value, str) and header in {"商品数量（件）", "订购数量", "数量", "购买数量", "商品数量"}:
        return int(value) if value.isdigit() else value
    if isinstance(value, str) and header in {"单价", "京东价", "价格", "用户实付金额（元）"}:
        try:
            return float(value)
        except ValueError:
            return value
    return value
