"""The background worker's processes run below the web processes' CPU priority.

The web answers people and platforms that wait (a webhook's acknowledgement has a deadline; a
late one is sent again), while the worker's tasks (the inbox drain, sweeps, roll-ups) are
throughput that may wait a few milliseconds. On the same cores, with the worker's task processes
at nice ``WORKER_NICE`` (default 10), the webhook bench's acknowledgements stayed under 100 ms
at p95 while the drain kept its pace (docs/BENCHMARKS.md). django-q2 sends ``post_spawn`` in each
task process it starts; a process may only lower its own priority, never raise it back.
"""

import logging
import os

from django.conf import settings

log = logging.getLogger(__name__)


def lower_priority(sender=None, proc_name: str = "", **kwargs) -> int:
    """Bring this process to nice ``WORKER_NICE`` if it is below; returns the nice value it has."""
    if not hasattr(os, "nice"):
        return 0
    current = os.nice(0)
    wanted = settings.WORKER_NICE
    if wanted > current:
        try:
            current = os.nice(wanted - current)
        except OSError as exc:  # pragma: no cover - some sandboxes refuse any change
            log.warning("worker %s: cannot set nice %s: %s", proc_name, wanted, exc)
    return current
