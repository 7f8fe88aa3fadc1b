"""Complaint transitions per second through the command layer, against raw psycopg inserts.

One run, one client, on PostgreSQL:

1. complaints are filed with `cases.commands.complaint_submit` (timed and reported apart);
2. each complaint is taken through its whole lifecycle by a provider's member of staff with
   the `cases.commands.complaint_*` commands: every command is one transition, that is one
   event append, one projection update and one outbox row, committed in one transaction;
3. the same number of rows is inserted into `bench_raw_event`, a copy of `cases_event` without
   its triggers, with plain psycopg: hash chained in Python, one INSERT and one COMMIT per row.

The ratio of the two rates says how much of a bare commit the command layer keeps; the target
is at least 0.4. The database named by --database-url is dropped and created afresh, so the
name must contain "bench". Run from the project root:

    .venv/bin/python bench/transitions.py [--transitions N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import re
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    DEFAULT_POSTGRES,
    ROOT,
    Rate,
    StepLog,
    add_interface_arguments,
    bench_database,
    database_name,
    database_url,
    format_load,
    load_average,
    machine_facts,
    postgres_settings,
    print_breakdown,
    print_facts,
    recreate_database,
    round_trip_ms,
    shares,
    table_row,
    timed,
    write_rows,
)
from bench.vault_key import PERSONAL_DATA_KEYS

if TYPE_CHECKING:
    from accounts.actors import Actor
    from accounts.models import Organisation

TARGET_RATIO = 0.4
PROFILE_TRANSITIONS = 2100
RAW_TABLE = "bench_raw_event"
CONTENDING_CLIENTS = 10


def default_database_url() -> str:
    return database_url(DEFAULT_POSTGRES, bench_database("tracker_bench"))


@dataclass(frozen=True)
class Step:
    """One transition: the command and its arguments, and the event data of the equivalent raw
    row, which mirrors what the command records so both paths hash and store similar payloads."""

    command: str
    arguments: dict[str, Any]
    event_type: str
    raw_data: dict[str, Any]


def lifecycle(assignee_id: int) -> list[Step]:
    """A complaint from submitted to closed, by way of every complaint transition but reject."""
    note = "Within scope of the labelling rules."
    question = "Where did you first see the video?"
    answer = "On the provider's short-video feed."
    resolution = {
        "outcome": "violation",
        "measures": ["label_added", {"measure": "warning", "account": "uploader-1"}],
        "summary": "Label added.",
    }
    return [
        Step("complaint_assign", {"assignee_id": assignee_id}, "case.assigned", {"assignee_id": assignee_id}),
        Step(
            "complaint_accept",
            {"note": note},
            "complaint.accepted",
            {"note": note, "from_state": "submitted", "to_state": "triaged"},
        ),
        Step(
            "complaint_start_investigation",
            {},
            "complaint.investigation_started",
            {"from_state": "triaged", "to_state": "investigating"},
        ),
        Step(
            "complaint_request_information",
            {"question": question},
            "complaint.information_requested",
            {"question": question, "from_state": "investigating", "to_state": "awaiting_complainant"},
        ),
        Step(
            "complaint_receive_information",
            {"text": answer},
            "complaint.information_received",
            {
                "text": answer,
                "resolution_due_at": "2026-12-04T23:59:59.000+08:00",
                "from_state": "awaiting_complainant",
                "to_state": "investigating",
            },
        ),
        Step(
            "complaint_resolve",
            resolution,
            "complaint.resolved",
            {**resolution, "from_state": "investigating", "to_state": "resolved"},
        ),
        Step("complaint_close", {}, "complaint.closed", {"from_state": "resolved", "to_state": "closed"}),
    ]


STEPS = len(lifecycle(0))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--transitions",
        type=int,
        default=None,
        help=f"transitions to time, rounded up to whole lifecycles of {STEPS} commands (default 14000; quick 1400)",
    )
    parser.add_argument("--raw-rows", type=int, default=None, help="raw rows to time (default: as many as transitions)")
    parser.add_argument(
        "--warmup", type=int, default=None, help="transitions and raw rows run first and not counted (default 350)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="split the timed work into this many rounds of submissions, transitions and raw rows (default 5)",
    )
    parser.add_argument(
        "--contended",
        type=int,
        default=None,
        metavar="SECONDS",
        help=f"then {CONTENDING_CLIENTS} clients transition one case for this long (default 10; quick 3; 0: skip)",
    )
    parser.add_argument("--only-contended", action="store_true", help="run only the contended workload")
    parser.add_argument("--database-url", default=None, help="default: the bench database tracker_bench")
    parser.add_argument(
        "--profile",
        action="store_true",
        help=f"afterwards, break {PROFILE_TRANSITIONS} more transitions down by query and by function (not counted)",
    )
    add_interface_arguments(parser)
    args = parser.parse_args()
    quick = args.quick
    args.transitions = args.transitions or (1400 if quick else 14000)
    args.warmup = args.warmup if args.warmup is not None else (140 if quick else 350)
    args.rounds = args.rounds or (2 if quick else 5)
    args.contended = args.contended if args.contended is not None else (3 if quick else 10)
    args.database_url = args.database_url or default_database_url()
    if args.transitions < 1 or args.rounds < 1 or args.warmup < 0 or args.contended < 0:
        parser.error("--transitions and --rounds must be positive, --warmup and --contended not negative")
    if args.raw_rows is not None and args.raw_rows < args.rounds:
        parser.error("--raw-rows must be at least --rounds")
    return args


# --- Database and Django set-up -------------------------------------------------------------


def setup_django(url: str) -> None:
    # Settings read the environment once, at import: everything is set before django.setup().
    # DEBUG=0 keeps Django from recording every query in connection.queries.
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tracker.settings"
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = "bench-only-secret-key-not-for-any-deployment"  # noqa: S105
    os.environ["PERSONAL_DATA_KEYS"] = PERSONAL_DATA_KEYS
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


@dataclass(frozen=True)
class Staff:
    actor: Actor
    user_id: int
    organisation: Organisation


def create_staff() -> Staff:
    from accounts.actors import Actor
    from accounts.models import Organisation, Role, User

    provider = Organisation.objects.create(slug="bench-provider", name="Bench provider", kind="provider")
    user = User.objects.create_user(username="bench-agent", organisation=provider, role=Role.AGENT)
    return Staff(actor=Actor.for_user(user, request_id="bench"), user_id=user.pk, organisation=provider)


# --- The command path -----------------------------------------------------------------------


def submit_complaints(staff: Staff, count: int) -> list[uuid.UUID]:
    from accounts.actors import Actor
    from cases.commands import complaint_submit

    public = Actor.public(request_id="bench-public")
    case_ids = []
    for number in range(count):
        submission = complaint_submit(
            organisation=staff.organisation,
            actor=public,
            category="unlabelled_synthetic",
            description=f"Synthetic video without a label, number {number}.",
            content_urls=[f"https://video.example.com/v/{number}"],
        )
        case_ids.append(submission.case.id)
    return case_ids


def run_lifecycles(staff: Staff, case_ids: list[uuid.UUID]) -> int:
    """Take every complaint from submitted to closed; return the number of transitions."""
    from cases import commands

    steps = [(getattr(commands, step.command), step.arguments) for step in lifecycle(staff.user_id)]
    transitions = 0
    for case_id in case_ids:
        # The submission was version 1; each command expects the version the last one left.
        for version, (run, arguments) in enumerate(steps, start=1):
            run(case_id=case_id, actor=staff.actor, expected_version=version, **arguments)
            transitions += 1
    return transitions


# --- The raw path ---------------------------------------------------------------------------


def create_raw_table(connection: psycopg.Connection) -> None:
    # LIKE copies columns, identity, defaults, the primary key and the unique (stream, version)
    # index; it never copies triggers.
    connection.execute(sql.SQL("CREATE TABLE {} (LIKE cases_event INCLUDING ALL)").format(sql.Identifier(RAW_TABLE)))
    connection.commit()


# RETURNING, as Django's INSERT of an event does, to learn its position.
RAW_INSERT = sql.SQL(
    "INSERT INTO {} (stream_id, stream_version, type, schema_version, data, metadata, occurred_at,"
    " previous_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING position"
).format(sql.Identifier(RAW_TABLE))


def raw_rows(staff: Staff, count: int) -> Iterator[tuple[uuid.UUID, int, str, dict[str, Any]]]:
    """(stream, version, type, data) for `count` rows, in streams shaped like a lifecycle."""
    steps = lifecycle(staff.user_id)
    produced = 0
    while produced < count:
        stream_id = uuid.uuid4()
        for version, step in enumerate(steps, start=1):
            if produced == count:
                return
            yield stream_id, version, step.event_type, step.raw_data
            produced += 1


def insert_raw(
    connection: psycopg.Connection,
    staff: Staff,
    count: int,
    log: StepLog | None = None,
) -> int:
    """One INSERT and one COMMIT per row; with `log`, add up the time of each half."""
    from cases.eventstore import GENESIS_HASH, event_hash

    metadata = staff.actor.metadata()
    previous = GENESIS_HASH
    inserted = 0
    for stream_id, version, event_type, data in raw_rows(staff, count):
        if version == 1:
            previous = GENESIS_HASH
        occurred_at = dt.datetime.now(dt.UTC)
        row_hash = event_hash(
            stream_id=stream_id,
            stream_version=version,
            type=event_type,
            schema_version=1,
            data=data,
            metadata=metadata,
            occurred_at=occurred_at,
            previous_hash=previous,
        )
        started = time.perf_counter()
        connection.execute(
            RAW_INSERT,
            (stream_id, version, event_type, 1, Jsonb(data), Jsonb(metadata), occurred_at, previous, row_hash),
        ).fetchone()
        if log is not None:
            log.add("BEGIN + INSERT (psycopg execute)", started)
        committing = time.perf_counter()
        connection.commit()
        if log is not None:
            log.add("COMMIT", committing)
        previous = row_hash
        inserted += 1
    return inserted


# --- Contended: many clients, one case -----------------------------------------------------


@dataclass
class Contention:
    clients: int
    seconds: float
    transitions: int = 0
    conflicts: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    checks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and all(check.startswith("ok") for check in self.checks)


def contend(staff: Staff, seconds: float, clients: int = CONTENDING_CLIENTS) -> Contention:
    """`clients` threads, each with its own database connection, take ONE complaint back and
    forth between investigating and awaiting the complainant for `seconds`: each reads the case,
    then runs the command its state allows with the version it read. The loser of a race must
    get the project's ConcurrencyConflict, nothing else, and leave nothing behind."""
    from django.db import connection

    from cases import commands
    from cases.errors import ConcurrencyConflict
    from cases.models import Case

    case_id = submit_complaints(staff, 1)[0]
    for version, step in enumerate(lifecycle(staff.user_id)[:3], start=1):  # up to investigating
        getattr(commands, step.command)(case_id=case_id, actor=staff.actor, expected_version=version, **step.arguments)
    start_version = Case.objects.get(pk=case_id).version
    result = Contention(clients=clients, seconds=seconds)
    lock = threading.Lock()
    go = threading.Barrier(clients + 1)
    deadline: list[float] = []

    def client(number: int) -> None:
        done = conflicts = 0
        errors: Counter[str] = Counter()
        try:
            go.wait()
            while time.perf_counter() < deadline[0]:
                state, version = Case.objects.filter(pk=case_id).values_list("state", "version").get()
                try:
                    if state == "investigating":
                        commands.complaint_request_information(
                            case_id=case_id, actor=staff.actor, expected_version=version, question=f"Q{number}?"
                        )
                    else:
                        commands.complaint_receive_information(
                            case_id=case_id, actor=staff.actor, expected_version=version, text=f"A{number}."
                        )
                    done += 1
                except ConcurrencyConflict:
                    conflicts += 1
                except Exception as exc:  # noqa: BLE001 - counted and reported: any other answer fails the run
                    errors[f"{type(exc).__name__}: {exc}"[:200]] += 1
        finally:
            connection.close()
            with lock:
                result.transitions += done
                result.conflicts += conflicts
                result.errors.update(errors)

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    deadline.append(time.perf_counter() + seconds)
    started = time.perf_counter()
    go.wait()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    result.checks = check_contended(case_id, start_version, result.transitions)
    return result


def check_contended(case_id: uuid.UUID, start_version: int, transitions: int) -> list[str]:
    """Every won transition is one event, one projection version and one live outbox row; the
    chain verifies; nothing a loser began is left."""
    from cases.eventstore import stream_events, verify_chain
    from cases.models import Case
    from notifications.models import Channel, OutboxMessage

    case = Case.objects.get(pk=case_id)
    events = list(stream_events(case_id))
    broken = [item for item in verify_chain(iter(events)) if not hasattr(item, "position")]
    live = OutboxMessage.objects.filter(stream_id=case_id, channel=Channel.LIVE).count()
    expected = start_version + transitions

    def check(ok: bool, text: str) -> str:
        return ("ok: " if ok else "FAILED: ") + text

    return [
        check(case.version == expected, f"case version {case.version}, expected {expected}"),
        check(len(events) == expected, f"{len(events)} events in the stream, expected {expected}"),
        check(live == expected, f"{live} live outbox rows, expected {expected}"),
        check(not broken and case.last_event_hash == events[-1].hash, "hash chain verifies up to the case row"),
    ]


# --- Measuring ------------------------------------------------------------------------------


def wal_position(connection: psycopg.Connection) -> str:
    row = connection.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    connection.commit()
    return str(row[0]) if row else "0/0"


def wal_bytes_since(connection: psycopg.Connection, start: str) -> float:
    row = connection.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", (start,)).fetchone()
    connection.commit()
    return float(row[0]) if row else 0.0


@contextmanager
def commits_timed(log: StepLog) -> Iterator[None]:
    """Time Django's COMMITs: they skip execute wrappers, so wrap the connection's private _commit."""
    from django.db import connection

    original = connection._commit

    def commit() -> None:
        started = time.perf_counter()
        try:
            original()
        finally:
            log.add("COMMIT", started)

    connection._commit = commit  # type: ignore[method-assign]
    try:
        yield
    finally:
        del connection._commit  # back to the class's method


def profile(staff: Staff, raw: psycopg.Connection) -> None:
    from django.db import connection

    complaints = PROFILE_TRANSITIONS // STEPS
    print(f"\n=== Profile ({complaints * STEPS} more transitions and raw rows, not counted above) ===")
    print("(A psycopg connection sends BEGIN as its own round trip before a transaction's first query:")
    print(" that round trip is counted in the first query, the case's SELECT or the raw INSERT.)")

    log = StepLog()
    case_ids = submit_complaints(staff, complaints)
    wal_start = wal_position(raw)
    with connection.execute_wrapper(log), commits_timed(log):
        command = Rate(*timed(run_lifecycles, staff, case_ids))
    command_wal = wal_bytes_since(raw, wal_start)
    print_breakdown("Command path, per transition", command, log, width=38)

    raw_log = StepLog()
    wal_start = wal_position(raw)
    raw_rate = Rate(*timed(insert_raw, raw, staff, command.count, raw_log))
    raw_wal = wal_bytes_since(raw, wal_start)
    print_breakdown("Raw path, per row", raw_rate, raw_log, width=38)
    # The WAL position is the server's: other databases' writes meanwhile are counted too.
    print(
        f"\nWAL written, which each COMMIT waits to reach the disk: {command_wal / command.count:.0f} bytes"
        f" per transition, {raw_wal / raw_rate.count:.0f} bytes per raw row (server-wide)"
    )

    case_ids = submit_complaints(staff, complaints)
    profiler = cProfile.Profile()
    profiler.enable()
    run_lifecycles(staff, case_ids)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    # Only the project's own functions; their cumulative time includes the ORM and SQL below them.
    stats.print_stats(rf"^{re.escape(str(ROOT))}/(?!bench/|\.venv/)", 20)
    listing = out.getvalue().replace(f"{ROOT}/", "")
    print("\nCommand path under cProfile: project functions by cumulative time (cProfile slows Python down):")
    print(listing[listing.index("   ncalls") :].rstrip())


@dataclass
class Totals:
    submissions: Rate = field(default_factory=Rate)
    transitions: Rate = field(default_factory=Rate)
    raw: Rate = field(default_factory=Rate)
    round_ratios: list[float] = field(default_factory=list)

    def add(self, submissions: Rate, transitions: Rate, raw: Rate) -> None:
        self.submissions.add(submissions)
        self.transitions.add(transitions)
        self.raw.add(raw)
        self.round_ratios.append(transitions.per_second / raw.per_second)


def measure(staff: Staff, raw: psycopg.Connection, complaints: int, raw_count: int, rounds: int) -> Totals:
    """Alternate the paths round by round, so a slow spell of the machine falls on both."""
    totals = Totals()
    for round_complaints, round_raw in zip(shares(complaints, rounds), shares(raw_count, rounds), strict=True):
        case_ids, seconds = timed(submit_complaints, staff, round_complaints)
        submissions = Rate(len(case_ids), seconds)
        transitions = Rate(*timed(run_lifecycles, staff, case_ids))
        raw_rate = Rate(*timed(insert_raw, raw, staff, round_raw))
        totals.add(submissions, transitions, raw_rate)
    return totals


def check_work_done(raw: psycopg.Connection, complaints: int, raw_rows: int) -> None:
    """Refuse to report rates for work that did not happen."""
    from cases.models import Case

    closed = Case.objects.filter(state="closed").count()
    row = raw.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(RAW_TABLE))).fetchone()
    raw.commit()
    if closed != complaints or row is None or row[0] != raw_rows:
        raise SystemExit(f"Expected {complaints} closed complaints and {raw_rows} raw rows; found {closed}, {row}.")


# --- Main -----------------------------------------------------------------------------------


def single_client(args: argparse.Namespace, staff: Staff, raw: psycopg.Connection, load: str) -> dict[str, Any]:
    complaints = max(-(-args.transitions // STEPS), args.rounds)
    warmup_complaints = -(-args.warmup // STEPS)
    raw_count = args.raw_rows or complaints * STEPS

    # Warm-up: connections, caches and code paths; not counted.
    run_lifecycles(staff, submit_complaints(staff, warmup_complaints))
    insert_raw(raw, staff, args.warmup)

    totals = measure(staff, raw, complaints, raw_count, args.rounds)
    check_work_done(raw, warmup_complaints + complaints, args.warmup + raw_count)

    rtt = round_trip_ms(raw, commit=False, samples=500)
    rtt_commit = round_trip_ms(raw, commit=True, samples=500)
    found = postgres_settings(raw, "fsync", "synchronous_commit")
    raw.commit()

    ratio = totals.transitions.per_second / totals.raw.per_second
    print("\n=== Complaint transitions through cases.commands vs raw psycopg INSERT + COMMIT ===")
    print(f"{'Load average before the run:':<33} {load}")
    print(f"{'fsync / synchronous_commit:':<33} {found['fsync']} / {found['synchronous_commit']}")
    print(f"{'Database:':<33} {database_name(args.database_url)} (created afresh)")
    print(f"{'SELECT 1 round trip:':<33} {rtt:.3f} ms median; with a read-only COMMIT {rtt_commit:.3f} ms")
    print(f"{'Warm-up (not counted):':<33} {warmup_complaints * STEPS} transitions, {args.warmup} raw rows")
    print(f"{'N:':<33} {complaints} complaints x {STEPS} commands = {totals.transitions.count} transitions")
    print(f"{'':<33} {totals.raw.count} raw rows, in {args.rounds} alternating rounds")
    print()
    rows = (
        ("Submissions (complaint_submit):", totals.submissions),
        ("Transitions (command layer):", totals.transitions),
        ("Raw INSERT + COMMIT (psycopg):", totals.raw),
    )
    for label, rate in rows:
        print(f"{label:<33} {rate.per_second:9.1f} /s  ({rate.ms_each:.3f} ms each)")
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"{'Ratio command / raw:':<33} {ratio:9.3f}     (target >= {TARGET_RATIO}: {verdict})")
    spread = ", ".join(f"{r:.3f}" for r in totals.round_ratios)
    print(f"{'Ratio per round:':<33} {spread}", flush=True)
    return table_row(
        "transitions, 1 client (event + projection + outbox, hash chained)",
        f"{totals.transitions.per_second:.0f}/s ({totals.transitions.ms_each:.2f} ms)",
        baseline=f"{totals.raw.per_second:.0f}/s ({totals.raw.ms_each:.2f} ms)",
        baseline_name="raw hash-chained INSERT + COMMIT, psycopg",
        ratio=f"{ratio:.2f}×",
        target=f"≥ {TARGET_RATIO}× raw",
        met=ratio >= TARGET_RATIO,
    )


def contended(args: argparse.Namespace, staff: Staff) -> dict[str, Any]:
    result = contend(staff, args.contended)
    print(f"\n=== Contended: {result.clients} clients transitioning one complaint for {result.seconds:.1f} s ===")
    print(f"{'Transitions won:':<33} {result.transitions} ({result.transitions / result.seconds:.1f} /s)")
    print(f"{'Conflicts answered:':<33} {result.conflicts} (ConcurrencyConflict, the API's 409)")
    for error, count in result.errors.most_common():
        print(f"{'Other errors (fail the run):':<33} {count} x {error}")
    for check in result.checks:
        print(f"{'Check:':<33} {check}")
    conflicts_share = result.conflicts / max(1, result.conflicts + result.transitions)
    return table_row(
        f"transitions, {result.clients} clients on one case",
        f"{result.transitions / result.seconds:.0f}/s, {result.conflicts} conflicts ({conflicts_share:.0%})",
        target="every loser a conflict, nothing half written",
        met=result.ok,
    )


def main() -> None:
    args = parse_args()
    load = format_load(load_average())
    print(f"Load average before the run: {load}", flush=True)
    recreate_database(args.database_url)
    setup_django(args.database_url)
    staff = create_staff()
    rows: list[dict[str, Any]] = []

    with psycopg.connect(args.database_url, autocommit=False) as raw:
        create_raw_table(raw)
        if not args.only_contended:
            rows.append(single_client(args, staff, raw, load))
        if args.contended:
            rows.append(contended(args, staff))
        print()
        print_facts(machine_facts(args.database_url), width=33)
        write_rows(args.json, rows)
        if args.profile:
            profile(staff, raw)


if __name__ == "__main__":
    main()
