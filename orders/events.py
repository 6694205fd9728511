"""What can happen to an order (``EventAction``) and the one function that writes it down.

Every ``OrderEvent`` is built by ``order_event`` (``order_event_record`` saves one; the intake
inserts the rows it builds with the order's other rows). The event log is the audit trail and the
outbox the higher apps read (write-back reads ``SHIP``, the inbox reads ``FLAG_EXCEPTION``): they
compare with these constants, never with string literals.

Adding an action is one line in ``EventAction``: ``OrderEvent.action`` reads its choices from here
when asked (``orders.models.event_actions``), so no migration is needed.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderEvent


class EventAction(models.TextChoices):
    """An event's action. The lifecycle's transitions are named like the ``Order`` methods they call."""

    CREATED = "created", _("接单")
    PAY = "pay", _("付款")
    APPROVE = "approve", _("审核")
    HOLD = "hold", _("挂起")
    RELEASE_HOLD = "release_hold", _("解除挂起")
    START_PICKING = "start_picking", _("开始拣货")
    STOP_PICKING = "stop_picking", _("退回待拣货")
    PACK = "pack", _("打包")
    SHIP = "ship", _("发货")
    DELIVER = "deliver", _("签收")
    COMPLETE = "complete", _("完成")
    CANCEL = "cancel", _("取消")
    RELINK_SKUS = "relink_skus", _("商品映射")
    HOLD_REASON = "hold_reason", _("挂起原因更新")
    CHANGE_ADDRESS = "change_address", _("修改地址")
    FLAG_EXCEPTION = "flag_exception", _("标记异常")
    CLEAR_EXCEPTION = "clear_exception", _("处理异常")
    CARRIER_CHANGE = "carrier_change", _("更换快递")
    WAYBILL_ISSUE = "waybill_issue", _("取运单号")
    WAYBILL_VOID = "waybill_void", _("作废运单")
    CHANGE_LINES = "change_lines", _("修改商品")
    REVIEW = "review", _("自动审单")
    ROUTE = "route", _("分仓")
    MERGE = "merge", _("合单")
    MERGE_INTO = "merge_into", _("并入其他订单")
    SPLIT = "split", _("拆单")
    ESCALATE = "escalate", _("异常升级通知")
    #: A paid order refunded or returned (the platform said so): the frequent-returns rules count these.
    REFUND = "refund", _("退款/退货")
    RETURN_REQUEST = "return_request", _("申请售后")
    RETURN_APPROVE = "return_approve", _("同意售后")
    RETURN_REFUSE = "return_refuse", _("拒绝售后")
    RETURN_SHIP_BACK = "return_ship_back", _("买家寄回")
    RETURN_RECEIVE = "return_receive", _("退货验收")


def order_event(
    *,
    order: Order,
    action: str,
    actor=None,
    note: str = "",
    data: dict | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
) -> OrderEvent:
    """The event row (not saved) for ``action`` on ``order``, which must have its primary key.

    ``from_status`` and ``to_status`` default to the order's status as it is now (an action that
    is not a move along the lifecycle); a transition passes the status it left. An action that is
    not an ``EventAction`` raises ``ValueError`` before anything is written.
    """
    return OrderEvent(
        order_id=order.pk,
        action=EventAction(action),
        from_status=order.status if from_status is None else from_status,
        to_status=order.status if to_status is None else to_status,
        actor=actor,
        note=note,
        data=data or {},
    )


def order_event_record(
    *,
    order: Order,
    action: str,
    actor=None,
    note: str = "",
    data: dict | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
) -> OrderEvent:
    """Write one event (``order_event``) in the caller's transaction and return it."""
    event = order_event(
        order=order, action=action, actor=actor, note=note, data=data, from_status=from_status, to_status=to_status
    )
    event.save(force_insert=True)
    return event
