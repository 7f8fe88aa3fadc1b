"""`manage.py case_history` shows case text as inert characters: whatever a filer typed can
never drive the terminal of the operator reading it."""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from cases.eventstore import stream_events

HOSTILE = (
    "\x1b[2J\x1b[H"  # clear the screen, cursor home
    "\x1b]0;owned\x07"  # retitle the window
    "\x9b31m"  # C1 control sequence introducer, one byte
    "\u202eevil\u202c"  # right-to-left override
    "\rfake line\u2028"
)
UNSAFE = ["\x1b", "\x07", "\x9b", "\u202e", "\u202c", "\r", "\u2028"]


def history(*arguments: str) -> str:
    out = io.StringIO()
    call_command("case_history", *arguments, stdout=out)
    return out.getvalue()


def test_the_timeline_escapes_control_and_format_characters_from_case_text(submit_complaint):
    case = submit_complaint(title="Title " + HOSTILE, description="Seen: " + HOSTILE).case

    printed = history(case.reference)

    assert not [c for c in UNSAFE if c in printed]
    assert "\\x1b[2J" in printed or "\\u001b[2J" in printed
    assert "fake line" in printed and "Title" in printed  # the filer's text, read from its sealed form


def test_the_export_is_inert_and_still_the_same_data(submit_complaint):
    case = submit_complaint(description="Seen: " + HOSTILE + " \U000e0041 tag").case

    exported = history(case.reference, "--json")

    assert not [c for c in [*UNSAFE, "\U000e0041"] if c in exported]
    events = json.loads(exported)["events"]
    assert [e["data"] for e in events] == [e.data for e in stream_events(case.id)]
    assert [e["hash"] for e in events] == [e.hash for e in stream_events(case.id)]
