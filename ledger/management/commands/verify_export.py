"""Check a case export file offline: signatures, every event's hash, the chain, the proofs."""

import base64
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.eventstore import GENESIS_HASH
from ledger import merkle
from ledger.checkpoints import parse_checkpoint
from ledger.keys import NoteError, VerifierKey, note_text, signing_key
from ledger.verify import receipt_event_hash


class Command(BaseCommand):
    help = (
        "Verify a case export (JSON) offline. Exits with status 1 naming the first event that was altered, "
        "removed or moved."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--key", help="The verifier key (name+id+key); default: this provider's own.")

    def handle(self, *args: Any, file: Path, key: str | None, **options: Any) -> None:
        try:
            export = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {file} as JSON: {exc}") from exc
        try:
            verifier = VerifierKey.parse(key or signing_key().verifier_key())
            problem = _check(export, verifier)
        except NoteError as exc:
            problem = f"the signatures do not verify: {exc}"
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            problem = f"the file is not a case export ({exc.__class__.__name__}: {exc})"
        if problem:
            raise CommandError(f"Export verification failed: {problem}")
        self.stdout.write(f"Export verified: {len(export['events'])} events of case {export['case']['reference']}.")


def _check(export: dict[str, Any], key: VerifierKey) -> str | None:
    checkpoint = parse_checkpoint(export["checkpoint"], key)
    _origin, case_id, count, last_hash, head_size, _end = note_text(export["case_head"], key).split("\n")
    if case_id != export["case"]["id"] or int(head_size) != checkpoint.tree_size:
        return "the signed case head belongs to another case or checkpoint"
    previous = GENESIS_HASH
    for number, event in enumerate(export["events"], start=1):
        name = f"event {number} (version {event['stream_version']}, position {event['position']}, {event['type']})"
        if event["stream_id"] != case_id or event["stream_version"] != number:
            return f"{name}: out of place: an event before it was removed or moved"
        if event["previous_hash"] != previous:
            return f"{name}: does not follow the event before it (removed, moved or altered)"
        if receipt_event_hash(event) != event["hash"]:
            return f"{name}: altered: its content does not match its hash"
        leaf = merkle.leaf_hash(bytes.fromhex(event["hash"]))
        proof = [base64.b64decode(p) for p in event["inclusion_proof"]]
        if not merkle.verify_inclusion(leaf, event["leaf_index"], checkpoint.tree_size, proof, checkpoint.root_hash):
            return f"{name}: not in the signed log at leaf {event['leaf_index']} (altered or replaced)"
        previous = event["hash"]
    if len(export["events"]) != int(count) or previous != last_hash:
        return f"the signed head says {count} events ending in {last_hash[:16]}…: events at the end were removed"
    return None
