"""Settings for the test suite: the project's own, with a key of its own.

The suite runs with DEBUG off, as production does, and the settings refuse the development key
when DEBUG is off; so the suite brings a key (set before the settings are read) unless the
environment gives one.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-key-not-secret-4f1c9a7e2b8d6053e1a9c7b5d3f2e0a8")

from oms.settings import *  # noqa: E402, F403
