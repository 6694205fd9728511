"""WSGI entry point (gunicorn oms.wsgi). The settings refuse the development key when DEBUG is off.

Each web process loads its URLs (every view, the admin, the API) here rather than on its first
request, then moves everything loaded so far out of the garbage collector's way (``gc.freeze``):
those ~120,000 long-lived objects were otherwise walked by every full collection, a pause of
about 90 ms every few thousand requests (5 ms after), and a third of the collector's time.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")

application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 (imports the URLconf and every view it names)
gc.collect()
gc.freeze()
