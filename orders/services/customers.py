"""The buyer as a customer, kept by phone: one upsert statement for the single and the batch intake.

A customer is created with the first name seen for a phone and never renamed by a later order. A
platform privacy number (masked ``138****1234`` or virtual ``17098765432-5678``, see
``orders.privacy``), a missing phone or one longer than the column makes no customer: a later
order from the same virtual number is not the same buyer.
"""

from django.db import connection
from django.utils import timezone

from core.sql import slices
from orders.models import Customer
from orders.privacy import PhonePrivacy, classify_contact

_PHONE_LENGTH = Customer._meta.get_field("phone").max_length
_NAME_LENGTH = Customer._meta.get_field("name").max_length


def customer_phone(name: str, phone: str) -> str | None:
    """The phone a customer is kept under, or None (a privacy number, missing or too long)."""
    contact = classify_contact(name, phone)
    if contact.privacy != PhonePrivacy.PLAIN or not contact.phone or len(contact.phone) > _PHONE_LENGTH:
        return None
    return contact.phone


def customers_upsert_statement(buyers: list[tuple[str, str]]) -> tuple[str, list]:
    """The upsert of ``buyers`` ((phone, name), phones distinct and kept), whose rows are
    ``(id, phone)`` for every one of them, new or not.

    Raw SQL rather than ``bulk_create(update_conflicts=True)``, which writes the same statement but
    reads its result at once: ``order_intake`` sends it ahead and reads it together with the
    reservation, one round trip fewer per order (docs/BENCHMARKS.md)."""
    table = connection.ops.quote_name(Customer._meta.db_table)
    now = timezone.now()
    # The no-op update makes RETURNING give the existing row's id on a conflict.
    upsert = "ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone RETURNING id, phone"
    rows = ", ".join(["(%s, %s, %s)"] * len(buyers))
    params = [value for phone, name in buyers for value in (name[:_NAME_LENGTH], phone, now)]
    # Only the quoted table name and placeholders are interpolated; the values are parameters.
    return f"INSERT INTO {table} (name, phone, created_at) VALUES {rows} {upsert}", params  # noqa: S608


def customers_upsert(buyers: dict[str, str]) -> dict[str, int]:
    """phone -> customer id for ``buyers`` (phone -> name, phones from ``customer_phone``), creating
    the new ones, in slices under the database's parameter limit. The rows are written in phone
    order, so that two batches sharing buyers lock them in the same order and cannot deadlock."""
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        for part in slices(sorted(buyers.items()), params_each=3):
            cursor.execute(*customers_upsert_statement(part))
            found.update((phone, pk) for pk, phone in cursor.fetchall())
    return found
