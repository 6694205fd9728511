"""Find orders by any number people quote: internal, platform, tracking, or the exact phone."""

import re
import unicodedata

from django.db.models import QuerySet

from orders.models import Order, OrderSource
from orders.privacy import classify_contact

#: More than this many terms in one search box are ignored (a pasted column of numbers is fine).
MAX_TERMS = 200

_SEPARATORS = re.compile(r"[\s,，;；、]+")


def search_terms(text: str) -> list[str]:
    """Split what was typed or pasted into distinct terms, keeping their order; full-width digits
    and letters (``１３８…``) are read as the ASCII ones they stand for, as phones are stored."""
    terms = [term for term in _SEPARATORS.split(unicodedata.normalize("NFKC", text or "")) if term]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def matching_order_ids(terms: list[str]) -> QuerySet:
    """One subquery of order ids: a UNION of exact, indexed look-ups, so every branch uses its
    index and no order appears twice. Internal numbers match in either case ('so2026…')."""
    numbers = list(dict.fromkeys(terms + [term.upper() for term in terms]))
    by_number = Order.objects.order_by().filter(number__in=numbers).values("pk")
    by_tracking = Order.objects.order_by().filter(tracking_number__in=terms).values("pk")
    # A virtual number pasted as the platform prints it (17098765432-5678) is stored without its
    # extension (``orders.privacy``).
    phones = list(dict.fromkeys(terms + [classify_contact("", term).phone for term in terms]))
    by_phone = Order.objects.order_by().filter(phone__in=phones).values("pk")
    by_source = OrderSource.objects.order_by().filter(external_id__in=terms).values("order_id")
    return by_number.union(by_tracking, by_phone, by_source)


def search_orders(queryset: QuerySet, text: str) -> QuerySet:
    terms = search_terms(text)
    if not terms:
        return queryset
    return queryset.filter(pk__in=matching_order_ids(terms))
