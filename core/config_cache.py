"""Rules and settings that the single-order intake reads on every order (the review rules, the
routing rules, the shop's flow settings, the warehouses' codes, the carriers' rates), kept per
process for ``settings.FLOW_RULES_CACHE_SECONDS`` after they were read.

A change saved or deleted through the ORM empties this process's copy at once (``forget_on_change``
connects the models' signals); the other web and worker processes read it again within that time.
With ``0`` nothing is kept. Re-routing and splitting an order, and the batch and import intakes
(which read once per batch anyway), read the rules and settings afresh every time; only the carrier
rates, priced for any one order's routing tie (``warehouse.order_flow.shipping_estimate``), are
shared with them.
"""

import threading
import time

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save

#: key -> (monotonic time it expires, value). Bounded: emptied when full.
_kept: dict = {}
_lock = threading.Lock()
MAX_ENTRIES = 1000
_clock = time.monotonic


def kept(key):
    """The value kept under ``key`` if it is still fresh, else None."""
    found = _kept.get(key)
    if found is None or found[0] <= _clock():
        return None
    return found[1]


def keep(key, value):
    """Keep ``value`` under ``key`` (not when the setting is 0); returns ``value``."""
    seconds = settings.FLOW_RULES_CACHE_SECONDS
    if seconds > 0:
        with _lock:
            if len(_kept) >= MAX_ENTRIES:
                _kept.clear()
            _kept[key] = (_clock() + seconds, value)
    return value


def forget(**_signal) -> None:
    """Drop everything kept (a signal receiver, or called by hand after a bulk ``update``)."""
    with _lock:
        _kept.clear()


def forget_on_change(*models) -> None:
    """Forget everything whenever one of ``models`` is saved or deleted, or a many-to-many link of
    one of them (pass the ``through`` model) changes."""
    for model in models:
        uid = f"config_cache:{model._meta.label}"
        post_save.connect(forget, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(forget, sender=model, weak=False, dispatch_uid=uid)
        m2m_changed.connect(forget, sender=model, weak=False, dispatch_uid=uid)
