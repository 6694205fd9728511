"""django-q2 task entry points for the orders app (thin: they call the services). Every task is
idempotent; the schedules that run them are declared in ``oms/schedules.py``."""

from orders.services.archive import order_events_archive
from orders.services.restock import restock_rerun as _restock_rerun
from orders.services.sla import sla_sweep as _sla_sweep


def restock_rerun() -> str:
    """Re-run the orders held out of stock for stock that has arrived (one bounded run)."""
    report = _restock_rerun()
    if report.busy:
        return "busy"
    return (
        f"skus={len(report.skus)} released={len(report.released)} still_held={len(report.still_held)} "
        f"skipped={report.skipped} more={report.more}"
    )


def sla_sweep() -> str:
    """Flag late and risky orders; email supervisors about exceptions left too long (one run)."""
    report = _sla_sweep()
    flagged = " ".join(f"{reason}={count}" for reason, count in sorted(report.flagged.items()))
    return f"{flagged} escalated={len(report.escalated)}"


def notify_buyers() -> str:
    """Write the buyer messages owed for new events, then send those that are due (one bounded run)."""
    from orders.services.notifications import notifications_collect, notifications_send_due

    created = notifications_collect()
    counts = notifications_send_due()
    return f"created={created} sent={counts.sent} failed={counts.failed} given_up={counts.given_up}"


def refresh_dashboard() -> str:
    """Keep the dashboard's roll-ups current (recent days each run, the whole window hourly)."""
    from orders.services.rollups import dashboard_tick

    return dashboard_tick()


def archive_events() -> str:
    """Events of long-finished orders to the archive (one bounded run)."""
    run = order_events_archive()
    return f"orders={run.orders} events={run.events} done={run.done}"


def no_warehouse_rerun(after: int = 0) -> str:
    """Re-run the orders held 无可发货仓库 after a warehouse or category rule changed (one bounded run)."""
    from orders.services.rules_rerun import no_warehouse_rerun as rerun

    report = rerun(after=after)
    return f"released={len(report.released)} still_held={len(report.still_held)} more={report.resume_after is not None}"
