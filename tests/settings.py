"""The settings of the test suite: the embedded set-up, as `make run` has it.

DEBUG is off unless turned on, and the suite runs what `make run` runs, with DEBUG=1 in the
environment (so that processes the tests start, such as `manage.py serve`, inherit it). Tests
of production behaviour turn it off themselves: settings overrides, or processes started with
DEBUG=0.
"""

import os

os.environ.setdefault("DEBUG", "1")

from tracker.settings import *  # noqa: F403
