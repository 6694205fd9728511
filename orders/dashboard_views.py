"""KPI export to Excel (the dashboard's 导出 links), through ``core.downloads.xlsx_bytes`` (every
text cell that a spreadsheet would run as a formula is escaped). Without ``kpi`` every KPI of the
period in one row each; with ``kpi`` that KPI day by day."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

from core.downloads import xlsx_bytes
from orders.kpis import PERIODS, kpis, period_days

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _header():
    return [_("指标"), _("数值"), _("单位"), _("目标"), _("达标"), _("分子"), _("分母"), _("周期")]


def _row(kpi, period: str) -> list:
    met = "" if kpi.met is None else (_("是") if kpi.met else _("否"))
    value = float(kpi.value) if kpi.value is not None else ""
    return [kpi.label, value, kpi.unit, kpi.target_text, met, float(kpi.numerator), kpi.denominator, period]


@login_required
def kpi_export(request):
    if not request.user.has_perm("orders.view_dashboard"):
        raise PermissionDenied
    days = request.GET.get("days", "7")
    if not days.isdigit() or int(days) not in PERIODS:
        return HttpResponseBadRequest(_("周期只能是 7 或 30 天"))
    days = int(days)
    key = request.GET.get("kpi", "")
    first, last = period_days(days)
    if not key:
        rows = [_header()] + [_row(kpi, f"{first:%Y-%m-%d}~{last:%Y-%m-%d}") for kpi in kpis(days=days)]
        name = f"kpis-{days}d-{last:%Y%m%d}.xlsx"
    else:
        if key not in {kpi.key for kpi in kpis(days=1)}:
            return HttpResponseBadRequest(_("没有这个指标"))
        rows = [_header()]
        for offset in range(days):
            day = first + timedelta(days=offset)
            rows.append(_row(next(k for k in kpis(days=1, today=day) if k.key == key), f"{day:%Y-%m-%d}"))
        name = f"kpi-{key}-{days}d-{last:%Y%m%d}.xlsx"
    response = HttpResponse(xlsx_bytes(rows, title=_("指标")), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
