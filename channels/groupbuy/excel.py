"""The purchase plan as the buyer downloads it: an Excel workbook written through
``core.downloads.xlsx_book`` (every cell escaped against formula injection), three sheets —
what to buy per warehouse, demand per SKU, the split by station."""

from django.utils import timezone
from django.utils.translation import gettext as _

from channels.groupbuy.models import CutoffBatch
from core.downloads import xlsx_book


def purchase_plan_rows(batch: CutoffBatch):
    yield [_("仓库"), _("商家编码"), _("商品名称"), _("需求数量"), _("已占用库存"), _("可用库存"), _("缺口"),
           _("整箱数量"), _("采购箱数"), _("采购数量")]
    for line in batch.purchase_lines.select_related("warehouse", "sku").order_by("warehouse__code", "sku__code"):
        yield [line.warehouse.name, line.sku.code, line.sku.name, line.demand, line.reserved, line.free,
               line.shortfall, line.pack_size, line.packs, line.quantity]


def demand_rows(batch: CutoffBatch):
    yield [_("商家编码"), _("商品名称"), _("需求数量"), _("订单数")]
    for line in batch.demand.select_related("sku").order_by("sku__code"):
        yield [line.sku.code, line.sku.name, line.quantity, line.orders]


def station_rows(batch: CutoffBatch):
    yield [_("片区"), _("站点编码"), _("自提站点"), _("供货仓"), _("商家编码"), _("商品名称"), _("数量"), _("户数")]
    lines = batch.station_lines.select_related("station", "station__warehouse", "sku").order_by(
        "station__region", "station__code", "sku__code"
    )
    for line in lines.iterator(chunk_size=2000):
        station = line.station
        yield [station.region, station.code, station.name, station.warehouse.name, line.sku.code, line.sku.name,
               line.quantity, line.households]


def purchase_plan_xlsx(batch: CutoffBatch) -> bytes:
    return xlsx_book([
        (_("采购计划"), purchase_plan_rows(batch)),
        (_("需求汇总"), demand_rows(batch)),
        (_("站点分货"), station_rows(batch)),
    ])


def plan_filename(batch: CutoffBatch) -> str:
    closed = timezone.localtime(batch.closed_at)
    return f"purchase-plan-{batch.campaign.code}-{closed:%Y%m%d%H%M}.xlsx"
