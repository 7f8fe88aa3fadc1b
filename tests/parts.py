"""Tests that need a part the machine may lack (Chromium, PostgreSQL, Redis) skip, naming it,
so `make test` passes on a bare laptop. CI sets REQUIRE_ALL_PARTS=1, which turns every such
skip into a failure so that nothing is silently left out there."""

import os

import pytest

REQUIRE_ALL_PARTS = os.environ.get("REQUIRE_ALL_PARTS") == "1"


def require_part(part: str, available: bool, hint: str = "") -> None:
    if available:
        return
    message = f"{part} is not available{': ' + hint if hint else ''}"
    if REQUIRE_ALL_PARTS:
        pytest.fail(f"{message} (REQUIRE_ALL_PARTS=1)")
    pytest.skip(message)
