"""django-q2 task entry points for the orders app (thin: they call the services). Every task is
idempotent; the schedules that run them are declared in ``oms/schedules.py``."""

from orders.services.restock import restock_rerun as _restock_rerun


def restock_rerun() -> str:
    """Re-run the orders held out of stock for stock that has arrived (one bounded run)."""
    report = _restock_rerun()
    if report.busy:
        return "busy"
    return (
        f"skus={len(report.skus)} released={len(report.released)} still_held={len(report.still_held)} "
        f"skipped={report.skipped} more={report.more}"
    )
