"""Platform privacy numbers: stored as what they are, never a customer, a badge and a filter in
admin, and a flag the label path reads."""

from dataclasses import replace

import pytest
from django.urls import reverse

from orders.drafts import Recipient
from orders.models import Customer, Order
from orders.privacy import PhonePrivacy, classify_contact
from orders.services import order_change_address, order_intake
from orders.services.batch import order_intake_batch
from orders.services.customers import customer_phone


@pytest.mark.parametrize(
    ("name", "phone", "expected"),
    [
        ("王小明", "13812345678", ("13812345678", "", PhonePrivacy.PLAIN)),
        ("王小明", "17098765432-5678", ("17098765432", "5678", PhonePrivacy.VIRTUAL)),
        ("王小明", "17098765432转5678", ("17098765432", "5678", PhonePrivacy.VIRTUAL)),
        ("王小明", "+86 17098765432_123", ("17098765432", "123", PhonePrivacy.VIRTUAL)),
        ("刘**", "139****1234", ("139****1234", "", PhonePrivacy.MASKED)),
        ("李**", "1**********", ("1**********", "", PhonePrivacy.MASKED)),
        ("张**", "13812345678", ("13812345678", "", PhonePrivacy.MASKED)),
        ("", "", ("", "", PhonePrivacy.PLAIN)),
        ("王小明", "0571-88886666", ("0571-88886666", "", PhonePrivacy.PLAIN)),  # a landline, not virtual
    ],
)
def test_contacts_are_classified(name, phone, expected):
    contact = classify_contact(name, phone)
    assert (contact.phone, contact.extension, contact.privacy) == expected
    assert (customer_phone(name, phone) is not None) == (expected[2] == PhonePrivacy.PLAIN and bool(phone))


def _with_contact(draft, name, phone):
    return replace(draft, recipient=replace(draft.recipient, name=name, phone=phone))


def test_intake_stores_a_virtual_number_with_its_extension_and_no_customer(stocked, make_draft):
    first = order_intake(draft=_with_contact(make_draft(), "王**", "17098765432-5678")).order
    second = order_intake(draft=_with_contact(make_draft(), "王**", "17098765432-5678")).order

    for order in (first, second):
        order.refresh_from_db()
        assert (order.phone, order.phone_extension, order.phone_privacy) == ("17098765432", "5678", "virtual")
        assert order.customer_id is None and order.needs_platform_waybill
    assert not Customer.objects.exists()


def test_batch_intake_treats_privacy_numbers_alike(stocked, make_draft):
    drafts = [
        _with_contact(make_draft(), "王**", "17098765432-5678"),
        _with_contact(make_draft(), "赵**", "136****0000"),
        _with_contact(make_draft(), "孙丽", "13600000000"),
    ]
    order_intake_batch(drafts=drafts)

    assert list(Customer.objects.values_list("phone", flat=True)) == ["13600000000"]
    assert dict(Order.objects.values_list("recipient_name", "phone_privacy")) == {
        "王**": "virtual", "赵**": "masked", "孙丽": "",
    }


def test_a_real_phone_typed_in_later_makes_the_contact_plain(stocked, make_draft, ops_user):
    order = order_intake(draft=_with_contact(make_draft(), "刘**", "139****1234")).order
    order = order_change_address(order=order, address={"recipient_name": "刘洋", "phone": "13900001111"}, actor=ops_user)
    order.refresh_from_db()
    assert (order.phone, order.phone_privacy, order.needs_platform_waybill) == ("13900001111", "", False)
    # The platform sending its virtual number again marks it virtual again.
    order = order_change_address(order=order, address={"phone": "17098765432-1"})
    order.refresh_from_db()
    assert (order.phone, order.phone_extension, order.phone_privacy) == ("17098765432", "1", "virtual")


def test_admin_shows_a_badge_and_filters_privacy_orders(stocked, make_draft, ops_client, supervisor_client):
    virtual = order_intake(draft=_with_contact(make_draft(), "王**", "17098765432-5678")).order
    masked = order_intake(draft=_with_contact(make_draft(), "刘**", "139****1234")).order
    plain = order_intake(draft=make_draft()).order
    url = reverse("admin:orders_order_changelist")

    page = ops_client.get(url).content.decode()
    assert page.count('class="oms-badge oms-privacy"') == 2
    assert "170****5432 转 5678" in page and "139****1234" in page  # masked for ops, extension kept

    def listed(query):
        return {o.pk for o in ops_client.get(f"{url}?{query}").context["cl"].result_list}

    assert listed("privacy=yes") == {virtual.pk, masked.pk}
    assert listed("privacy=virtual") == {virtual.pk}
    assert listed("privacy=masked") == {masked.pk}
    assert listed("privacy=no") == {plain.pk}

    detail = supervisor_client.get(reverse("admin:orders_order_change", args=[virtual.pk])).content.decode()
    assert "17098765432 转 5678" in detail and "平台电子面单" in detail


def test_recipient_validation_still_limits_the_phone(make_draft):
    from orders.drafts import DraftInvalid

    draft = replace(make_draft(), recipient=Recipient(phone="1" * 33, province="浙江省", city="杭州市", street="x"))
    with pytest.raises(DraftInvalid):
        draft.validate()


def test_a_virtual_number_pasted_as_printed_finds_its_order(stocked, make_draft, ops_client):
    order = order_intake(draft=_with_contact(make_draft(), "王**", "17098765432-5678")).order
    listed = ops_client.get(reverse("admin:orders_order_changelist"), {"q": "17098765432-5678"})
    assert [o.pk for o in listed.context["cl"].result_list] == [order.pk]
