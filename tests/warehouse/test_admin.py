"""The floor in admin: build, release, cancel waves through the services; per-picker figures;
the order page's floor timeline; the weight override."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from orders.states import OrderStatus
from tests.fixtures.floor import pack_all, pick_all
from warehouse.accuracy import picker_figures
from warehouse.models import ScanRecord, Wave, WaveStatus
from warehouse.services import FloorRefused, pick_scan, pick_short, wave_build

pytestmark = pytest.mark.django_db

WAVES = reverse("admin:warehouse_wave_changelist")


@pytest.fixture
def sup_client(supervisor):
    client = Client()
    client.force_login(supervisor)
    return client


def test_supervisor_builds_releases_and_cancels_waves_in_admin(sup_client, floor_order, picker_hz):
    orders = [floor_order([("F001", 2)]) for _ in range(3)]

    page = sup_client.get(reverse("admin:warehouse_wave_build"))
    assert page.status_code == 200 and "生成波次" in page.content.decode()
    response = sup_client.post(
        reverse("admin:warehouse_wave_build"), {"warehouse": orders[0].warehouse_id, "max_orders": 2}, follow=True
    )
    assert "已生成 2 个波次" in response.content.decode()
    waves = list(Wave.objects.order_by("pk"))

    sup_client.post(WAVES, {"action": "release_waves", "_selected_action": [waves[0].pk]})
    response = sup_client.post(
        WAVES,
        {"action": "release_waves", "apply": "1", "_selected_action": [waves[0].pk], "assignee": picker_hz.pk},
        follow=True,
    )
    assert "已下发 1 个波次" in response.content.decode()
    waves[0].refresh_from_db()
    assert (waves[0].status, waves[0].assignee) == (WaveStatus.RELEASED, picker_hz)
    assert Order.objects.filter(status=OrderStatus.PICKING).count() == 2

    response = sup_client.post(
        WAVES, {"action": "cancel_waves", "apply": "1", "_selected_action": [waves[0].pk], "note": "改天再拣"},
        follow=True,
    )
    assert "已取消 1 个波次" in response.content.decode()
    assert Order.objects.filter(status=OrderStatus.READY).count() == 3

    detail = sup_client.get(reverse("admin:warehouse_wave_change", args=[waves[1].pk]))
    assert detail.status_code == 200 and "C-01" in detail.content.decode()


def test_a_refusal_is_shown_not_swallowed(sup_client, released_wave):
    wave, _orders = released_wave([[("F001", 2)]])
    response = sup_client.post(
        WAVES, {"action": "release_waves", "apply": "1", "_selected_action": [wave.pk], "assignee": ""}, follow=True
    )
    assert "不能下发" in response.content.decode()


def test_pickers_and_ops_cannot_build_waves(client, picker_hz, ops_member):
    client.force_login(picker_hz)
    assert client.get(reverse("admin:warehouse_wave_build")).status_code == 302  # not staff: to the login page
    client.force_login(ops_member)
    assert client.get(reverse("admin:warehouse_wave_build")).status_code == 403
    assert client.get(WAVES).status_code == 200


def test_per_picker_figures(released_wave, picker_hz, sku_by_code, sup_client):
    wave, _orders = released_wave([[("F001", 2), ("F002", 1), ("F003", 1)]])
    lines = list(wave.lines.select_related("sku").order_by("sequence"))  # F002, F003 (B-02), F001 (C-01)
    pick_scan(line=lines[0], code="F002", actor=picker_hz)
    with pytest.raises(FloorRefused):
        pick_scan(line=lines[1], code="F002", actor=picker_hz)
    pick_scan(line=lines[1], code="F003", actor=picker_hz)
    pick_short(line=lines[2], found=1, reason="bin_empty", actor=picker_hz)
    # Line finishes 40 s and 20 s apart.
    base = timezone.now() - timedelta(minutes=5)
    for record, seconds in zip(ScanRecord.objects.filter(ok=True).order_by("id"), (0, 40, 60), strict=True):
        ScanRecord.objects.filter(pk=record.pk).update(at=base + timedelta(seconds=seconds))

    (row,) = picker_figures()

    assert row.user == picker_hz
    assert (row.lines_picked, row.units_picked, row.wrong_scans, row.short_picks) == (3, 2, 1, 1)
    assert row.seconds_per_line == 30.0
    assert row.wrong_rate == round(100 / 3, 2)
    page = sup_client.get(reverse("admin:warehouse_wave_pickers")).content.decode()
    assert "picker_hz" in page and "30.0" in page


def test_order_page_shows_the_floor_timeline(sup_client, released_wave, picker_hz, boxes):
    wave, (order,) = released_wave([[("F001", 1), ("F003", 1)]])
    with pytest.raises(FloorRefused):
        pick_scan(line=wave.lines.first(), code="6901234500042", actor=picker_hz)
    pick_all(wave, picker_hz)
    pack_all(order, picker_hz, boxes["3号"])

    page = sup_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert "仓库作业记录" in page
    assert "6901234500042" in page and "拒绝" in page  # the wrong scan, kept
    assert "陶瓷碗" in page  # what was scanned instead
    assert "picker_hz" in page and "3号" in page
    assert "700 g" in page  # expected 120 + 380 + 200 tare


def test_order_page_of_an_order_the_floor_never_saw_has_no_timeline(sup_client, floor_order):
    order = floor_order([("F001", 1)])
    page = sup_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "仓库作业记录" not in page


def test_supervisor_overrides_a_flagged_parcel_in_admin(sup_client, released_wave, picker_hz, boxes):
    from warehouse.models import Parcel
    from warehouse.services import parcel_weigh

    wave, (order,) = released_wave([[("F001", 2)]])
    pick_all(wave, picker_hz)
    parcel = pack_all(order, picker_hz, boxes["8号"])
    with pytest.raises(FloorRefused):
        parcel_weigh(order=order, weight_g=900, actor=picker_hz)
    url = reverse("admin:warehouse_parcel_changelist")
    assert "超差" in sup_client.get(url + "?weight=flagged").content.decode()
    response = sup_client.post(
        url, {"action": "override_weight", "apply": "1", "_selected_action": [parcel.pk], "reason": "已开箱核对"},
        follow=True,
    )
    assert "已放行 1 个包裹" in response.content.decode()
    assert Parcel.objects.get(pk=parcel.pk).may_ship


def test_waves_of_other_warehouses_are_not_listed_for_a_member_only(client, make_member, warehouse_gz, floor_order,
                                                                       supervisor):
    from warehouse.models import FloorMember

    order = floor_order([("F001", 2)])
    wave_build(warehouse=order.warehouse_id, actor=supervisor)
    staff = make_member("ops", "ops_gz")
    FloorMember.objects.create(user=staff, warehouse=warehouse_gz)
    client.force_login(staff)
    assert "W20" not in client.get(WAVES).content.decode()


def test_ops_without_a_floor_link_see_every_warehouses_waves(ops_client, floor_order, supervisor):
    order = floor_order([("F001", 2)])
    (wave,) = wave_build(warehouse=order.warehouse_id, actor=supervisor)
    assert wave.number in ops_client.get(WAVES).content.decode()
