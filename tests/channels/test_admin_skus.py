"""SKU mapping admin and the unmapped-codes page: mapping a code re-runs the orders held for it."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from channels.models import SkuMapping
from inventory.models import Sku
from orders.models import Order, OrderEvent
from orders.states import HoldReason, OrderStatus

UNMAPPED = reverse("admin:channels_skumapping_unmapped")
MAPPINGS = reverse("admin:channels_skumapping_changelist")


def msgs(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def fresh(order) -> Order:
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def held(place_order):
    """Two orders waiting on TB-CUP-RED (one also on TB-LID), one waiting on TB-LID only."""
    return [
        place_order([("TB-CUP-RED", 2), ("A002", 1)]),
        place_order([("TB-CUP-RED", 1), ("TB-LID", 3)]),
        place_order([("TB-LID", 1)]),
    ]


def map_code(client, channel, code, sku_code):
    return client.post(UNMAPPED, {"channel": channel.pk, "external_code": code, "sku_code": sku_code}, follow=True)


def test_the_page_lists_each_code_with_its_orders_and_units(ops_client, held):
    response = ops_client.get(UNMAPPED)

    assert response.status_code == 200
    rows = {(row["code"], row["orders"], row["units"]) for row in response.context["rows"]}
    assert rows == {("TB-CUP-RED", 2, 3), ("TB-LID", 2, 4)}
    assert "映射并重新处理" in response.content.decode()


def test_mapping_a_code_releases_the_orders_that_only_waited_on_it(ops_client, held, taobao_channel):
    first, second, third = held

    response = map_code(ops_client, taobao_channel, "TB-CUP-RED", "A001")

    assert response.status_code == 200
    assert SkuMapping.objects.get(channel=taobao_channel, external_code="TB-CUP-RED").sku.code == "A001"
    assert fresh(first).status == OrderStatus.PENDING_REVIEW
    assert fresh(first).lines.get(sku_code="A001").reserved_quantity == 2
    second = fresh(second)
    assert (second.status, second.hold_reason, second.hold_note) == (
        OrderStatus.ON_HOLD, HoldReason.UNKNOWN_SKU, "未知商家编码：TB-LID")
    assert fresh(third).status == OrderStatus.ON_HOLD
    text = " ".join(msgs(response))
    assert first.number in text and f"订单 {second.number} 仍挂起" in text
    assert OrderEvent.objects.get(order=first, action="relink_skus").actor.username == "ops_wang"
    assert [r["code"] for r in response.context["rows"]] == ["TB-LID"]

    map_code(ops_client, taobao_channel, "TB-LID", "A003")
    assert fresh(second).status == OrderStatus.PENDING_REVIEW and fresh(third).status == OrderStatus.PENDING_REVIEW


def test_out_of_stock_after_mapping_is_held_as_out_of_stock(ops_client, held, taobao_channel):
    Sku.objects.create(code="EMPTY-1", name="无货")

    map_code(ops_client, taobao_channel, "TB-LID", "EMPTY-1")

    assert fresh(held[2]).hold_reason == HoldReason.OUT_OF_STOCK


@pytest.mark.parametrize("sku_code", ["NOPE-404", ""])
def test_a_bad_sku_code_gives_a_clear_error_and_changes_nothing(ops_client, held, taobao_channel, sku_code):
    response = map_code(ops_client, taobao_channel, "TB-CUP-RED", sku_code)

    assert any("不存在或已停用" in m for m in msgs(response))
    assert not SkuMapping.objects.exists()
    assert {fresh(o).status for o in held} == {OrderStatus.ON_HOLD}
    assert not OrderEvent.objects.filter(action="relink_skus").exists()


def test_ops_without_the_mapping_right_are_refused(ops_member, ops_client, held, taobao_channel):
    ops_member.groups.clear()
    ops_member.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_skumapping", "view_order"]))

    assert ops_client.get(UNMAPPED).status_code == 200  # may look
    response = map_code(ops_client, taobao_channel, "TB-CUP-RED", "A001")

    assert response.status_code == 403
    assert not SkuMapping.objects.exists() and fresh(held[0]).status == OrderStatus.ON_HOLD


def test_pickers_and_anonymous_cannot_see_the_page(picker_client, client, held):
    assert picker_client.get(UNMAPPED).status_code in (302, 403)
    assert client.get(UNMAPPED).status_code == 302
    assert client.post(UNMAPPED, {}).status_code == 302


def test_the_mapping_admin_add_form_also_reruns_held_orders(ops_client, held, taobao_channel,
                                                            django_capture_on_commit_callbacks):
    sku = Sku.objects.get(code="A001")
    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post(reverse("admin:channels_skumapping_add"),
                                   {"channel": taobao_channel.pk, "external_code": " TB-CUP-RED ", "sku": sku.pk})

    assert response.status_code == 302
    assert SkuMapping.objects.get().external_code == "TB-CUP-RED"
    assert fresh(held[0]).status == OrderStatus.PENDING_REVIEW


def test_the_mapping_list_searches_by_code(ops_client, taobao_channel, stocked):
    SkuMapping.objects.create(channel=taobao_channel, external_code="TB-9", sku=Sku.objects.get(code="A002"))

    found = ops_client.get(MAPPINGS, {"q": "TB-9"})
    none = ops_client.get(MAPPINGS, {"q": "TB-8"})

    assert found.status_code == 200 and len(found.context["cl"].result_list) == 1
    assert len(none.context["cl"].result_list) == 0


def test_the_mapping_list_links_to_the_unmapped_page_with_a_count(ops_client, held):
    text = ops_client.get(MAPPINGS).content.decode()
    assert UNMAPPED in text and "待映射编码 (2)" in text


def test_the_page_filters_by_shop_in_a_fixed_number_of_queries(ops_client, held, jd_channel, make_draft,
                                                               django_assert_max_num_queries):
    from orders.services import order_intake

    for _ in range(5):
        order_intake(draft=make_draft([("JD-1", 1)], channel=jd_channel))

    with django_assert_max_num_queries(12):
        everything = ops_client.get(UNMAPPED)
    only_jd = ops_client.get(UNMAPPED, {"channel": jd_channel.pk})

    assert len(everything.context["rows"]) == 3
    assert [(r["code"], r["orders"]) for r in only_jd.context["rows"]] == [("JD-1", 5)]


def test_changing_a_mapping_in_its_form_changes_that_row_through_the_service(ops_client, held, taobao_channel,
                                                                              django_capture_on_commit_callbacks):
    """The admin's form saves through ``sku_mapping_save``: the row is updated in place (its code
    changed too), and the orders waiting on the new code are re-run after the commit."""
    mapping = SkuMapping.objects.create(channel=taobao_channel, external_code="TB-OLD", sku=Sku.objects.get(code="A002"))
    change = reverse("admin:channels_skumapping_change", args=[mapping.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post(change, {"channel": taobao_channel.pk, "external_code": "TB-LID",
                                            "sku": Sku.objects.get(code="A003").pk})

    assert response.status_code == 302
    assert list(SkuMapping.objects.values_list("pk", "external_code", "sku__code")) == [(mapping.pk, "TB-LID", "A003")]
    assert fresh(held[2]).status == OrderStatus.PENDING_REVIEW
    assert OrderEvent.objects.get(order=held[2], action="relink_skus").actor.username == "ops_wang"
