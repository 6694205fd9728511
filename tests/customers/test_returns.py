"""After-sales through the services: request, approve or refuse, receive (restock or scrap, with
the ledger balanced), exchange through the intake, refund; every refusal changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest

from inventory.models import MovementReason, StockLevel, StockMovement
from orders.events import EventAction
from orders.models import Order, OrderEvent
from orders.returns_models import (
    Disposition,
    RefundStatus,
    ReturnKind,
    ReturnReason,
    ReturnRequest,
    ReturnSource,
    ReturnStatus,
)
from orders.services import OrderActionRefused
from orders.services.returns import (
    ReceivedLine,
    RequestedLine,
    return_approve,
    return_photo_add,
    return_receive,
    return_refund,
    return_refuse,
    return_request_create,
    return_ship_back,
)
from orders.states import OrderStatus
from tests.fixtures.ledger import assert_ledger_matches, stock_snapshot
from tests.fixtures.returns import photo_bytes


def _on_hand(order, code):
    return StockLevel.objects.get(sku__code=code, warehouse=order.warehouse).on_hand


def test_a_return_goes_through_restock_and_refund_with_the_ledger_balanced(make_return, delivered_order, ops_user):
    before_a1, before_a2 = _on_hand(delivered_order, "A001"), _on_hand(delivered_order, "A002")
    request = make_return(lines=[("A001", 2), ("A002", 1)], reason=ReturnReason.NOT_WANTED)
    assert request.number == f"{delivered_order.number}-R1" and request.status == ReturnStatus.REQUESTED

    approved = return_approve(request=request, actor=ops_user)
    assert approved.status == ReturnStatus.APPROVED and approved.refund_status == RefundStatus.PENDING
    assert approved.refund_amount == Decimal("59.70")  # 3 × 19.90, the prices paid
    return_ship_back(request=request, carrier="中通", tracking_number="ZT123456789")

    lines = {line.sku_code: line for line in request.lines.all()}
    received = return_receive(request=request, actor=ops_user, lines=[
        ReceivedLine(lines["A001"].pk, 2, Disposition.RESTOCK),
        ReceivedLine(lines["A002"].pk, 1, Disposition.SCRAP),
    ])
    assert received.status == ReturnStatus.RECEIVED  # the refund still waits
    assert _on_hand(delivered_order, "A001") == before_a1 + 2
    assert _on_hand(delivered_order, "A002") == before_a2  # scrapped: never back in stock
    movement = StockMovement.objects.get(reference=request.number)
    assert movement.reason == MovementReason.RETURN_IN and movement.delta_on_hand == 2 and movement.actor == ops_user
    assert assert_ledger_matches() > 0
    line_a2 = request.lines.get(sku_code="A002")
    assert (line_a2.received_quantity, line_a2.scrapped_quantity, line_a2.restocked_quantity) == (1, 1, 0)

    done = return_refund(request=request, actor=ops_user, reference="TB-RF-1")
    assert done.status == ReturnStatus.COMPLETED and done.refund_status == RefundStatus.REFUNDED
    actions = list(OrderEvent.objects.filter(order=delivered_order).values_list("action", flat=True))
    for action in (EventAction.RETURN_REQUEST, EventAction.RETURN_APPROVE, EventAction.RETURN_SHIP_BACK,
                   EventAction.RETURN_RECEIVE, EventAction.REFUND):
        assert action in actions
    assert Order.objects.get(pk=delivered_order.pk).status == OrderStatus.DELIVERED  # the order itself stays


def test_restocked_units_reach_orders_held_out_of_stock(order_in_state, place_order, hot_sku, make_return, ops_user):
    """The re-run of out-of-stock holds reads the ledger: a returned unit is an arrival like any other."""
    from orders.services.restock import restock_cursor, restock_rerun
    from orders.states import HoldReason

    sold = order_in_state(OrderStatus.DELIVERED, lines=[("HOT-1", 1)])
    place_order([("HOT-1", 99)])
    restock_cursor()
    waiting = place_order([("HOT-1", 1)])
    assert waiting.status == OrderStatus.ON_HOLD and waiting.hold_reason == HoldReason.OUT_OF_STOCK
    request = make_return(order=sold, lines=[("HOT-1", 1)], reason=ReturnReason.WRONG_ITEM)
    return_approve(request=request, actor=ops_user)
    line = request.lines.get()
    return_receive(request=request, actor=ops_user, lines=[ReceivedLine(line.pk, 1, Disposition.RESTOCK)])

    assert restock_rerun().released == [waiting.number]
    assert Order.objects.get(pk=waiting.pk).status == OrderStatus.PENDING_REVIEW
    assert_ledger_matches()


def test_an_exchange_creates_the_new_order_through_intake(make_return, delivered_order, ops_user, stocked):
    request = make_return(kind=ReturnKind.EXCHANGE, reason=ReturnReason.SIZE, lines=[("A001", 1)], exchange="A003")
    approved = return_approve(request=request, actor=ops_user)
    assert approved.refund_status == RefundStatus.NONE and approved.refund_amount == 0
    line = request.lines.get()
    done = return_receive(request=request, actor=ops_user, lines=[ReceivedLine(line.pk, 1, Disposition.RESTOCK)])
    assert done.status == ReturnStatus.COMPLETED
    new = done.exchange_order
    assert new is not None and new.channel_id == delivered_order.channel_id
    assert [(x.sku_code, x.quantity) for x in new.lines.all()] == [("A003", 1)]
    assert new.paid_amount == 0 and new.phone == delivered_order.phone and new.street == delivered_order.street
    assert new.status in (OrderStatus.PENDING_REVIEW, OrderStatus.READY)
    assert request.number in new.seller_note
    assert new.sources.get().external_id == request.number
    assert_ledger_matches()


def test_refund_only_needs_no_goods_back(make_return, ops_user):
    request = make_return(kind=ReturnKind.REFUND_ONLY, reason=ReturnReason.MISSING_ITEM)
    return_approve(request=request, actor=ops_user, refund_amount="10.00")
    with pytest.raises(OrderActionRefused) as refused:
        return_receive(request=request, actor=ops_user, lines=[])
    assert refused.value.code == "no_goods_back"
    done = return_refund(request=request, actor=ops_user)
    assert done.status == ReturnStatus.COMPLETED and done.refund_amount == Decimal("10.00")


def test_refused_requests_free_their_quantities(make_return, ops_user):
    first = make_return(lines=[("A001", 2)])
    with pytest.raises(OrderActionRefused) as refused:
        make_return(lines=[("A001", 1)])
    assert refused.value.code == "bad_quantity"
    with pytest.raises(OrderActionRefused) as refused:
        return_refuse(request=first, actor=ops_user, note="  ")
    assert refused.value.code == "note_required"
    assert return_refuse(request=first, actor=ops_user, note="超过七天").status == ReturnStatus.REFUSED
    assert make_return(lines=[("A001", 2)]).number.endswith("-R2")


@pytest.mark.parametrize("status", [OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.CANCELLED])
def test_a_buyer_asks_only_once_the_parcel_arrived(order_in_state, status):
    order = order_in_state(status)
    line = order.lines.first()
    with pytest.raises(OrderActionRefused) as refused:
        return_request_create(order=order, kind=ReturnKind.RETURN, reason=ReturnReason.DAMAGED,
                              lines=[RequestedLine(line.pk, 1)], source=ReturnSource.CUSTOMER)
    assert refused.value.code == "not_returnable"
    assert not ReturnRequest.objects.exists()


def test_ops_may_open_one_for_a_shipped_order(order_in_state, ops_user):
    order = order_in_state(OrderStatus.SHIPPED)
    line = order.lines.first()
    created = return_request_create(order=order, kind=ReturnKind.REFUND_ONLY, reason=ReturnReason.MISSING_ITEM,
                                    lines=[RequestedLine(line.pk, 1)], source=ReturnSource.OPS, actor=ops_user)
    assert created.created_by == ops_user and created.source == ReturnSource.OPS


def test_the_return_window_closes(delivered_order, settings):
    settings.RETURN_WINDOW_DAYS = 7
    from datetime import timedelta

    from django.utils import timezone

    OrderEvent.objects.filter(order=delivered_order, action=EventAction.DELIVER).update(
        at=timezone.now() - timedelta(days=8)
    )
    line = delivered_order.lines.first()
    with pytest.raises(OrderActionRefused) as refused:
        return_request_create(order=delivered_order, kind=ReturnKind.RETURN, reason=ReturnReason.NOT_WANTED,
                              lines=[RequestedLine(line.pk, 1)])
    assert refused.value.code == "return_window_closed"


def test_bad_requests_change_nothing(delivered_order, order_in_state):
    other = order_in_state(OrderStatus.DELIVERED)
    mine = delivered_order.lines.first()
    cases = [
        (dict(kind="swap", reason=ReturnReason.DAMAGED, lines=[RequestedLine(mine.pk, 1)]), "bad_kind"),
        (dict(kind=ReturnKind.RETURN, reason="", lines=[RequestedLine(mine.pk, 1)]), "bad_reason"),
        (dict(kind=ReturnKind.RETURN, reason=ReturnReason.DAMAGED, lines=[]), "no_lines"),
        (dict(kind=ReturnKind.RETURN, reason=ReturnReason.DAMAGED, lines=[RequestedLine(other.lines.first().pk, 1)]),
         "bad_line"),
        (dict(kind=ReturnKind.RETURN, reason=ReturnReason.DAMAGED, lines=[RequestedLine(mine.pk, 0)]), "bad_quantity"),
        (dict(kind=ReturnKind.EXCHANGE, reason=ReturnReason.SIZE, lines=[RequestedLine(mine.pk, 1, "NOPE")]),
         "bad_exchange_sku"),
        (dict(kind=ReturnKind.RETURN, reason=ReturnReason.DAMAGED, lines=[RequestedLine(mine.pk, 1)],
              description="字" * 501), "description_too_long"),
        (dict(kind=ReturnKind.RETURN, reason=ReturnReason.DAMAGED, lines=[RequestedLine(mine.pk, 1)],
              photos=[photo_bytes()] * 4), "too_many_photos"),
        (dict(kind=ReturnKind.RETURN, reason=ReturnReason.DAMAGED, lines=[RequestedLine(mine.pk, 1)],
              photos=[b"GIF89a not really"]), "bad_photo"),
    ]
    for kwargs, code in cases:
        with pytest.raises(OrderActionRefused) as refused:
            return_request_create(order=delivered_order, **kwargs)
        assert refused.value.code == code
    assert not ReturnRequest.objects.exists()
    assert not OrderEvent.objects.filter(action=EventAction.RETURN_REQUEST).exists()


def test_bad_receipts_change_nothing(make_return, ops_user, delivered_order):
    request = make_return(lines=[("A001", 2)])
    line = request.lines.get()
    with pytest.raises(OrderActionRefused) as refused:
        return_receive(request=request, actor=ops_user, lines=[ReceivedLine(line.pk, 1, Disposition.RESTOCK)])
    assert refused.value.code == "return_status"  # not approved yet
    return_approve(request=request, actor=ops_user)
    snapshot = stock_snapshot()
    cases = [
        ([ReceivedLine(line.pk, 3, Disposition.RESTOCK)], "bad_quantity"),
        ([ReceivedLine(line.pk, 1, "keep")], "bad_disposition"),
        ([ReceivedLine(line.pk + 999, 1, Disposition.RESTOCK)], "bad_line"),
        ([], "lines_missing"),
        ([ReceivedLine(line.pk, 0, Disposition.SCRAP)], "nothing_received"),
    ]
    for lines, code in cases:
        with pytest.raises(OrderActionRefused) as refused:
            return_receive(request=request, actor=ops_user, lines=lines)
        assert refused.value.code == code
    assert stock_snapshot() == snapshot
    assert ReturnRequest.objects.get(pk=request.pk).status == ReturnStatus.APPROVED
    with pytest.raises(OrderActionRefused) as refused:
        return_approve(request=request, actor=ops_user)
    assert refused.value.code == "return_status"


def test_refund_amounts_are_checked(make_return, ops_user, delivered_order):
    request = make_return()
    for amount in ("-1", "abc", str(delivered_order.paid_amount + 1), "NaN"):
        with pytest.raises(OrderActionRefused) as refused:
            return_approve(request=request, actor=ops_user, refund_amount=amount)
        assert refused.value.code == "bad_amount"
    assert ReturnRequest.objects.get(pk=request.pk).status == ReturnStatus.REQUESTED


def test_inspection_photos_are_reencoded(make_return, ops_user):
    request = make_return()
    photo = return_photo_add(request=request, data=photo_bytes(size=(3000, 2000)), actor=ops_user)
    assert max(photo.width, photo.height) <= 1600 and photo.uploaded_by == ops_user
    with pytest.raises(OrderActionRefused):
        return_photo_add(request=request, data=b"\x89PNG broken", actor=ops_user)
    assert request.photos.count() == 1


def test_returns_per_phone_counts_orders_returned_or_refunded(make_return, order_in_state, ops_user):
    from orders.returns_selectors import returns_per_phone

    first = make_return()  # on the delivered order of 13812341234
    second_order = order_in_state(OrderStatus.DELIVERED)
    refused = make_return(order=second_order)
    return_refuse(request=refused, actor=ops_user, note="不符合")
    assert returns_per_phone(phones=["13812341234", "13900000000"]) == {"13812341234": 1}
    make_return(order=second_order, lines=[("A002", 1)])
    return_approve(request=first, actor=ops_user)
    assert returns_per_phone(phones=["13812341234"]) == {"13812341234": 2}
    assert returns_per_phone(phones=["13812341234"], days=30, now=first.created_at + timedelta(days=31)) == {}
