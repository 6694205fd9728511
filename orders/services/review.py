"""Applying the auto-review (``orders.review``) to an order waiting in 待审核.

``review_apply`` runs inside the transaction that brought the order to 待审核 (a payment, a
released hold), on the locked row: it writes the ``review`` event with the trace, then approves
(→ 待拣货), holds (→ 异常挂起, the rule's reason) or leaves the order for a person. A person who
releases a hold has looked at the order: a rule that would hold it again leaves it in 待审核 for
that person to approve instead (the trace says so), so no order is stuck behind its own rule.
The intake decides with the same ``review_decide`` and writes the outcome with the new order's
rows (``orders.services.intake``).

Rules are read when an order is reviewed: changing them never touches orders reviewed before.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from orders.events import EventAction, order_event_record
from orders.flow_models import ReviewOutcome
from orders.flow_reads import FlowFacts, flow_read
from orders.models import Order
from orders.review import Decision, OrderFacts, review_decide
from orders.services.errors import OrderActionRefused
from orders.services.lifecycle import _transition, lock_order
from orders.states import OrderStatus


def review_facts(order: Order) -> FlowFacts:
    return flow_read(channel_id=order.channel_id, phone="" if order.phone_privacy else order.phone)


def review_apply(order: Order, *, actor=None, person: bool = False, facts: FlowFacts | None = None) -> Order:
    """Review ``order`` (locked by the caller, in 待审核) and apply the decision; see the module.
    Returns the order as it is now. With auto-review switched off the order waits for a person."""
    facts = facts or review_facts(order)
    if not facts.reviews or order.status != OrderStatus.PENDING_REVIEW or order.station_id is not None:
        return order  # off, not waiting for review, or a station order (its campaign's cutoff approves it)
    decision = review_decide(order=OrderFacts.of_order(order), facts=facts)
    trace = dict(decision.trace)
    outcome = decision.outcome
    if outcome == ReviewOutcome.HOLD and person:
        outcome = ReviewOutcome.FLAG
        trace["person_release"] = True
    note = decision.note
    if trace.get("person_release"):
        note = _("%(note)s；订单由人工解除挂起，留待人工审核") % {"note": note}
    order_event_record(order=order, action=EventAction.REVIEW, note=note[:500], data=trace)
    data = {"review_rule": decision.rule_id}
    if outcome == ReviewOutcome.APPROVE:
        order = _transition(order, EventAction.APPROVE, actor=None, note=note[:500], data=data)
        auto_merge_after_approval(order, facts)
    elif outcome == ReviewOutcome.HOLD:
        order = _transition(
            order, EventAction.HOLD, actor=None, note=note[:500], data={**data, "reason": decision.hold_reason},
            kwargs={"reason": decision.hold_reason, "note": note[:500]},
        )
    return order


def auto_merge_after_approval(order: Order, facts: FlowFacts) -> None:
    """With 自动合单 on, an order just approved joins the waiting order of the same recipient."""
    if facts.config.auto_merge:
        from orders.services.merge import order_merge_auto

        order_merge_auto(order=order)


def order_review(*, order: Order | int, actor=None, expected_status: str | None = None) -> Order:
    """Run the auto-review again on an order waiting in 待审核 (a person asked for it, e.g. after
    the rules changed). Locks the order row. Refused for any other status."""
    with transaction.atomic():
        locked = lock_order(order, expected_status)
        if locked.status != OrderStatus.PENDING_REVIEW:
            raise OrderActionRefused(
                _("订单 %(number)s 当前状态为「%(status)s」，只有待审核的订单可以重新审单")
                % {"number": locked.number, "status": locked.get_status_display()},
                code="transition_not_allowed",
            )
        facts = review_facts(locked)
        if not facts.reviews:
            raise OrderActionRefused(_("自动审单已关闭或没有启用的审单规则"), code="review_disabled")
        return review_apply(locked, actor=actor, facts=facts)


def decision_events(decision: Decision) -> tuple[str, str]:
    """The status an order reviewed at intake lands in, and the transition event's action."""
    if decision.outcome == ReviewOutcome.APPROVE:
        return OrderStatus.READY, EventAction.APPROVE
    if decision.outcome == ReviewOutcome.HOLD:
        return OrderStatus.ON_HOLD, EventAction.HOLD
    return OrderStatus.PENDING_REVIEW, ""
