"""Helpers for the ledger's tests: the standalone tools as subprocesses, and tampering."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cases.immutability import install_triggers, remove_triggers
from ledger.keys import signing_key

TOOLS = Path(__file__).resolve().parents[2] / "tools"


def tool(name: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run one of the standalone checkers with no site-packages at all (-S): the standard
    library only, as a third party would."""
    return subprocess.run(
        [sys.executable, "-I", "-S", str(TOOLS / name), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def verifier_key() -> str:
    return signing_key().verifier_key()


def run(command: str, *args: str) -> tuple[bool, str]:
    """(succeeded, everything it wrote) of a management command."""
    out = io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=out)
    except CommandError as exc:
        return False, f"{out.getvalue()}\n{exc}"
    return True, out.getvalue()


@contextmanager
def triggers_disabled() -> Iterator[None]:
    """What the database's owner can do: switch the append-only triggers off, change events,
    switch them back on. On PostgreSQL as a superuser (DISABLE TRIGGER ALL needs one)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE cases_event DISABLE TRIGGER ALL")
        else:
            remove_triggers(connection)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE cases_event ENABLE TRIGGER ALL")
                for name in ("cases_event_no_update", "cases_event_no_delete", "cases_event_no_truncate"):
                    cursor.execute(f"ALTER TABLE cases_event ENABLE ALWAYS TRIGGER {name}")
            else:
                install_triggers(connection)


@pytest.fixture
def checkpoint_file(tmp_path: Path):
    """Sign a checkpoint now and keep it in a file, as a regulator would."""
    from ledger.checkpoints import checkpoint_create

    def keep() -> Path:
        path = tmp_path / f"checkpoint-{len(list(tmp_path.iterdir()))}.txt"
        path.write_text(checkpoint_create().note, encoding="utf-8")
        return path

    return keep
