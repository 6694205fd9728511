"""Auto-review (智能审单): which rule decides a paid order, and the trace of how.

Pure: ``review_decide`` reads only what it is given (the order's facts and ``flow_reads.FlowFacts``)
and writes nothing, so the single intake, the batch intake, a release, a payment and the raw-SQL
baseline of the intake benchmark all decide alike. ``orders.services.review`` applies a decision
to an order; the intake writes it with the new order's rows.

The enabled rules run in their sequence; a rule limited to another shop is skipped; the first
rule that matches decides (approve, hold with its reason, or flag: leave in 待审核 for a person).
When none matches, the settings' default decides (approve, or leave for a person). The trace
records every rule that ran, whether it matched, and the values it saw.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from core.masking import mask_phone, mask_phones_in_text
from orders.divisions import place
from orders.flow_models import ListKind, ReviewKind, ReviewOutcome
from orders.flow_reads import FlowFacts, RuleRow
from orders.states import HoldReason

DEFAULT_RETURN_DAYS = 30
_NOT_TEXT = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class OrderFacts:
    """What the rules look at on the order (from a draft at intake, or from a saved order)."""

    channel_id: int
    paid_amount: Decimal
    #: The phone as stored; "" or a platform privacy number when ``privacy``.
    phone: str
    privacy: str
    province: str
    city: str
    district: str
    street: str
    buyer_note: str

    @classmethod
    def of_order(cls, order) -> "OrderFacts":
        return cls(
            channel_id=order.channel_id,
            paid_amount=order.paid_amount,
            phone=order.phone,
            privacy=order.phone_privacy,
            province=order.province,
            city=order.city,
            district=order.district,
            street=order.street,
            buyer_note=order.buyer_note,
        )

    @property
    def plain_phone(self) -> str:
        """The buyer's own phone ("" for a privacy number, which is nobody's)."""
        return "" if self.privacy else self.phone


@dataclass(frozen=True)
class Decision:
    outcome: str
    #: The rule that decided (None: the default).
    rule_id: int | None
    rule_name: str
    hold_reason: str
    #: For people: which rule decided and on what (the event's note, the hold note).
    note: str
    trace: dict = field(default_factory=dict)

    @property
    def approved(self) -> bool:
        return self.outcome == ReviewOutcome.APPROVE


def normalize_address(text: str) -> str:
    """An address without spaces and punctuation, for "contains" matching of the blacklist."""
    return _NOT_TEXT.sub("", text or "")


def full_address(order: OrderFacts) -> str:
    return normalize_address(order.province + order.city + order.district + order.street)


def _match(rule: RuleRow, order: OrderFacts, facts: FlowFacts, now: datetime) -> tuple[bool, dict]:
    """(matched, what the rule saw)."""
    kind = rule.kind
    if kind in (ReviewKind.AMOUNT_ABOVE, ReviewKind.AMOUNT_BELOW):
        threshold = rule.amount if rule.amount is not None else Decimal("0")
        saw = {"paid_amount": str(order.paid_amount), "threshold": str(threshold)}
        if kind == ReviewKind.AMOUNT_ABOVE:
            return order.paid_amount > threshold, saw
        return order.paid_amount < threshold, saw
    phone = order.plain_phone
    if kind == ReviewKind.TRUSTED:
        listed = bool(phone) and any(e.list_kind == ListKind.TRUSTED and e.phone == phone for e in facts.lists)
        return listed, {"phone": mask_phone(phone) if phone else "", "privacy": bool(order.privacy)}
    if kind == ReviewKind.BLOCKED:
        address = full_address(order)
        for entry in facts.lists:
            if entry.list_kind != ListKind.BLOCKED:
                continue
            if phone and entry.phone and entry.phone == phone:
                return True, {"by": "phone", "entry": entry.id, "phone": mask_phone(phone)}
            wanted = normalize_address(entry.address)
            if wanted and wanted in address:
                return True, {"by": "address", "entry": entry.id}
        return False, {"phone": mask_phone(phone) if phone else ""}
    if kind == ReviewKind.ADDRESS:
        placed = place(order.province, order.city, order.district)
        saw = {"province": order.province, "city": order.city, "district": order.district}
        if placed.ok:
            saw["placed"] = " ".join(p for p in (placed.province, placed.city, placed.district) if p)
            saw["code"] = placed.code
        else:
            saw["problem"] = placed.problem
        return not placed.ok, saw
    if kind == ReviewKind.BUYER_NOTE:
        note = (order.buyer_note or "").strip()
        return bool(note), {"buyer_note": Truncator(mask_phones_in_text(note)).chars(60)}
    if kind == ReviewKind.RETURNS:
        days = rule.days or DEFAULT_RETURN_DAYS
        since = now - timedelta(days=days)
        count = sum(1 for at in facts.refunds if at >= since) if phone else 0
        threshold = rule.count or 1
        return count >= threshold, {"refunds": count, "days": days, "threshold": threshold}
    if kind == ReviewKind.PRIVACY_WAYBILL:
        required = facts.config.platform_waybill_required
        return bool(order.privacy) and required, {"privacy": order.privacy, "shop_requires": required}
    return False, {"unknown_kind": kind}


def review_decide(*, order: OrderFacts, facts: FlowFacts, now: datetime | None = None) -> Decision:
    """Run the rules on ``order`` (see the module). Writes nothing."""
    now = now or timezone.now()
    ran = []
    for rule in facts.rules:
        entry = {"rule": rule.id, "name": rule.name, "kind": rule.kind}
        if rule.channel_id is not None and rule.channel_id != order.channel_id:
            ran.append({**entry, "skipped": "channel"})
            continue
        matched, saw = _match(rule, order, facts, now)
        ran.append({**entry, "matched": matched, "saw": saw})
        if matched:
            return _decided(rule, ran, saw)
    outcome = ReviewOutcome.APPROVE if facts.config.review_default == "approve" else ReviewOutcome.FLAG
    note = _("自动审单：没有规则命中，%(outcome)s") % {"outcome": ReviewOutcome(outcome).label}
    trace = {"rules": ran, "decided_by": None, "outcome": outcome, "default": True}
    return Decision(outcome, None, "", "", note, trace)


def _decided(rule: RuleRow, ran: list, saw: dict) -> Decision:
    outcome = ReviewOutcome(rule.outcome)
    reason = rule.hold_reason if outcome == ReviewOutcome.HOLD else ""
    if reason and reason not in HoldReason.values:
        reason = HoldReason.REVIEW
    note = _("自动审单：规则「%(rule)s」命中（%(saw)s），%(outcome)s") % {
        "rule": rule.name,
        "saw": describe(rule.kind, saw),
        "outcome": outcome.label,
    }
    if rule.note:
        note = f"{note}：{rule.note}"
    trace = {"rules": ran, "decided_by": rule.id, "outcome": outcome.value, "default": False}
    return Decision(outcome.value, rule.id, rule.name, reason, Truncator(note).chars(500), trace)


def describe(kind: str, saw: dict) -> str:
    """What a rule saw, in words (the note and the order page's trace)."""
    if "paid_amount" in saw:
        return _("实付 %(paid)s，阈值 %(threshold)s") % {"paid": saw["paid_amount"], "threshold": saw["threshold"]}
    if kind == ReviewKind.TRUSTED:
        if saw.get("privacy"):
            return _("隐私号，不查名单")
        return _("手机 %(phone)s") % {"phone": saw.get("phone") or "-"}
    if kind == ReviewKind.BLOCKED:
        if saw.get("by") == "phone":
            return _("手机 %(phone)s 在黑名单 #%(entry)s") % {"phone": saw.get("phone"), "entry": saw.get("entry")}
        if saw.get("by") == "address":
            return _("地址命中黑名单 #%(entry)s") % {"entry": saw.get("entry")}
        return _("手机和地址都不在黑名单")
    if kind == ReviewKind.ADDRESS:
        given = " ".join(saw.get(p) or "-" for p in ("province", "city", "district"))
        if "placed" in saw:
            return _("%(given)s → %(placed)s（%(code)s）") % {"given": given, "placed": saw["placed"], "code": saw["code"]}
        problem = {"province": _("省"), "city": _("市"), "district": _("区/县")}.get(saw.get("problem"), "?")
        return _("%(given)s：行政区划表里找不到这个%(part)s") % {"given": given, "part": problem}
    if kind == ReviewKind.BUYER_NOTE:
        return _("买家留言：%(note)s") % {"note": saw.get("buyer_note") or _("无")}
    if kind == ReviewKind.RETURNS:
        return _("近 %(days)s 天退货/退款 %(count)s 单，阈值 %(threshold)s") % {
            "days": saw.get("days"), "count": saw.get("refunds"), "threshold": saw.get("threshold"),
        }
    if kind == ReviewKind.PRIVACY_WAYBILL:
        return _("隐私号：%(privacy)s；店铺要求平台电子面单：%(required)s") % {
            "privacy": _("是") if saw.get("privacy") else _("否"),
            "required": _("是") if saw.get("shop_requires") else _("否"),
        }
    return str(saw)
