"""Reference data read on every filing, kept in each process for a moment.

A public filing reads the provider it goes to, the kind's latest time-limit policy and the
official calendar around today: three queries that answer the same thing thousands of times
in a row, 0.78 of a filing's 5.45 ms in process (bench/submissions.py --profile). Each answer
is kept here for REFERENCE_DATA_SECONDS (1 by default).

A change made in this process (the admin, a management command) is seen at once: saving or
deleting a provider, a policy or an official day empties the store, and so does the commit
of the transaction that made it, in case another request read the old row in between. A
change made in another server process is seen here within REFERENCE_DATA_SECONDS. A case
records the policy version its deadlines come from, so a filing in that moment still says
which policy it was given.

What is kept is shared by every thread of the process: callers read it and must not change
it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction

T = TypeVar("T")

_kept: dict[Hashable, tuple[float, Any]] = {}
_lock = threading.Lock()


def kept(key: Hashable, read: Callable[[], T]) -> T:
    """The value kept under `key` if it is recent enough, else `read()`, kept from now."""
    now = time.monotonic()
    found = _kept.get(key)
    if found is not None and now - found[0] < settings.REFERENCE_DATA_SECONDS:
        return found[1]
    value = read()
    with _lock:
        _kept[key] = (now, value)
    return value


def forget() -> None:
    """Empty the store: the next read of anything goes to the database."""
    with _lock:
        _kept.clear()


def forget_on_change(**kwargs: Any) -> None:
    """Receiver of the saves and deletions of reference data: forget now and at commit."""
    forget()
    transaction.on_commit(forget)
