"""我的任务, pick and sort pages: each action goes through the floor services, once, and only in
the picker's own warehouse."""

import pytest
from django.urls import reverse

from orders.models import Order
from orders.services import order_cancel
from orders.states import ExceptionReason, OrderStatus
from tests.fixtures.floor import pick_all
from tests.floor.conftest import FETCH, rid
from warehouse.models import PickLine, ScanRecord, ShortReason, WaveKind, WaveStatus

pytestmark = pytest.mark.django_db


def scan(client, wave, code, request_id=None, **extra):
    data = {"code": code, "request_id": request_id or rid(), **extra}
    return client.post(reverse("floor:pick_scan", args=[wave.pk]), data, **FETCH)


def test_my_tasks_counts_the_pickers_own_waves(released_wave, hz_client, gz_client):
    wave, _orders = released_wave([[("F001", 2)], [("F002", 1), ("F003", 1)]])

    page = hz_client.get(reverse("floor:tasks"))
    assert page.context["counts"].pick == 1
    assert wave.number in page.content.decode()
    assert "0/" in page.content.decode()  # 0 of N lines done

    other = gz_client.get(reverse("floor:tasks"))
    assert other.context["counts"].pick == 0
    assert wave.number not in other.content.decode()


def test_the_pick_page_shows_bin_item_quantity_and_progress(released_wave, hz_client):
    wave, _orders = released_wave([[("F002", 3)], [("F004", 1), ("F002", 1)]])

    page = hz_client.get(reverse("floor:pick", args=[wave.pk])).content.decode()

    # F004 lies at A-01 (sequence 5), first on the walk.
    assert "A-01" in page and "陶瓷碗 4 只装" in page and "第 0/2 行" in page
    assert 'inputmode="none"' in page and "autofocus" in page


def test_a_right_scan_moves_the_line_and_answers_the_next_one(released_wave, hz_client):
    wave, _orders = released_wave([[("F004", 1), ("F002", 1)]], max_units=10)

    response = scan(hz_client, wave, "6901234500042")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] and "陶瓷碗" in body["message"]
    assert "A-07" in body["panel"] and "第 1/2 行" in body["panel"]
    assert PickLine.objects.get(wave=wave, sku__code="F004").picked == 1


def test_a_wrong_item_is_refused_recorded_and_moves_nothing(released_wave, hz_client):
    wave, _orders = released_wave([[("F004", 1), ("F002", 1)]])

    response = scan(hz_client, wave, "6901234500011")  # 竹纤维毛巾, not on this line

    assert response.status_code == 422
    body = response.json()
    assert body == {**body, "ok": False, "code": "wrong_item"}
    assert "拿错了" in body["message"] and "竹纤维毛巾" in body["message"]
    assert not PickLine.objects.filter(wave=wave, picked__gt=0).exists()
    wrong = ScanRecord.objects.get(ok=False)
    assert (wrong.reason, wrong.code, wrong.actor.username) == ("wrong_item", "6901234500011", "picker_hz")


def test_a_resent_scan_applies_once(released_wave, hz_client):
    wave, _orders = released_wave([[("F002", 3)]])
    request_id = rid()

    first = scan(hz_client, wave, "6901234500028", request_id)
    again = scan(hz_client, wave, "6901234500028", request_id)

    assert first.status_code == again.status_code == 200
    assert PickLine.objects.get(wave=wave).picked == 1
    assert ScanRecord.objects.filter(request_id=request_id).count() == 1


def test_a_scan_without_a_request_id_is_refused(released_wave, hz_client):
    wave, _orders = released_wave([[("F002", 1)]])
    response = hz_client.post(reverse("floor:pick_scan", args=[wave.pk]), {"code": "6901234500028"}, **FETCH)
    assert response.status_code == 400 and "请求编号" in response.json()["message"]
    assert PickLine.objects.get(wave=wave).picked == 0


def test_several_units_in_one_scan(released_wave, hz_client):
    wave, _orders = released_wave([[("F002", 3)]])
    assert scan(hz_client, wave, "6901234500028", quantity="3").status_code == 200
    line = PickLine.objects.get(wave=wave)
    assert line.picked == 3 and line.done_at is not None
    assert WaveStatus(line.wave.status) == WaveStatus.PICKED
    assert scan(hz_client, wave, "6901234500028", quantity="0").status_code == 400


def test_another_warehouses_wave_is_refused_by_url(released_wave, gz_client):
    wave, _orders = released_wave([[("F002", 1)]])

    page = gz_client.get(reverse("floor:pick", args=[wave.pk]))
    assert page.status_code == 404 and "不属于你的仓库" in page.content.decode()
    assert scan(gz_client, wave, "6901234500028").status_code == 404
    assert gz_client.get(reverse("floor:sort", args=[wave.pk])).status_code == 404
    line = PickLine.objects.get(wave=wave)
    short = gz_client.post(reverse("floor:pick_short", args=[wave.pk]),
                           {"line": line.pk, "found": "0", "reason": "bin_empty", "request_id": rid()}, **FETCH)
    assert short.status_code == 404
    assert PickLine.objects.get(wave=wave).picked == 0 and not ScanRecord.objects.exists()


def test_a_short_pick_needs_a_reason_and_flags_the_order(released_wave, hz_client):
    wave, (order,) = released_wave([[("F002", 3)]])
    line = PickLine.objects.get(wave=wave)
    url = reverse("floor:pick_short", args=[wave.pk])

    no_reason = hz_client.post(url, {"line": line.pk, "found": "1", "reason": "", "request_id": rid()}, **FETCH)
    assert no_reason.status_code == 422 and "原因" in no_reason.json()["message"]

    done = hz_client.post(url, {"line": line.pk, "found": "1", "reason": ShortReason.BIN_EMPTY, "request_id": rid()}, **FETCH)

    assert done.status_code == 200 and "缺 2 件" in done.json()["message"]
    line.refresh_from_db()
    assert (line.picked, line.short) == (1, 2)
    assert Order.objects.get(pk=order.pk).exception_reason == ExceptionReason.SHORT_PICK
    assert "本波次已拣完" in done.json()["panel"]


def test_a_cancel_while_picking_shows_order_cancelled(released_wave, hz_client, supervisor):
    wave, (order,) = released_wave([[("F002", 2)]])
    order_cancel(order=order, actor=supervisor)

    response = scan(hz_client, wave, "6901234500028")

    assert response.status_code == 409
    assert response.json()["code"] == "order_cancelled" and "订单已取消" in response.json()["message"]
    assert PickLine.objects.get(wave=wave).picked == 0


def test_without_script_the_form_redirects_with_a_message(released_wave, hz_client):
    wave, _orders = released_wave([[("F004", 1), ("F002", 1)]])
    response = hz_client.post(reverse("floor:pick_scan", args=[wave.pk]), {"code": "6901234500011", "request_id": rid()})
    assert response.status_code == 302 and response["Location"] == reverse("floor:pick", args=[wave.pk])
    page = hz_client.get(response["Location"]).content.decode()
    assert "拿错了" in page


def test_sorting_shows_the_slot_of_each_item(released_wave, hz_client, picker_hz):
    wave, orders = released_wave([[("F001", 1), ("F002", 1)], [("F002", 2)]])
    assert wave.kind == WaveKind.BATCH
    pick_all(wave, picker_hz)
    url = reverse("floor:sort_scan", args=[wave.pk])

    first = hz_client.post(url, {"code": "6901234500028", "request_id": rid()}, **FETCH).json()
    assert first["ok"] and "1 号格口" in first["message"]
    assert 'data-slot>1<' in first["panel"]
    wrong = hz_client.post(url, {"code": "6901234500042", "request_id": rid()}, **FETCH)
    assert wrong.status_code == 422 and "不在本波次" in wrong.json()["message"]
    hz_client.post(url, {"code": "6901234500011", "request_id": rid()}, **FETCH)
    page = hz_client.get(reverse("floor:sort", args=[wave.pk])).content.decode()
    assert reverse("floor:pack", args=[orders[0].number]) in page, "a complete slot links to its pack page"


def test_single_unit_scan_opens_the_orders_pack_page(released_wave, hz_client, picker_hz):
    wave, (first, _second) = released_wave([[("F003", 1)], [("F003", 1)]])
    assert wave.kind == WaveKind.SINGLE_UNIT
    pick_all(wave, picker_hz)

    response = hz_client.post(reverse("floor:sort_scan", args=[wave.pk]), {"code": "6901234500035", "request_id": rid()}, **FETCH)

    assert response.json()["redirect"] == reverse("floor:pack", args=[first.number])
    page = hz_client.get(response.json()["redirect"]).content.decode()
    assert "选箱子" in page
    assert Order.objects.get(pk=first.pk).status == OrderStatus.PICKING


#: One scan through the pick view: the session and its user (2), the picker's warehouses (1), the
#: walk with its wave (1); then in the transaction (its savepoint and release here, BEGIN and
#: COMMIT in production: 2) the orders locked (1), the line locked (1), the request id (1), the
#: units the orders hold (1), the line written (1), the scan record (1).
SCAN_QUERIES = 12


@pytest.mark.parametrize("orders", [1, 6])
def test_a_scan_costs_a_fixed_number_of_queries(released_wave, hz_client, django_assert_num_queries, orders):
    """The hot path of the floor (every few seconds per picker): twelve queries, however many
    orders and lines the wave has; a wrong item one fewer; two more when the scan finishes a line
    (the wave is locked and checked for lines left)."""
    wave, _orders = released_wave([[("F004", 3), ("F001", 1), ("F002", 1)]] * orders)
    assert scan(hz_client, wave, "6901234500042").status_code == 200  # the first scan also starts the wave
    with django_assert_num_queries(SCAN_QUERIES):
        assert scan(hz_client, wave, "6901234500042").status_code == 200  # 陶瓷碗 at A-01, first on the walk
    # A wrong item: the item scanned is looked up for the message, nothing but the record is written.
    with django_assert_num_queries(SCAN_QUERIES - 1):
        assert scan(hz_client, wave, "6901234500011").status_code == 422  # 毛巾 is not at A-01: refused, recorded
    remaining = 3 * orders - 2
    if remaining > 1:
        assert scan(hz_client, wave, "6901234500042", quantity=str(remaining - 1)).status_code == 200
    with django_assert_num_queries(SCAN_QUERIES + 2):
        assert scan(hz_client, wave, "6901234500042").status_code == 200  # the line's last unit
