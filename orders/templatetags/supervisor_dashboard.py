"""``{% supervisor_dashboard as dash %}``: the supervisor's charts, KPIs and analytics for the admin
home page (``orders.kpis.dashboard``), for people with ``orders.view_dashboard`` (None otherwise).
``?kpi_days=30`` shows the KPIs over 30 days instead of 7."""

from django import template

from orders.kpis import PERIODS, dashboard

register = template.Library()


@register.simple_tag(takes_context=True)
def supervisor_dashboard(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("orders.view_dashboard"):
        return None
    days = request.GET.get("kpi_days", "")
    return dashboard(days=int(days) if days.isdigit() and int(days) in PERIODS else PERIODS[0])
