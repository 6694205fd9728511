"""Shipment and carrier admin: every change goes through the services; refusals say why."""

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from oms.roles import OPS, SUPERVISOR
from orders.models import OrderEvent
from warehouse.carriers.services import EVENT_CARRIER_CHANGED, shipment_issue, shipment_propose
from warehouse.models.carriers import CarrierService, RateZone, Shipment, ShipmentStatus

SHIPMENTS = reverse("admin:warehouse_shipment_changelist")
PROPOSE = reverse("admin:warehouse_shipment_propose")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def ops_client(make_member):
    client = Client()
    client.force_login(make_member(OPS, "ops_ship"))
    return client


@pytest.fixture
def supervisor_client(make_member):
    client = Client()
    client.force_login(make_member(SUPERVISOR, "sup_ship"))
    return client


def act(client, action, shipments, **data):
    return client.post(
        SHIPMENTS, {"action": action, helpers.ACTION_CHECKBOX_NAME: [s.pk for s in shipments], **data}, follow=True
    )


def test_the_list_and_the_page_show_proposal_reason_and_quotes(ops_client, ready_order):
    order = ready_order(province="浙江省", city="杭州市")
    shipment = shipment_propose(order=order, weight_g=1200)

    listing = ops_client.get(SHIPMENTS)
    page = ops_client.get(reverse("admin:warehouse_shipment_change", args=[shipment.pk]))

    assert listing.status_code == 200 and order.number in listing.content.decode()
    body = page.content.decode()
    assert shipment.proposal_reason in body and "顺丰特快" in body and "满足优先级" in body
    assert f"/floor/print/sheet/{order.number}.pdf" in body


def test_ops_change_the_carrier_through_a_form_with_a_reason(ops_client, ready_order):
    order = ready_order(province="浙江省", city="杭州市")
    shipment = shipment_propose(order=order, weight_g=1200)
    sf = CarrierService.objects.get(name="顺丰标快")

    form = act(ops_client, "choose", [shipment])
    assert form.status_code == 200 and "改派快递" in form.content.decode()
    missing_reason = act(ops_client, "choose", [shipment], apply="1", service=sf.pk, reason="")
    assert missing_reason.context["form"].errors and Shipment.objects.get(pk=shipment.pk).service.name == "极兔标快"

    done = act(ops_client, "choose", [shipment], apply="1", service=sf.pk, reason="买家要求顺丰")

    assert f"{order.number} 已改为 顺丰标快" in messages_of(done)
    assert Shipment.objects.get(pk=shipment.pk).service == sf
    assert OrderEvent.objects.filter(order=order, action=EVENT_CARRIER_CHANGED, note="买家要求顺丰").exists()


def test_issue_void_and_the_refusals_in_the_messages(ops_client, ready_order):
    order = ready_order()
    shipment = shipment_propose(order=order, weight_g=1000)

    issued = act(ops_client, "issue", [shipment])
    number = Shipment.objects.get(pk=shipment.pk).waybill_number
    assert number and f"{order.number} 已出面单 {number}" in messages_of(issued)

    sf = CarrierService.objects.get(name="顺丰标快")
    refused = act(ops_client, "choose", [shipment], apply="1", service=sf.pk, reason="买家要求")
    assert any("请先作废面单再改派" in m and "未做修改" in m for m in messages_of(refused))

    voided = act(ops_client, "void", [shipment], apply="1", reason="面单打印模糊")
    assert f"{order.number} 的面单已作废" in messages_of(voided)
    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.PROPOSED


def test_print_actions_return_pdfs_or_say_what_is_missing(ops_client, ready_order):
    issued = shipment_issue(order=ready_order(), weight_g=1000)
    waiting = shipment_propose(order=ready_order(), weight_g=1000)

    labels = act(ops_client, "print_labels", [issued])
    sheets = act(ops_client, "print_sheets", [issued, waiting])
    refused = act(ops_client, "print_labels_large", [issued, waiting])

    assert labels["Content-Type"] == "application/pdf" and sheets["Content-Type"] == "application/pdf"
    assert any(f"以下订单尚未出面单：{waiting.order.number}" in m for m in messages_of(refused))


def test_propose_from_order_numbers(ops_client, ready_order):
    order = ready_order(province="浙江省", city="杭州市")

    bad = ops_client.post(PROPOSE, {"orders": "SO19990101000001", "weight_g": 800})
    assert "找不到订单：SO19990101000001" in bad.content.decode() and not Shipment.objects.exists()

    done = ops_client.post(PROPOSE, {"orders": order.number, "weight_g": 800}, follow=True)

    shipment = Shipment.objects.get(order=order)
    assert shipment.weight_g == 800 and any(shipment.proposal_reason in m for m in messages_of(done))


def test_a_viewer_without_the_rights_has_no_actions(ready_order, django_user_model):
    shipment = shipment_propose(order=ready_order(), weight_g=1000)
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_shipment"))
    client = Client()
    client.force_login(viewer)

    response = act(client, "issue", [shipment])

    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.PROPOSED
    assert response.status_code == 200
    assert client.get(PROPOSE, follow=True).redirect_chain[-1][0] == SHIPMENTS


def test_rate_zones_refuse_unknown_or_doubled_provinces(supervisor_client, carriers, warehouse_hz):
    add = reverse("admin:warehouse_ratezone_add")

    unknown = supervisor_client.post(add, {"warehouse": warehouse_hz.pk, "name": "五区", "provinces": '["火星"]', "sequence": 5})
    doubled = supervisor_client.post(add, {"warehouse": warehouse_hz.pk, "name": "五区", "provinces": '["浙江省"]', "sequence": 5})
    abroad = supervisor_client.post(add, {"warehouse": warehouse_hz.pk, "name": "五区", "provinces": '["台湾"]', "sequence": 5})

    assert "未知省份：火星" in unknown.content.decode()
    assert "这些省份已在该仓的其他分区：浙江" in doubled.content.decode()
    assert "未知省份：台湾" in abroad.content.decode()
    assert not RateZone.objects.filter(name="五区").exists()

    remote = RateZone.objects.get(warehouse=warehouse_hz, name="四区 偏远")
    remote.provinces = [p for p in remote.provinces if p != "西藏"]
    remote.save()
    supervisor_client.post(add, {"warehouse": warehouse_hz.pk, "name": "五区", "provinces": '["西藏自治区"]', "sequence": 5})
    assert RateZone.objects.get(name="五区").provinces == ["西藏"]


def test_the_rate_table_pages_load(supervisor_client, carriers):
    for name in ("carrier", "carrierservice", "ratezone", "carrierrate"):
        assert supervisor_client.get(reverse(f"admin:warehouse_{name}_changelist")).status_code == 200
    service = CarrierService.objects.get(name="顺丰特快")
    assert supervisor_client.get(reverse("admin:warehouse_carrierservice_change", args=[service.pk])).status_code == 200


def test_the_order_page_panel_shows_the_choice_the_reason_and_the_links(make_member, ready_order, rf):
    from warehouse.carriers.panel import order_shipment_panel
    from warehouse.carriers.services import shipment_choose

    order = ready_order(province="浙江省", city="杭州市")
    request = rf.get("/")
    request.user = make_member(OPS, "ops_panel")
    assert order_shipment_panel(request, order) == ""

    shipment_propose(order=order, weight_g=1200)
    shipment_choose(order=order, service=CarrierService.objects.get(name="顺丰标快"), reason="买家要求顺丰",
                    actor=request.user)
    issued = shipment_issue(order=order)
    html = order_shipment_panel(request, order)

    assert "顺丰标快" in html and "¥14.00" in html and issued.waybill_number in html
    assert "ops_panel 改派（原推荐 极兔标快）：买家要求顺丰" in html and "极兔标快 ¥3.70" in html
    assert f"/floor/print/label/{order.number}.pdf" in html


def test_the_shipments_page_has_buttons_for_the_same_actions(ops_client, ready_order):
    order = ready_order(province="浙江省", city="杭州市")
    shipment = shipment_propose(order=order, weight_g=1200)
    page = reverse("admin:warehouse_shipment_change", args=[shipment.pk])
    act_url = lambda name: reverse("admin:warehouse_shipment_act", args=[shipment.pk, name])  # noqa: E731

    body = ops_client.get(page).content.decode()
    assert act_url("choose") in body and act_url("issue") in body and act_url("void") not in body

    form = ops_client.get(act_url("choose"))
    assert "改派快递" in form.content.decode()
    sf = CarrierService.objects.get(name="顺丰标快")
    changed = ops_client.post(act_url("choose"), {"apply": "1", "service": sf.pk, "reason": "买家要求顺丰"}, follow=True)
    assert changed.redirect_chain[-1][0] == page and Shipment.objects.get(pk=shipment.pk).service == sf

    assert ops_client.get(act_url("issue")).status_code == 302  # issuing needs a POST
    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.PROPOSED
    issued = ops_client.post(act_url("issue"), follow=True)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.ISSUED and shipment.waybill_number.startswith("SF")
    assert act_url("void") in issued.content.decode()

    assert ops_client.get(reverse("admin:warehouse_shipment_act", args=[shipment.pk, "delete"]), follow=True).redirect_chain[-1][0] == page
