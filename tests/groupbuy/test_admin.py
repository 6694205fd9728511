"""Group-buy in admin: ops keep stations, leaders and campaigns, close by hand, download the
purchase plan as Excel (cells escaped); the pickup pages of a leader."""

import io
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from channels.groupbuy.models import Campaign, CampaignStatus, CutoffBatch, GroupLeader
from channels.services.cutoff import campaign_close
from oms.roles import OPS, PICKER
from orders.models import DeliveryStation, Order
from orders.states import OrderStatus
from tests.fixtures.groupbuy import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(make_member):
    client = Client()
    client.force_login(make_member(OPS, "ops_groupbuy"))
    return client


def test_ops_add_a_station_and_a_leader(ops, warehouse_hz, make_member):
    response = ops.post("/admin/orders/deliverystation/add/", {
        "code": "ST09", "name": "古荡自提点", "region": "西湖片区", "warehouse": warehouse_hz.pk, "active": "on",
        "province": "浙江省", "city": "杭州市", "district": "西湖区", "street": "古墩路 1 号",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    station = DeliveryStation.objects.get(code="ST09")
    user = make_member("group_leader", "leader_new")

    response = ops.post("/admin/channels/groupleader/add/", {
        "user": user.pk, "name": "周团长", "phone": "13800001234", "station": station.pk, "active": "on",
    })

    assert response.status_code == 302
    assert GroupLeader.objects.get().station == station
    listing = ops.get("/admin/channels/groupleader/").content.decode()
    assert "138****1234" in listing and "13800001234" not in listing


def test_a_campaign_needs_a_groupbuy_channel_and_a_cutoff_after_its_start(ops, taobao_channel, groupbuy_channel):
    data = {
        "code": "GB1", "name": "团", "channel": taobao_channel.pk, "starts_at_0": "2026-11-22", "starts_at_1": "08:00",
        "cutoff_at_0": "2026-11-22", "cutoff_at_1": "07:00", "commission_rate": "0.05",
        "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0",
    }
    page = ops.post("/admin/channels/campaign/add/", data).content.decode()
    # A shop of another platform is not offered at all (the field lists 团购 channels only).
    assert "选择一个有效的选项" in page and "截单时间必须晚于开团时间" in page

    data.update({"channel": groupbuy_channel.pk, "cutoff_at_1": "20:00"})
    assert ops.post("/admin/channels/campaign/add/", data).status_code == 302
    campaign = Campaign.objects.get(code="GB1")
    assert campaign.cutoff_at == local(20) and campaign.commission_rate == Decimal("0.05")


def test_a_new_campaign_cuts_off_at_the_next_20_00():
    from channels.groupbuy.models import default_cutoff

    with time_machine.travel(local(9), tick=False):
        assert default_cutoff() == local(20)
    with time_machine.travel(local(20, 30), tick=False):
        assert default_cutoff() == local(20).replace(day=23)


def test_ops_close_by_hand_and_download_the_plan_with_escaped_cells(ops, submit, leader_a, campaign):
    with time_machine.travel(local(10), tick=False):
        submit(leader_a, campaign, {"A001": 2}, name="=HYPERLINK(\"http://x\",\"退款\")")
    campaign.items.filter(sku__code="A001").update(price=Decimal("9.90"))
    # A SKU name a supplier typed with a leading "=": the plan must show it as text.
    from inventory.models import Sku
    Sku.objects.filter(code="A001").update(name="=1+1 土鸡蛋")

    with time_machine.travel(local(18), tick=False):
        response = ops.post("/admin/channels/campaign/", {"action": "close_now", "_selected_action": [campaign.pk]},
                            follow=True)

    assert "已截单：1 单，1 单转入待拣货" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED and campaign.closed_at == local(18)
    assert Order.objects.get().status == OrderStatus.READY
    batch = CutoffBatch.objects.get()
    page = ops.get(f"/admin/channels/cutoffbatch/{batch.pk}/change/").content.decode()
    assert "下载 Excel" in page

    download = ops.get(f"/admin/channels/cutoffbatch/{batch.pk}/plan.xlsx")

    assert download.status_code == 200 and "purchase-plan-GB20261122-" in download["Content-Disposition"]
    book = load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["采购计划", "需求汇总", "站点分货"]
    plan = [[cell.value for cell in row] for row in book["采购计划"].iter_rows()]
    assert plan[0][:3] == ["仓库", "商家编码", "商品名称"]
    assert plan[1][1:4] == ["A001", "'=1+1 土鸡蛋", 2]
    split = [[cell.value for cell in row] for row in book["站点分货"].iter_rows()]
    assert split[1][1:] == ["ST01", "翠苑一区自提点", "杭州仓", "A001", "'=1+1 土鸡蛋", 2, 1]


def test_closing_needs_the_right(make_member, campaign):
    client = Client()
    client.force_login(make_member(PICKER, "picker_no_admin"))
    assert client.get("/admin/channels/campaign/").status_code in (302, 403)
    with time_machine.travel(local(12), tick=False):
        campaign_close(campaign=campaign)  # a batch to try downloading
    batch = CutoffBatch.objects.get()
    assert client.get(f"/admin/channels/cutoffbatch/{batch.pk}/plan.xlsx").status_code in (302, 403)


def test_a_closed_campaigns_items_stay_as_they_were(ops, campaign):
    with time_machine.travel(local(20, 1), tick=False):
        campaign_close(campaign=campaign)
    page = ops.get(f"/admin/channels/campaign/{campaign.pk}/change/").content.decode()
    assert 'name="items-0-price"' not in page and 'name="cutoff_at_0"' not in page


def test_ops_see_each_leaders_order_with_its_payment_photo(ops, submit, leader_a, campaign, make_member):
    with time_machine.travel(local(10), tick=False):
        link = submit(leader_a, campaign, {"A001": 1}).link

    listing = ops.get("/admin/channels/campaignorder/").content.decode()
    photo = ops.get(f"/admin/channels/campaignorder/{link.pk}/photo/")

    assert link.order.number in listing and "刘团长" in listing
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    outsider = Client()
    outsider.force_login(make_member(PICKER, "picker_photo"))
    assert outsider.get(f"/admin/channels/campaignorder/{link.pk}/photo/").status_code in (302, 403)
