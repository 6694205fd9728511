"""Django's PostgreSQL backend, with the connection's health check only after a pause.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every request, so
that a kept connection the server dropped while it sat idle (a restart, an idle timeout, a
failover) is replaced instead of failing the request. Under load that is a round trip per request
on a connection that answered a moment ago. Here a connection that opened a cursor less than
``IDLE_SECONDS`` ago is taken as checked; after a longer pause Django checks as before. After a
database error Django checks the connection itself at the end of the request (and closes it if it
is broken), which this leaves alone. A server that drops a connection within that second fails at
most the one request that meets it.

``oms/settings.py`` uses this engine (``core.postgresql``) for every PostgreSQL ``DATABASE_URL``.
"""

import time

from django.db.backends.postgresql import base

IDLE_SECONDS = 1.0
_clock = time.monotonic


class DatabaseWrapper(base.DatabaseWrapper):
    #: When the current connection last opened a cursor (``time.monotonic``); None when closed.
    used_at: float | None = None

    def connect(self):
        super().connect()
        self.used_at = _clock()

    def close(self):
        self.used_at = None
        super().close()

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.used_at is not None
            and _clock() - self.used_at < IDLE_SECONDS
        ):
            self.health_check_done = True
        super().close_if_health_check_failed()

    def _cursor(self, name=None):
        cursor = super()._cursor(name)
        self.used_at = _clock()
        return cursor
