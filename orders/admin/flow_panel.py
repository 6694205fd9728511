"""The order page's flow panel (registered in ``OrdersConfig.ready``, like the warehouse's panels):
the auto-review's trace (which rules ran in which order, which one decided, what each saw), why
the order went to its warehouse (the candidates and the deciding factor), merges and splits,
and the exception flags with who resolved them."""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from inventory.models import Warehouse
from orders.admin.display import can_view_pii, local_time, note_for
from orders.events import EventAction
from orders.flow_models import OrderFlag, ReviewKind, ReviewOutcome
from orders.models import Order, OrderEvent
from orders.review import describe
from orders.services.routing import FACTOR_COST, FACTOR_ONLY, FACTOR_ORDER, FACTOR_PRIORITY

FACTORS = {
    FACTOR_ONLY: lambda: _("唯一能整单发货的仓库"),
    FACTOR_PRIORITY: lambda: _("分仓规则优先级最高"),
    FACTOR_COST: lambda: _("优先级相同，预估运费最低"),
    FACTOR_ORDER: lambda: _("优先级和运费相同，按仓库顺序"),
}
ROUTED = (EventAction.CREATED, EventAction.RELEASE_HOLD, EventAction.ROUTE)


def review_rows(event: OrderEvent) -> list[dict]:
    kinds = dict(ReviewKind.choices)
    rows = []
    for position, entry in enumerate(event.data.get("rules", []), start=1):
        if entry.get("skipped"):
            result, saw = _("跳过（仅限其他渠道）"), ""
        else:
            result = _("命中") if entry.get("matched") else _("未命中")
            saw = describe(entry.get("kind", ""), entry.get("saw") or {})
        rows.append({
            "position": position, "name": entry.get("name"), "kind": kinds.get(entry.get("kind"), entry.get("kind")),
            "result": result, "hit": bool(entry.get("matched")),
            "decided": entry.get("rule") == event.data.get("decided_by") and entry.get("matched"), "saw": saw,
        })
    return rows


def route_rows(trace: dict) -> list[dict]:
    names = dict(Warehouse.objects.filter(pk__in=[c["warehouse"] for c in trace.get("candidates", [])]).values_list("pk", "name"))
    return [
        {
            "name": names.get(c["warehouse"], c["warehouse"]), "priority": c.get("priority"),
            "holds_all": c.get("holds_all"), "cost": c.get("cost", ""), "excluded": c.get("excluded", ""),
            "chosen": c["warehouse"] == trace.get("chosen"),
        }
        for c in trace.get("candidates", [])
    ]


def order_flow_panel(request, order: Order) -> str:
    full = can_view_pii(request.user)
    review = order.events.filter(action=EventAction.REVIEW).order_by("-id").first()
    routed = order.events.filter(action__in=ROUTED, data__has_key="route").order_by("-id").first()
    trace = (routed.data or {}).get("route") if routed else None
    moves = list(order.events.filter(action__in=[EventAction.MERGE, EventAction.MERGE_INTO, EventAction.SPLIT]).order_by("id"))
    flags = list(OrderFlag.objects.filter(order=order).select_related("resolved_by").order_by("-raised_at"))
    if not (review or trace or moves or flags):
        return ""
    context = {
        "review": review,
        "review_rows": review_rows(review) if review else [],
        "review_outcome": ReviewOutcome(review.data.get("outcome")).label
        if review and review.data.get("outcome") in ReviewOutcome.values else "",
        "review_note": note_for(review.note, full=full) if review else "",
        "review_at": local_time(review.at) if review else "",
        "route": trace,
        "route_rows": route_rows(trace) if trace else [],
        "route_factor": FACTORS.get(trace.get("factor"), lambda: "")() if trace else "",
        "route_at": local_time(routed.at) if routed else "",
        "moves": [{"at": local_time(e.at), "label": e.get_action_display(), "note": e.note} for e in moves],
        "flags": [
            {
                "reason": flag.get_reason_display(), "note": note_for(flag.note, full=full),
                "raised": local_time(flag.raised_at), "open": flag.resolved_at is None,
                "resolved": local_time(flag.resolved_at) if flag.resolved_at else "",
                "by": flag.resolved_by or "", "how": flag.resolution, "escalated": flag.escalated_at is not None,
            }
            for flag in flags
        ],
    }
    return render_to_string("admin/orders/order/flow_panel.html", context, request=request)
