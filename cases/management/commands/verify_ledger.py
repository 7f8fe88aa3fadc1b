"""Walk every stream's hash chain and the global log; exit non-zero naming what fails.

With --against, also check the log against a checkpoint kept elsewhere (a signed note) or a
filer's receipt: a covered event that was deleted, rewritten (even with every hash after it
recomputed), added or moved is caught, and named by its leaf index and position.
"""

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from cases.eventstore import ChainBreak, Event, stored_events, verify_chain
from cases.management.progress import Progress
from cases.stream_workers import PARALLEL_FROM, StreamWorkers, export_snapshot, verify_streams
from ledger.checkpoints import parse_checkpoint
from ledger.keys import NoteError, VerifierKey
from ledger.verify import Finding, LogReport, check_against, check_receipt, stored_checkpoints, walk_log


class Command(BaseCommand):
    help = (
        "Verify the hash chain of every case history and the global log (leaf indices without gaps, positions "
        "ascending with them, every signed checkpoint); with --against FILE, also against a checkpoint or a receipt "
        "kept elsewhere. Exits with status 1 naming the first failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--against", type=Path, help="A checkpoint (signed note) or a receipt (JSON) to check.")
        parser.add_argument(
            "--key", help="The verifier key (name+id+key, or a file holding it); default: this provider's own."
        )
        parser.add_argument(
            "--workers",
            type=int,
            help=(
                "Processes that check the case chains while this one walks the global log (PostgreSQL only); "
                f"default: one per core from {PARALLEL_FROM:,} events on, else none."
            ),
        )

    def handle(self, *args: Any, against: Path | None, key: str | None, workers: int | None, **options: Any) -> None:
        if workers is not None and workers < 1:
            raise CommandError("--workers must be at least 1.")
        verifier = _verifier_key(key)
        external = _read_against(against, verifier) if against else None
        # Both walks read one snapshot of the log: an event appended between them is in
        # neither, so the second may rely on what the first found.
        # (Inside a transaction someone else opened, its isolation is theirs: no snapshot is
        # assumed then, and the second walk hashes every event again.)
        snapshot = not connection.in_atomic_block
        with transaction.atomic():
            if snapshot and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            self._verify(verifier, external, against, snapshot=snapshot, workers=workers)

    def _verify(
        self, verifier: VerifierKey | None, external: Any, against: Path | None, *, snapshot: bool, workers: int | None
    ) -> None:
        total = Event.objects.count()
        signed, unsigned = stored_checkpoints(verifier)
        sizes = {c.tree_size for c in signed}
        receipt = None
        if external is not None:
            checkpoint, receipt = external
            sizes.add(checkpoint.tree_size)
        watch = {int(receipt["leaf_index"])} if receipt else set()
        if workers is None:
            workers = (os.cpu_count() or 1) if total >= PARALLEL_FROM else 1
        # Workers read the command's snapshot, which only PostgreSQL can hand to another session.
        if workers > 1 and snapshot and connection.vendor == "postgresql":
            checked, breaks, report = self._walk_in_parallel(workers, total, sizes, watch)
        else:
            checked, breaks, report = self._walk(total, sizes, watch, snapshot=snapshot)
        for chain_break in breaks:
            self.stderr.write(f"BROKEN {chain_break.describe()}")
        for size in unsigned:
            self.stderr.write(f"WARNING the stored checkpoint of {size} leaves is not signed by the key; ignored")
        outside: list[Finding] = []
        if external is not None:
            outside = check_against(report, external[0], signed)
            if receipt is not None:
                outside += check_receipt(report, receipt, verifier)
            for finding in outside:
                self.stderr.write(f"AGAINST {against}: {finding.describe()}")
        for finding in report.findings:
            self.stderr.write(f"LOG {finding.describe()}")
        inside = [finding for stored in signed for finding in check_against(report, stored, signed)]
        for finding in inside:
            self.stderr.write(f"SIGNED {finding.describe()}")
        if outside or breaks or report.findings or inside:
            # What the outside checkpoint says first; then a broken chain, which names its event best.
            first: Any = next(iter(outside), None) or next(iter(breaks), None) or (report.findings + inside)[0]
            raise CommandError(f"Ledger verification failed at {first.describe()}")
        summary = (
            f"Ledger verified: {checked} events, every chain intact; {report.leaves} leaves without gaps, "
            f"positions ascending with them ({report.unused_positions} positions left unused by rolled-back appends); "
            f"{len(signed)} signed checkpoints match."
        )
        if external is not None:
            summary += f" The log extends the checkpoint of {external[0].tree_size} leaves in {against}."
            if receipt is not None:
                summary += f" The receipt's event is leaf {receipt['leaf_index']}, still in the log."
        self.stdout.write(summary)

    def _walk(
        self, total: int, sizes: set[int], watch: set[int], *, snapshot: bool
    ) -> tuple[int, list[ChainBreak], LogReport]:
        """Every chain, then the global log, one after the other."""
        progress = Progress("verified events", self.stderr)
        checked = 0
        breaks: list[ChainBreak] = []
        for item in verify_chain(stored_events(by_stream=True)):
            checked += 1
            if isinstance(item, ChainBreak):
                breaks.append(item)
            elif checked % 1000 == 0:
                progress(checked, total)
        progress(checked, total, final=True)
        log_progress = Progress("checked log leaves", self.stderr)
        report = walk_log(
            root_sizes=sizes,
            watch=watch,
            progress=lambda done: log_progress(done, total),
            # A chain walk that skipped events after a break cannot vouch for their hashes.
            contents_verified=snapshot and not breaks and checked == total,
        )
        log_progress(report.events, total, final=True)
        return checked, breaks, report

    def _walk_in_parallel(
        self, workers: int, total: int, sizes: set[int], watch: set[int]
    ) -> tuple[int, list[ChainBreak], LogReport]:
        """The chains in worker processes and the global log here, at the same time."""
        chains = StreamWorkers(workers, export_snapshot(), verify_streams)
        progress = Progress("verified events", self.stderr)
        log_progress = Progress("checked log leaves", self.stderr)

        def both(done: int) -> None:
            log_progress(done, total)
            progress(chains.done(), total)

        # The log is walked taking each stored hash for what its event's content gives, which
        # the chains are being checked for meanwhile; should any of them fail, it is walked
        # again, hashing every event.
        report = walk_log(root_sizes=sizes, watch=watch, progress=both, contents_verified=True)
        log_progress(report.events, total, final=True)
        checked, breaks = chains.result(progress=lambda done: progress(done, total))
        progress(checked, total, final=True)
        if breaks or checked != total:
            report = walk_log(root_sizes=sizes, watch=watch, contents_verified=False)
        return checked, breaks, report


def _verifier_key(value: str | None) -> VerifierKey | None:
    if not value:
        return None
    path = Path(value)
    text = path.read_text() if path.exists() else value
    try:
        return VerifierKey.parse(text)
    except NoteError as exc:
        raise CommandError(f"The key is not a verifier key: {exc}") from exc


def _read_against(path: Path, key: VerifierKey | None) -> tuple[Any, dict[str, Any] | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc}") from exc
    receipt = None
    if text.lstrip().startswith("{"):
        try:
            receipt = json.loads(text)
            text = receipt["checkpoint"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{path} is not a receipt: {exc}") from exc
    try:
        return parse_checkpoint(text, key), receipt
    except NoteError as exc:
        raise CommandError(f"{path} does not hold a checkpoint signed by the key: {exc}") from exc
