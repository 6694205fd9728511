"""The order core's policy for platform news about an order it has (``orders.services.platform``):
a typed outcome, the change made through the order's own services."""

from dataclasses import replace

from orders.drafts import Recipient
from orders.events import EventAction
from orders.services.platform import NewsOutcome, PlatformNews, order_apply_platform_news
from orders.states import ExceptionReason, OrderStatus, PlatformStatus

HOME = Recipient(name="王小明", phone="13812341234", province="浙江省", city="杭州市", district="西湖区",
                 street="文三路 90 号")


def test_payment_news_pays_a_waiting_order_once(place_order):
    order = place_order(paid=False)

    first = order_apply_platform_news(order=order, news=PlatformNews(status=PlatformStatus.PAID, recipient=HOME))
    again = order_apply_platform_news(order=first.order, news=PlatformNews(status=PlatformStatus.PAID, recipient=HOME))

    assert isinstance(first, NewsOutcome)
    assert (first.changed, first.order.status, first.note) == (True, OrderStatus.PENDING_REVIEW, "")
    assert (again.changed, again.note) == (False, "订单已是最新状态")
    assert first.order.events.filter(action=EventAction.PAY).count() == 1


def test_a_new_address_before_packing_changes_the_order(place_order):
    order = place_order()
    moved = replace(HOME, street="文一西路 969 号")

    outcome = order_apply_platform_news(order=order, news=PlatformNews(status=PlatformStatus.PAID, recipient=moved))

    assert outcome.changed and outcome.order.street == "文一西路 969 号"
    assert outcome.order.events.latest("id").action == EventAction.CHANGE_ADDRESS


def test_a_refund_after_packing_is_flagged_for_a_person_once(order_in_state):
    order = order_in_state(OrderStatus.PACKED)
    refund = PlatformNews(status=PlatformStatus.REFUNDING, recipient=HOME)

    first = order_apply_platform_news(order=order, news=refund)
    again = order_apply_platform_news(order=first.order, news=refund)

    assert (first.changed, first.order.status, first.order.exception_reason) == (
        True, OrderStatus.PACKED, ExceptionReason.LATE_REFUND)
    assert (again.changed, again.note) == (False, "已标记过异常")
    assert first.order.events.filter(action=EventAction.FLAG_EXCEPTION).count() == 1


def test_a_cancellation_before_packing_cancels_and_a_refused_step_is_reported(place_order):
    order = place_order()
    cancel = PlatformNews(status=PlatformStatus.CANCELLED, recipient=HOME)

    cancelled = order_apply_platform_news(order=order, news=cancel)
    late_address = order_apply_platform_news(
        order=cancelled.order, news=PlatformNews(status=PlatformStatus.CANCELLED, recipient=replace(HOME, street="新地址"))
    )

    assert (cancelled.changed, cancelled.order.status) == (True, OrderStatus.CANCELLED)
    assert late_address.changed is False
    assert "订单已取消" in late_address.note
