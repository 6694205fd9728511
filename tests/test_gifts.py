"""A platform code mapped to "赠品 / 不发货" (a gift not shipped) or to a gift shipped from one of
our SKUs: gift lines stop holding orders, stay on the order, and a gift not shipped needs no stock."""

from dataclasses import replace

import pytest
from django.db import IntegrityError
from django.urls import reverse

from channels.models import SkuMapping
from channels.selectors import unmapped_codes
from channels.services.skus import MappingInvalid, map_draft, sku_mapping_save
from inventory.models import Sku, StockLevel
from orders.models import Order
from orders.services import order_approve, order_intake, order_pack, order_ship, order_start_picking
from orders.states import GiftKind, HoldReason, OrderStatus

UNMAPPED = reverse("admin:channels_skumapping_unmapped")


def reserved() -> dict[str, int]:
    return {
        f"{code}@{wh}": r
        for code, wh, r in StockLevel.objects.filter(reserved__gt=0).values_list("sku__code", "warehouse__code", "reserved")
    }


def test_a_gift_not_shipped_takes_no_stock_and_holds_nothing(stocked, make_draft, taobao_channel):
    sku_mapping_save(channel=taobao_channel, external_code="TB-GIFT", sku_code="", gift=GiftKind.NOT_SHIPPED)
    draft = map_draft(taobao_channel, make_draft([("A001", 2), ("TB-GIFT", 1)]))

    order = order_intake(draft=draft).order

    assert order.status == OrderStatus.PENDING_REVIEW
    gift = order.lines.get(sku_code="TB-GIFT")
    assert (gift.gift, gift.sku_id, gift.reserved_quantity, gift.warehouse_id) == (GiftKind.NOT_SHIPPED, None, 0, None)
    assert reserved() == {"A001@HZ": 2}
    for step in (order_approve, order_start_picking, order_pack):
        order = step(order=order)
    order = order_ship(order=order, carrier="SF", tracking_number="SF0000000001")
    assert order.status == OrderStatus.SHIPPED and reserved() == {}


def test_a_gift_shipped_from_one_of_our_skus_is_reserved_like_goods(stocked, make_draft, taobao_channel):
    sku_mapping_save(channel=taobao_channel, external_code="TB-CUP-FREE", sku_code="A003", gift=GiftKind.SHIPPED)

    order = order_intake(draft=map_draft(taobao_channel, make_draft([("A001", 1), ("TB-CUP-FREE", 1)]))).order

    gift = order.lines.get(sku_code="A003")
    assert (gift.gift, gift.reserved_quantity) == (GiftKind.SHIPPED, 1)
    assert reserved() == {"A001@HZ": 1, "A003@HZ": 1}


def test_an_order_of_nothing_but_gifts_not_shipped_goes_on(stocked, make_draft, taobao_channel):
    sku_mapping_save(channel=taobao_channel, external_code="TB-GIFT", sku_code="", gift=GiftKind.NOT_SHIPPED)
    order = order_intake(draft=map_draft(taobao_channel, make_draft([("TB-GIFT", 2)]))).order
    assert order.status == OrderStatus.PENDING_REVIEW and order.warehouse_id is None and reserved() == {}


def test_mapping_a_held_gift_code_as_not_shipped_releases_its_orders(stocked, make_draft, taobao_channel, ops_client):
    held = order_intake(draft=make_draft([("A002", 1), ("HJ099-01", 1)])).order
    assert held.hold_reason == HoldReason.UNKNOWN_SKU
    assert [row["code"] for row in unmapped_codes()] == ["HJ099-01"]

    response = ops_client.post(
        UNMAPPED,
        {"channel": taobao_channel.pk, "external_code": "HJ099-01", "sku_code": "", "gift": "not_shipped"},
        follow=True,
    )

    order = Order.objects.get(pk=held.pk)
    assert order.status == OrderStatus.PENDING_REVIEW
    assert order.lines.get(sku_code="HJ099-01").gift == GiftKind.NOT_SHIPPED
    assert reserved() == {"A002@HZ": 1}
    assert unmapped_codes() == []
    text = " ".join(str(m) for m in response.context["messages"])
    assert "已映射 HJ099-01 → 赠品（不发货）" in text and "1 单已解除挂起" in text
    mapping = SkuMapping.objects.get(external_code="HJ099-01")
    assert (mapping.sku, mapping.gift) == (None, GiftKind.NOT_SHIPPED)


def test_a_gift_shipped_mapping_needs_a_sku_and_a_not_shipped_one_drops_it(taobao_channel, stocked):
    with pytest.raises(MappingInvalid):
        sku_mapping_save(channel=taobao_channel, external_code="G1", sku_code="", gift=GiftKind.SHIPPED)
    with pytest.raises(MappingInvalid):
        sku_mapping_save(channel=taobao_channel, external_code="G1", sku_code="A001", gift="sometimes")
    mapping, _ = sku_mapping_save(channel=taobao_channel, external_code="G1", sku_code="A001", gift=GiftKind.NOT_SHIPPED)
    assert mapping.sku is None
    assert not SkuMapping.objects.filter(external_code="G2").exists()
    with pytest.raises(IntegrityError):  # the database holds the rule too
        SkuMapping.objects.create(channel=taobao_channel, external_code="G2", sku=None, gift=GiftKind.NONE)


def test_the_admin_form_saves_a_gift_mapping(ops_client, taobao_channel, stocked):
    response = ops_client.post(
        reverse("admin:channels_skumapping_add"),
        {"channel": taobao_channel.pk, "external_code": "TB-GIFT", "sku": Sku.objects.get(code="A001").pk,
         "gift": "not_shipped"},
    )
    assert response.status_code == 302
    assert SkuMapping.objects.get(external_code="TB-GIFT").sku is None
    refused = ops_client.post(
        reverse("admin:channels_skumapping_add"),
        {"channel": taobao_channel.pk, "external_code": "TB-GIFT-2", "gift": "shipped"},
    )
    assert refused.status_code == 200 and not SkuMapping.objects.filter(external_code="TB-GIFT-2").exists()


def test_the_offer_to_other_shops_copies_the_gift_kind(ops_client, stocked, make_draft, taobao_channel, jd_channel):
    order_intake(draft=make_draft([("A002", 1), ("GIFT-X", 1)]))
    jd_order = order_intake(draft=make_draft([("A001", 1), ("GIFT-X", 1)], channel=jd_channel)).order
    ops_client.post(UNMAPPED, {"channel": taobao_channel.pk, "external_code": "GIFT-X", "gift": "not_shipped"})
    mapping = SkuMapping.objects.get(channel=taobao_channel)

    ops_client.post(reverse("admin:channels_skumapping_copy"), {"mapping": mapping.pk, "channels": [jd_channel.pk]})

    assert SkuMapping.objects.get(channel=jd_channel).gift == GiftKind.NOT_SHIPPED
    assert Order.objects.get(pk=jd_order.pk).status == OrderStatus.PENDING_REVIEW


def test_a_draft_with_an_unknown_gift_kind_is_invalid(make_draft):
    from orders.drafts import DraftInvalid

    draft = make_draft([("A001", 1)])
    draft = replace(draft, lines=(replace(draft.lines[0], gift="maybe"),))
    with pytest.raises(DraftInvalid) as refused:
        draft.validate()
    assert "lines[0].gift" in refused.value.errors


def test_an_import_takes_a_mapped_gift_line_in_without_a_hold(stocked, settings, tmp_path, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from channels.models import Channel, Platform
    from channels.services.imports import import_create, import_run, import_start
    from tests.channels import import_files as f

    settings.MEDIA_ROOT = tmp_path
    shop = Channel.objects.create(code="pdd-gift", name="拼多多店", platform=Platform.PINDUODUO)
    sku_mapping_save(channel=shop, external_code="PDD-GIFT", sku_code="", gift=GiftKind.NOT_SHIPPED)
    rows = f.pdd_rows(1, seed=1, skus=("A001",))
    gift = list(rows[0])
    gift[13], gift[4] = "PDD-GIFT", "0.00"
    job = import_create(channel=shop, file=SimpleUploadedFile("o.csv", f.to_csv(f.PDD_HEADER, [rows[0], gift])))
    with django_capture_on_commit_callbacks(execute=False):
        import_start(job)
    import_run(job.pk)

    order = Order.objects.get()
    assert order.status == OrderStatus.PENDING_REVIEW
    assert order.lines.get(sku_code="PDD-GIFT").gift == GiftKind.NOT_SHIPPED
