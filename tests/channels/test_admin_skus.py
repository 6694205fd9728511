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


# ---- the same mapping for the other shops ----


@pytest.fixture
def jd_held(stocked, make_draft, jd_channel):
    from orders.services import order_intake

    return order_intake(draft=make_draft([("TB-CUP-RED", 1)], channel=jd_channel)).order


def test_a_mapping_offers_the_other_shops_waiting_on_the_same_code(ops_client, held, jd_held, taobao_channel, jd_channel):
    from channels.models import Channel, Platform

    quiet = Channel.objects.create(code="dy-main", name="抖音店", platform=Platform.DOUYIN)
    response = map_code(ops_client, taobao_channel, "TB-CUP-RED", "A001")

    mapping = SkuMapping.objects.get(channel=taobao_channel, external_code="TB-CUP-RED")
    assert response.redirect_chain[-1][0].endswith(f"?offer={mapping.pk}")
    offer = response.context["offer"]
    assert [(row["channel"], row["orders"], row["units"]) for row in offer["shops"]] == [
        (jd_channel, 1, 1), (quiet, 0, 0)
    ]
    page = response.content.decode()
    assert f'name="channels" value="{jd_channel.pk}" checked' in page
    assert f'name="channels" value="{quiet.pk}">' in page  # offered, not ticked: nothing waits there
    assert fresh(jd_held).status == OrderStatus.ON_HOLD  # nothing changes in another shop unasked


def test_applying_the_offer_maps_the_code_there_and_releases_its_orders(
    ops_client, held, jd_held, taobao_channel, jd_channel
):
    map_code(ops_client, taobao_channel, "TB-CUP-RED", "A001")
    mapping = SkuMapping.objects.get(channel=taobao_channel, external_code="TB-CUP-RED")

    response = ops_client.post(
        reverse("admin:channels_skumapping_copy"), {"mapping": mapping.pk, "channels": [jd_channel.pk]}, follow=True
    )

    assert SkuMapping.objects.get(channel=jd_channel, external_code="TB-CUP-RED").sku.code == "A001"
    assert fresh(jd_held).status == OrderStatus.PENDING_REVIEW
    text = " ".join(msgs(response))
    assert "京东自营店：已映射 TB-CUP-RED → A001" in text and "1 单已解除挂起" in text
    assert response.context["offer"] is None


def test_the_offer_leaves_a_shop_that_mapped_the_code_its_own_way(
    ops_client, held, jd_held, taobao_channel, jd_channel
):
    map_code(ops_client, taobao_channel, "TB-CUP-RED", "A001")
    map_code(ops_client, jd_channel, "TB-CUP-RED", "A003")
    mapping = SkuMapping.objects.get(channel=taobao_channel, external_code="TB-CUP-RED")

    ops_client.post(reverse("admin:channels_skumapping_copy"), {"mapping": mapping.pk, "channels": [jd_channel.pk]})

    assert SkuMapping.objects.get(channel=jd_channel, external_code="TB-CUP-RED").sku.code == "A003"
    assert fresh(jd_held).lines.get().sku_code == "A003"


def test_copying_needs_the_add_right_and_a_shop(held, jd_held, taobao_channel, jd_channel, ops_client, make_member):
    from django.test import Client

    map_code(ops_client, taobao_channel, "TB-CUP-RED", "A001")
    mapping = SkuMapping.objects.get(channel=taobao_channel, external_code="TB-CUP-RED")
    url = reverse("admin:channels_skumapping_copy")

    viewer = make_member("supervisor", "viewer_only")
    viewer.groups.clear()
    viewer.user_permissions.add(Permission.objects.get(codename="view_skumapping"))
    client = Client()
    client.force_login(viewer)
    assert client.post(url, {"mapping": mapping.pk, "channels": [jd_channel.pk]}).status_code == 403

    response = ops_client.post(url, {"mapping": mapping.pk}, follow=True)
    assert "请至少选择一个渠道" in " ".join(msgs(response))
    response = ops_client.post(url, {"mapping": mapping.pk, "channels": [99999]}, follow=True)
    assert msgs(response)
    assert not SkuMapping.objects.filter(channel=jd_channel).exists()


def test_saving_a_mapping_in_its_own_form_also_offers_the_other_shops(ops_client, held, jd_held, taobao_channel):
    sku = Sku.objects.get(code="A001")
    response = ops_client.post(
        reverse("admin:channels_skumapping_add"),
        {"channel": taobao_channel.pk, "external_code": "TB-CUP-RED", "sku": sku.pk},
    )
    mapping = SkuMapping.objects.get(channel=taobao_channel, external_code="TB-CUP-RED")
    assert response.status_code == 302 and response["Location"].endswith(f"unmapped/?offer={mapping.pk}")
