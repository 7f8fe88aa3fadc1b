"""Progress lines for long management commands, at most one every second."""

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, stream: TextIO = sys.stderr, every_seconds: float = 1.0) -> None:
        self.label = label
        self.stream = stream
        self.every_seconds = every_seconds
        self._last = 0.0

    def __call__(self, done: int, total: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < self.every_seconds:
            return
        self._last = now
        share = f" ({100 * done // total}%)" if total else ""
        self.stream.write(f"{self.label}: {done:,}/{total:,}{share}\n")
        self.stream.flush()
