"""``{% today_numbers as today %}``: today's order numbers for the admin home page, for people who
may see orders (None for the others, so the page shows nothing of them)."""

from django import template

from orders.dashboard import today_numbers as read_today_numbers

register = template.Library()


@register.simple_tag(takes_context=True)
def today_numbers(context):
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.has_perm("orders.view_order"):
        return None
    return read_today_numbers()
