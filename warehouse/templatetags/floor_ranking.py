"""``{% picker_ranking as ranking %}`` for the admin home page: the last 7 days' picker ranking,
for people who may see the supervisor's dashboard (None for the others)."""

from django import template

from warehouse.ranking import picker_ranking as read_ranking

register = template.Library()


@register.simple_tag(takes_context=True)
def picker_ranking(context):
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.has_perm("orders.view_dashboard"):
        return None
    return read_ranking()
