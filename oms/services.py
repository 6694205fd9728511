"""Project-wide actions that belong to no business app: lifting login locks."""

import logging

from django.db import transaction
from django.db.models import Q

from oms.models import LoginLock

log = logging.getLogger(__name__)


def login_unlock(*, lock_ids: list[int], actor=None) -> int:
    """Lift the chosen login locks now: the failed-login counts of their user names and of their
    addresses are cleared, so that person can log in again from there. Returns how many counts
    were cleared. Locks the rows it deletes."""
    with transaction.atomic():
        chosen = list(LoginLock.objects.select_for_update().filter(pk__in=lock_ids).values_list("username", "ip_address"))
        if not chosen:
            return 0
        usernames = {username for username, _ip in chosen if username}
        addresses = {ip for _username, ip in chosen if ip}
        counts = LoginLock.objects.filter(Q(username__in=usernames) | Q(ip_address__in=addresses))
        cleared = counts.count()
        counts.delete()
    log.info(
        "login locks lifted by %s: users %s, addresses %s",
        getattr(actor, "username", None), sorted(usernames), sorted(addresses),
    )
    return cleared
