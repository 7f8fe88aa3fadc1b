"""Print a case's timeline, or export it with everything needed to verify it offline."""

import datetime as dt
import json
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cases.eventstore import GENESIS_HASH, stream_events
from cases.models import Case
from cases.references import normalise_reference


class Command(BaseCommand):
    help = "Show the history of the case with reference REF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference")
        parser.add_argument(
            "--json",
            action="store_true",
            help="Export every event with its hashed fields, for verification by a third party.",
        )

    def handle(self, *args: Any, reference: str, **options: Any) -> None:
        case = Case.objects.filter(reference=normalise_reference(reference)).first()
        if case is None:
            raise CommandError(f"No case with reference {reference!r}.")
        events = list(stream_events(case.id))
        reader = case.personal_reader()
        if options["json"]:
            self.stdout.write(_escape_json(_export(case, events)))
            return
        title = _printable(case.title)
        self.stdout.write(f"{case.reference}  {title}  [{case.kind}, now {case.state}, version {case.version}]")
        for event in events:
            when = timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S %Z")
            actor = event.metadata.get("actor", {})
            who = actor.get("role", "?") + (f" #{actor['user_id']}" if actor.get("user_id") else "")
            # The filer's own text is read from its sealed form ("[erased]" once erased).
            details = {k: reader.text(v) for k, v in event.data.items() if k not in {"from_state", "to_state"}}
            move = f"{event.data['from_state']} → {event.data['to_state']}" if "from_state" in event.data else ""
            line = f"  v{event.stream_version:<3} {when}  {event.type:<34} {who:<16} {move}"
            self.stdout.write(_printable(line))
            if details:
                self.stdout.write(f"        {_escape_json(json_dumps(details))}")


def json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _is_unsafe(character: str) -> bool:
    """Characters a terminal may act on rather than show: control characters (ESC starts
    the sequences that move the cursor, retitle the window or rewrite the screen; the C1
    range holds one-byte forms of them), format characters such as bidirectional overrides,
    line and paragraph separators, and unassigned or private code points."""
    return character not in "\n\t" and (
        unicodedata.category(character)[0] == "C" or unicodedata.category(character) in {"Zl", "Zp"}
    )


def _printable(text: str) -> str:
    """Case text as readable, inert characters: anything unsafe shown as its escape."""
    return "".join(
        character.encode("unicode_escape").decode("ascii")
        if character in "\n\r\t" or _is_unsafe(character)
        else character
        for character in str(text)
    )


def _escape_json(encoded: str) -> str:
    """JSON text with every unsafe character written as a \\u escape: the same JSON to any
    parser (so exported hashes still verify), but nothing a terminal would act on."""
    out = []
    for character in encoded:
        if not _is_unsafe(character):
            out.append(character)
        elif ord(character) > 0xFFFF:
            high, low = divmod(ord(character) - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
        else:
            out.append(f"\\u{ord(character):04x}")
    return "".join(out)


def _export(case: Case, events: list[Any]) -> str:
    return json.dumps(
        {
            "reference": case.reference,
            "stream_id": str(case.id),
            "hash_algorithm": "sha256",
            "genesis_previous_hash": GENESIS_HASH,
            "canonical_encoding": (
                "JSON of {stream_id, stream_version, type, schema_version, data, metadata, occurred_at "
                "(UTC, ISO 8601, microseconds), previous_hash}; keys sorted, separators ',' and ':', "
                "UTF-8 without escaping; hash = SHA-256 hex of those bytes."
            ),
            "events": [
                {
                    "position": e.position,
                    "stream_id": str(e.stream_id),
                    "stream_version": e.stream_version,
                    "type": e.type,
                    "schema_version": e.schema_version,
                    "data": e.data,
                    "metadata": e.metadata,
                    "occurred_at": e.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                    "previous_hash": e.previous_hash,
                    "hash": e.hash,
                }
                for e in events
            ],
        },
        ensure_ascii=False,
        indent=2,
    )
