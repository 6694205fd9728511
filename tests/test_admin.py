"""The admin for ops staff: who gets in, what they see, and that every action goes through the services."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.admin_paginator import EstimatedCountPaginator, estimated_row_count
from inventory.models import MovementReason, StockLevel, StockMovement
from orders.models import Order, OrderEvent
from orders.services import (
    order_approve,
    order_cancel,
    order_intake,
    order_pack,
    order_ship,
    order_start_picking,
)
from orders.states import HoldReason, OrderStatus

ORDERS = reverse("admin:orders_order_changelist")
STOCK = reverse("admin:inventory_stocklevel_changelist")
MOVEMENTS = reverse("admin:inventory_stockmovement_changelist")


def order_page(order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def place(stocked, make_draft):
    """``place(lines, **draft_kwargs)``: a new order through ``order_intake``."""

    def make(lines=None, **kwargs) -> Order:
        result = order_intake(draft=make_draft(lines or [("A001", 2)], **kwargs))
        assert result.created
        return result.order

    return make


def refreshed(order) -> Order:
    return Order.objects.get(pk=order.pk)


def post_action(client, action: str, orders, **fields):
    """Choose a changelist action for ``orders`` (the first POST, from the list page)."""
    data = {"action": action, "index": 0, "_selected_action": [o.pk for o in orders], **fields}
    return client.post(ORDERS, data, follow=True)


def apply_action(client, url: str, action: str, objects, **fields):
    """Submit an action's intermediate form (the second POST)."""
    data = {"action": action, "apply": "1", "_selected_action": [o.pk for o in objects], **fields}
    return client.post(url, data, follow=True)


# ---- who gets in ----


@pytest.mark.parametrize("who", ["admin_client", "ops_client", "supervisor_client"])
def test_staff_roles_open_the_order_list_and_the_order_page(request, who, place):
    client = request.getfixturevalue(who)
    order = place()

    listing = client.get(ORDERS)
    page = client.get(order_page(order))

    assert listing.status_code == 200
    assert [o.pk for o in listing.context["cl"].result_list] == [order.pk]
    assert page.status_code == 200
    assert order.number in page.content.decode()


@pytest.mark.parametrize("who", ["picker_client", "leader_client"])
def test_pickers_and_leaders_are_kept_out_of_the_admin(request, who, place):
    client = request.getfixturevalue(who)
    order = place()

    for url in (ORDERS, order_page(order), STOCK):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_ops_sees_the_phone_and_street_masked(ops_client, place):
    order = place(phone="13912345678", street="文三路 90 号")

    for response in (ops_client.get(ORDERS), ops_client.get(order_page(order))):
        html = response.content.decode()
        assert "139****5678" in html
        assert "13912345678" not in html
        assert "文三路****" in html
        assert "文三路 90 号" not in html


def test_supervisor_sees_the_full_phone_and_street(supervisor_client, place):
    order = place(phone="13912345678", street="文三路 90 号")

    for response in (supervisor_client.get(ORDERS), supervisor_client.get(order_page(order))):
        html = response.content.decode()
        assert "13912345678" in html
        assert "文三路 90 号" in html


# ---- finding an order ----


def shipped(order, tracking_number: str) -> Order:
    order_approve(order=order)
    order_start_picking(order=order)
    order_pack(order=order)
    return order_ship(order=order, carrier="SF", tracking_number=tracking_number)


@pytest.mark.parametrize("how", ["internal", "internal_lowercase", "platform", "tracking", "phone"])
def test_search_finds_an_order_by_any_number(ops_client, place, how):
    wanted = place(phone="13700001111", external_id="TB-998877")
    place(phone="13700002222")  # another order that must not match
    wanted = shipped(wanted, "SF1234567890")
    term = {
        "internal": wanted.number,
        "internal_lowercase": wanted.number.lower(),
        "platform": "TB-998877",
        "tracking": "SF1234567890",
        "phone": "13700001111",
    }[how]

    response = ops_client.get(ORDERS, {"q": term})

    assert [o.pk for o in response.context["cl"].result_list] == [wanted.pk]


def test_search_is_exact_indexed_and_never_repeats_an_order(ops_client, place):
    order = place(phone="13700001111", external_id="TB-5566")
    place(phone="13700001112")

    with CaptureQueriesContext(connection) as queries:
        # two numbers of the same order pasted together, and a partial phone that matches nothing
        response = ops_client.get(ORDERS, {"q": f"{order.number}, TB-5566 1370000"})

    assert [o.pk for o in response.context["cl"].result_list] == [order.pk]
    order_queries = [q["sql"] for q in queries.captured_queries if '"orders_order"' in q["sql"]]
    assert order_queries
    assert not any(" LIKE " in sql.upper() for sql in order_queries)
    assert ops_client.get(ORDERS, {"q": "1370000"}).context["cl"].result_count == 0


def test_order_list_filters_by_hold(ops_client, place):
    held = place([("NOPE-1", 1)])  # unknown SKU: held by the intake
    place()

    response = ops_client.get(ORDERS, {"hold": HoldReason.UNKNOWN_SKU})

    assert [o.pk for o in response.context["cl"].result_list] == [held.pk]
    assert "异常挂起" in response.content.decode()


def test_order_list_query_count_does_not_grow_with_the_number_of_orders(ops_client, place):
    for _ in range(3):
        place()
    with CaptureQueriesContext(connection) as few:
        assert ops_client.get(ORDERS).status_code == 200
    for _ in range(52):
        place()
    with CaptureQueriesContext(connection) as many:
        response = ops_client.get(ORDERS)

    assert len(response.context["cl"].result_list) == 50
    assert len(many) == len(few)


def test_filtered_lists_are_counted_exactly(place):
    place()
    place(paid=False)
    filtered = Order.objects.filter(status=OrderStatus.PENDING_REVIEW)
    paginator = EstimatedCountPaginator(filtered, 50)
    paginator.exact_below = 0

    assert paginator.count == 1


@pytest.mark.postgres
def test_unfiltered_list_on_postgres_is_counted_from_the_planner_estimate(place):
    for _ in range(3):
        place()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
    paginator = EstimatedCountPaginator(Order.objects.all(), 50)
    paginator.exact_below = 1

    with CaptureQueriesContext(connection) as queries:
        count = paginator.count

    assert count == estimated_row_count(Order.objects.all()) > 0
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_unfiltered_list_on_sqlite_is_counted_exactly(place):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite has no planner estimate")
    place()
    paginator = EstimatedCountPaginator(Order.objects.all(), 50)
    paginator.exact_below = 0

    assert estimated_row_count(Order.objects.all()) is None
    assert paginator.count == 1


# ---- the order page ----


def test_order_page_shows_lines_sources_and_the_timeline_in_local_time(admin_client, admin_user, place):
    order = place([("A001", 2), ("A002", 1)], external_id="TB-777")
    order_approve(order=order, actor=admin_user, note="核对无误")
    event = OrderEvent.objects.get(order=order, action="approve")

    html = admin_client.get(order_page(order)).content.decode()

    assert "TB-777" in html
    assert "A002" in html
    assert "杭州仓" in html
    assert "2 / 2" in html  # reserved / ordered
    assert "待审核" in html and "待拣货" in html
    assert "核对无误" in html
    assert admin_user.username in html
    assert timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S") in html


def test_order_page_is_read_only(admin_client, place):
    order = place()

    response = admin_client.get(order_page(order))
    posted = admin_client.post(order_page(order), {"status": OrderStatus.CANCELLED, "phone": "1"})

    assert response.context["has_change_permission"] is False
    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403
    assert admin_client.get(reverse("admin:orders_order_delete", args=[order.pk])).status_code == 403
    assert posted.status_code == 403
    assert refreshed(order).status == OrderStatus.PENDING_REVIEW


def test_order_page_offers_only_the_buttons_that_apply(ops_client, place):
    order = place()

    html = ops_client.get(order_page(order)).content.decode()

    assert reverse("admin:orders_order_approve", args=[order.pk]) in html
    assert reverse("admin:orders_order_hold", args=[order.pk]) in html
    assert reverse("admin:orders_order_cancel", args=[order.pk]) in html
    assert reverse("admin:orders_order_release", args=[order.pk]) not in html


# ---- actions ----


def test_approve_from_the_list(ops_client, ops_member, place):
    orders = [place(), place()]

    response = post_action(ops_client, "approve_orders", orders)

    assert all(refreshed(o).status == OrderStatus.READY for o in orders)
    assert OrderEvent.objects.filter(action="approve", actor=ops_member).count() == 2
    assert any(orders[0].number in m and orders[1].number in m for m in messages_of(response))


def test_a_refused_approve_changes_nothing_and_says_why(ops_client, place):
    held = place([("NOPE-1", 1)])
    fine = place()

    response = post_action(ops_client, "approve_orders", [held, fine])

    assert refreshed(held).status == OrderStatus.ON_HOLD
    assert refreshed(fine).status == OrderStatus.READY
    assert not OrderEvent.objects.filter(order=held, action="approve").exists()
    assert any(held.number in m and "不能审核" in m for m in messages_of(response))


def test_approve_button_on_the_order_page(ops_client, place):
    order = place()

    response = ops_client.post(reverse("admin:orders_order_approve", args=[order.pk]), follow=True)

    assert response.redirect_chain[-1][0] == order_page(order)
    assert refreshed(order).status == OrderStatus.READY
    assert any("已审核" in m for m in messages_of(response))
    assert ops_client.get(reverse("admin:orders_order_approve", args=[order.pk])).status_code == 405


def test_hold_through_the_form_with_a_reason(ops_client, ops_member, place):
    order = place()

    form_page = post_action(ops_client, "hold_orders", [order])
    assert "admin/orders/order/action_confirm.html" in [t.name for t in form_page.templates]
    assert refreshed(order).status == OrderStatus.PENDING_REVIEW  # choosing the action changes nothing

    response = apply_action(
        ops_client, ORDERS, "hold_orders", [order], reason=HoldReason.BUYER_REQUEST, note="买家来电要求暂缓"
    )

    order = refreshed(order)
    assert order.status == OrderStatus.ON_HOLD
    assert order.hold_reason == HoldReason.BUYER_REQUEST
    assert order.hold_note == "买家来电要求暂缓"
    assert OrderEvent.objects.get(order=order, action="hold").actor == ops_member
    assert any("已挂起" in m for m in messages_of(response))


def test_manual_hold_without_a_note_is_sent_back_to_the_form(ops_client, place):
    order = place()

    response = apply_action(ops_client, ORDERS, "hold_orders", [order], reason=HoldReason.MANUAL, note=" ")

    assert response.context["form"].errors["note"]
    assert refreshed(order).status == OrderStatus.PENDING_REVIEW


def test_hold_and_release_from_the_order_page(ops_client, place):
    order = place()
    hold_url = reverse("admin:orders_order_hold", args=[order.pk])

    assert ops_client.get(hold_url).status_code == 200
    ops_client.post(hold_url, {"reason": HoldReason.RISK, "note": "地址疑似虚假"})
    assert refreshed(order).status == OrderStatus.ON_HOLD
    assert reverse("admin:orders_order_release", args=[order.pk]) in ops_client.get(order_page(order)).content.decode()

    response = ops_client.post(reverse("admin:orders_order_release", args=[order.pk]), follow=True)

    assert refreshed(order).status == OrderStatus.PENDING_REVIEW
    assert any("已解除挂起" in m for m in messages_of(response))


def test_release_that_still_cannot_reserve_stays_on_hold(ops_client, place):
    order = place([("NOPE-1", 1)])

    response = post_action(ops_client, "release_orders", [order])

    assert refreshed(order).status == OrderStatus.ON_HOLD
    assert any("NOPE-1" in m for m in messages_of(response))


def test_cancel_asks_for_confirmation_then_gives_the_stock_back(ops_client, place):
    order = place([("A001", 3)])
    level = StockLevel.objects.get(pk=order.lines.get().stock_level_id)
    assert level.reserved == 3

    confirm = post_action(ops_client, "cancel_orders", [order])
    assert refreshed(order).status == OrderStatus.PENDING_REVIEW
    assert order.number in confirm.content.decode()

    apply_action(ops_client, ORDERS, "cancel_orders", [order], note="买家取消")

    assert refreshed(order).status == OrderStatus.CANCELLED
    level.refresh_from_db()
    assert level.reserved == 0
    assert OrderEvent.objects.get(order=order, action="cancel").note == "买家取消"


def test_cancel_of_a_shipped_order_is_refused(ops_client, place):
    order = shipped(place(), "SF0000000001")

    response = apply_action(ops_client, ORDERS, "cancel_orders", [order], note="太晚了")

    assert refreshed(order).status == OrderStatus.SHIPPED
    assert any("不能取消" in m for m in messages_of(response))


@pytest.fixture
def viewer_client(django_user_model, place):
    """Staff who may look at orders but not act on them."""
    user = django_user_model.objects.create_user(username="viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_order", content_type__app_label="orders"))
    client = Client()
    client.force_login(user)
    return client


def test_actions_without_the_permission_are_refused_on_the_server(viewer_client, place):
    order = place()

    listing = viewer_client.get(ORDERS)
    post_action(viewer_client, "approve_orders", [order])
    apply_action(viewer_client, ORDERS, "cancel_orders", [order], note="x")
    button = viewer_client.post(reverse("admin:orders_order_approve", args=[order.pk]))
    hold_form = viewer_client.get(reverse("admin:orders_order_hold", args=[order.pk]))
    page = viewer_client.get(order_page(order)).content.decode()

    assert listing.context["action_form"] is None or "approve_orders" not in str(listing.context["action_form"])
    assert button.status_code == 403
    assert hold_form.status_code == 403
    assert reverse("admin:orders_order_approve", args=[order.pk]) not in page
    assert refreshed(order).status == OrderStatus.PENDING_REVIEW
    assert not OrderEvent.objects.filter(order=order).exclude(action="created").exists()


# ---- stock ----


@pytest.fixture
def level(stocked, warehouse_hz):
    return StockLevel.objects.get(sku__code="A001", warehouse=warehouse_hz)


def test_stock_list_shows_available_sorts_by_it_and_filters_low_stock(ops_client, place, level, warehouse_hz):
    place([("A001", 95)])  # 100 on hand, 95 reserved: 5 available in Hangzhou

    column = ops_client.get(STOCK).context["cl"].list_display.index("available_column")
    everything = ops_client.get(STOCK, {"o": str(column)})  # sorted by available, ascending
    low = ops_client.get(STOCK, {"low": "yes"})

    rows = everything.context["cl"].result_list
    assert rows[0].pk == level.pk
    assert rows[0].available_qty == 5
    assert [r.pk for r in low.context["cl"].result_list] == [level.pk]
    assert ops_client.get(STOCK, {"q": "a001"}).context["cl"].result_count == 2


def test_ops_cannot_adjust_stock(ops_client, level):
    response = ops_client.post(
        STOCK, {"action": "adjust_stock", "apply": "1", "_selected_action": [level.pk], "delta": 5, "note": "x"}
    )

    level.refresh_from_db()
    assert response.status_code in (200, 302)
    assert level.on_hand == 100
    assert not StockMovement.objects.filter(reason=MovementReason.ADJUST).exists()
    assert ops_client.get(reverse("admin:inventory_stocklevel_change", args=[level.pk])).context[
        "has_change_permission"
    ] is False


def test_supervisor_adjusts_stock_with_a_reason(supervisor_client, supervisor_member, level):
    form_page = supervisor_client.post(
        STOCK, {"action": "adjust_stock", "index": 0, "_selected_action": [level.pk]}
    )
    assert "admin/inventory/stocklevel/adjust.html" in [t.name for t in form_page.templates]

    response = apply_action(supervisor_client, STOCK, "adjust_stock", [level], delta=-4, note="盘点少 4 件")

    level.refresh_from_db()
    assert level.on_hand == 96
    movement = StockMovement.objects.get(stock_level=level, reason=MovementReason.ADJUST)
    assert (movement.delta_on_hand, movement.note, movement.actor) == (-4, "盘点少 4 件", supervisor_member)
    assert any("A001" in m and "-4" in m for m in messages_of(response))


def test_an_adjustment_below_the_reserved_quantity_is_refused(supervisor_client, place, level):
    place([("A001", 30)])

    response = apply_action(supervisor_client, STOCK, "adjust_stock", [level], delta=-80, note="盘亏")

    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (100, 30)
    assert not StockMovement.objects.filter(reason=MovementReason.ADJUST).exists()
    assert any("少于已占用数量" in m for m in messages_of(response))


def test_an_adjustment_without_a_reason_is_refused(supervisor_client, level):
    response = apply_action(supervisor_client, STOCK, "adjust_stock", [level], delta=5, note="")

    level.refresh_from_db()
    assert response.context["form"].errors["note"]
    assert level.on_hand == 100
    assert not StockMovement.objects.filter(reason=MovementReason.ADJUST).exists()


def test_stock_counters_are_read_only_on_the_stock_page(supervisor_client, level):
    url = reverse("admin:inventory_stocklevel_change", args=[level.pk])

    supervisor_client.post(url, {"on_hand": 999, "reserved": 50, "reorder_level": 20})

    level.refresh_from_db()
    assert (level.on_hand, level.reserved, level.reorder_level) == (100, 0, 20)


def test_movements_are_read_only_even_for_a_superuser(admin_client, level):
    movement = StockMovement.objects.filter(stock_level=level).first()
    change_url = reverse("admin:inventory_stockmovement_change", args=[movement.pk])

    listing = admin_client.get(MOVEMENTS, {"q": "opening", "reason": MovementReason.RECEIVE})
    page = admin_client.get(change_url)

    assert listing.context["cl"].result_count == 10
    assert "delete_selected" not in admin_client.get(MOVEMENTS).content.decode()
    assert page.context["has_change_permission"] is False
    assert admin_client.post(change_url, {"note": "改了"}).status_code == 403
    assert admin_client.get(reverse("admin:inventory_stockmovement_add")).status_code == 403
    assert admin_client.get(reverse("admin:inventory_stockmovement_delete", args=[movement.pk])).status_code == 403
    movement.refresh_from_db()
    assert movement.note == ""


def test_a_button_pressed_on_a_page_someone_else_has_since_changed_is_refused(ops_client, place):
    order = place()
    page = ops_client.get(order_page(order)).content.decode()
    assert 'name="seen_status" value="pending_review"' in page
    order_cancel(order=order)  # a colleague cancels while the page is open

    response = ops_client.post(
        reverse("admin:orders_order_approve", args=[order.pk]), {"seen_status": "pending_review"}, follow=True
    )

    assert refreshed(order).status == OrderStatus.CANCELLED
    assert any("已被其他人改为「已取消」" in m for m in messages_of(response))
    assert list(refreshed(order).events.values_list("action", flat=True).order_by("id")) == ["created", "cancel"]
