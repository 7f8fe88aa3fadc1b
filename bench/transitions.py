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
import platform
import pstats
import re
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

if TYPE_CHECKING:
    from accounts.actors import Actor
    from accounts.models import Organisation

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_bench"
TARGET_RATIO = 0.4
PROFILE_TRANSITIONS = 2100
RAW_TABLE = "bench_raw_event"

T = TypeVar("T")


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
        default=14000,
        help=f"transitions to time, rounded up to whole lifecycles of {STEPS} commands (default 14000)",
    )
    parser.add_argument("--raw-rows", type=int, default=None, help="raw rows to time (default: as many as transitions)")
    parser.add_argument(
        "--warmup", type=int, default=350, help="transitions and raw rows run first and not counted (default 350)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="split the timed work into this many rounds of submissions, transitions and raw rows (default 5)",
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"default {DEFAULT_DATABASE_URL}")
    parser.add_argument(
        "--profile",
        action="store_true",
        help=f"afterwards, break {PROFILE_TRANSITIONS} more transitions down by query and by function (not counted)",
    )
    args = parser.parse_args()
    if args.transitions < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("--transitions and --rounds must be positive, --warmup not negative")
    if args.raw_rows is not None and args.raw_rows < args.rounds:
        parser.error("--raw-rows must be at least --rounds")
    return args


# --- Database and Django set-up -------------------------------------------------------------


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def recreate_database(url: str) -> None:
    """Drop and create the bench database, connected to the server's `postgres` database."""
    name = database_name(url)
    # The database is dropped without asking: never let a typo point this at real data.
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop database {name!r}: its name must contain 'bench'.")
    maintenance_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str) -> None:
    # Settings read the environment once, at import: everything is set before django.setup().
    # DEBUG=0 keeps Django from recording every query in connection.queries.
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tracker.settings"
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = "bench-only-secret-key-not-for-any-deployment"  # noqa: S105
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))

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
    timings: dict[str, float] | None = None,
) -> int:
    """One INSERT and one COMMIT per row; with `timings`, add up the time of each half."""
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
        executed = time.perf_counter()
        connection.commit()
        if timings is not None:
            timings["BEGIN + INSERT (psycopg execute)"] += executed - started
            timings["COMMIT"] += time.perf_counter() - executed
        previous = row_hash
        inserted += 1
    return inserted


# --- Measuring ------------------------------------------------------------------------------


@dataclass
class Rate:
    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    @property
    def ms_each(self) -> float:
        return 1000 * self.seconds / self.count


def timed(action: Callable[..., T], *args: Any) -> tuple[T, float]:
    """The action's result and the seconds it took."""
    started = time.perf_counter()
    result = action(*args)
    return result, time.perf_counter() - started


def round_trip_ms(connection: psycopg.Connection, *, commit: bool, samples: int = 500) -> float:
    """Median milliseconds of `SELECT 1`, alone or followed by a COMMIT; that transaction wrote
    nothing, so its COMMIT flushes nothing to disk and costs one more round trip only."""
    durations = []
    for _ in range(samples):
        started = time.perf_counter()
        connection.execute("SELECT 1").fetchone()
        if commit:
            connection.commit()
        durations.append(time.perf_counter() - started)
    connection.commit()
    return 1000 * statistics.median(durations)


def machine_facts(connection: psycopg.Connection, load_before: tuple[float, float, float]) -> list[tuple[str, str]]:
    import django

    def setting(name: str) -> str:
        row = connection.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
        return str(row[0]) if row else "?"

    facts = [
        ("CPU count", str(os.cpu_count())),
        ("Platform", platform.platform()),
        ("Python", platform.python_version()),
        ("Django", django.get_version()),
        ("psycopg", psycopg.__version__),
        ("PostgreSQL", setting("server_version")),
        ("fsync / synchronous_commit", f"{setting('fsync')} / {setting('synchronous_commit')}"),
        # Other work on the machine (a test run, a build) slows commits and skews the ratio.
        ("Load average before the run", " / ".join(f"{load:.2f}" for load in load_before) + " (1/5/15 min)"),
    ]
    connection.commit()
    return facts


# --- Profiling (optional, after the measured phases) ----------------------------------------

_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


def query_label(statement: str) -> str:
    """'SELECT cases_case FOR UPDATE', 'INSERT cases_event'…: verb, table, locking."""
    verb = statement.lstrip().split(None, 1)[0].upper()
    table = _TABLE.search(statement)
    label = f"{verb} {table.group(1) if table else ''}".strip()
    if verb == "SELECT" and re.match(r'\s*SELECT 1 AS "a"', statement):
        label += " (exists)"
    return label + (" FOR UPDATE" if "FOR UPDATE" in statement else "")


def wal_position(connection: psycopg.Connection) -> str:
    row = connection.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    connection.commit()
    return str(row[0]) if row else "0/0"


def wal_bytes_since(connection: psycopg.Connection, start: str) -> float:
    row = connection.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", (start,)).fetchone()
    connection.commit()
    return float(row[0]) if row else 0.0


@dataclass
class QueryLog:
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def __call__(self, execute: Callable[..., Any], statement: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            label = query_label(statement)
            self.seconds[label] += time.perf_counter() - started
            self.counts[label] += 1


@contextmanager
def commits_timed(log: QueryLog) -> Iterator[None]:
    """Time Django's COMMITs: they skip execute wrappers, so wrap the connection's private _commit."""
    from django.db import connection

    original = connection._commit

    def commit() -> None:
        started = time.perf_counter()
        try:
            original()
        finally:
            log.seconds["COMMIT"] += time.perf_counter() - started
            log.counts["COMMIT"] += 1

    connection._commit = commit  # type: ignore[method-assign]
    try:
        yield
    finally:
        del connection._commit  # back to the class's method


def print_breakdown(title: str, total: Rate, seconds: dict[str, float], counts: dict[str, int] | None) -> None:
    per = total.count
    print(f"\n{title}: {total.count} in {total.seconds:.2f} s, {total.ms_each:.3f} ms each")
    print(f"  {'step':<38} {'per item':>8} {'ms/item':>8} {'share':>6}")
    accounted = 0.0
    for label, spent in sorted(seconds.items(), key=lambda item: -item[1]):
        accounted += spent
        times = f"{counts[label] / per:8.2f}" if counts else f"{1:8.2f}"
        print(f"  {label:<38} {times} {1000 * spent / per:8.3f} {spent / total.seconds:6.1%}")
    rest = total.seconds - accounted
    print(f"  {'Python and everything else':<38} {'':>8} {1000 * rest / per:8.3f} {rest / total.seconds:6.1%}")


def profile(staff: Staff, raw: psycopg.Connection) -> None:
    from django.db import connection

    complaints = PROFILE_TRANSITIONS // STEPS
    print(f"\n=== Profile ({complaints * STEPS} more transitions and raw rows, not counted above) ===")
    print("(A psycopg connection sends BEGIN as its own round trip before a transaction's first query:")
    print(" that round trip is counted in the first query, SELECT ... FOR UPDATE or the raw INSERT.)")

    log = QueryLog()
    case_ids = submit_complaints(staff, complaints)
    wal_start = wal_position(raw)
    with connection.execute_wrapper(log), commits_timed(log):
        command = Rate(*timed(run_lifecycles, staff, case_ids))
    command_wal = wal_bytes_since(raw, wal_start)
    print_breakdown("Command path, per transition", command, log.seconds, log.counts)

    raw_timings: dict[str, float] = defaultdict(float)
    wal_start = wal_position(raw)
    raw_rate = Rate(*timed(insert_raw, raw, staff, command.count, raw_timings))
    raw_wal = wal_bytes_since(raw, wal_start)
    print_breakdown("Raw path, per row", raw_rate, raw_timings, None)
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


# --- Main -----------------------------------------------------------------------------------


def shares(total: int, parts: int) -> list[int]:
    """`total` split into `parts` near-equal whole numbers."""
    return [total // parts + (1 if part < total % parts else 0) for part in range(parts)]


@dataclass
class Totals:
    submissions: Rate = field(default_factory=lambda: Rate(0, 0.0))
    transitions: Rate = field(default_factory=lambda: Rate(0, 0.0))
    raw: Rate = field(default_factory=lambda: Rate(0, 0.0))
    round_ratios: list[float] = field(default_factory=list)

    def add(self, submissions: Rate, transitions: Rate, raw: Rate) -> None:
        for total, part in ((self.submissions, submissions), (self.transitions, transitions), (self.raw, raw)):
            total.count += part.count
            total.seconds += part.seconds
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


def main() -> None:
    args = parse_args()
    load_before = os.getloadavg()
    complaints = max(-(-args.transitions // STEPS), args.rounds)
    warmup_complaints = -(-args.warmup // STEPS)
    raw_count = args.raw_rows or complaints * STEPS

    recreate_database(args.database_url)
    setup_django(args.database_url)
    staff = create_staff()

    with psycopg.connect(args.database_url, autocommit=False) as raw:
        create_raw_table(raw)

        # Warm-up: connections, caches and code paths; not counted.
        run_lifecycles(staff, submit_complaints(staff, warmup_complaints))
        insert_raw(raw, staff, args.warmup)

        totals = measure(staff, raw, complaints, raw_count, args.rounds)
        check_work_done(raw, warmup_complaints + complaints, args.warmup + raw_count)

        rtt = round_trip_ms(raw, commit=False)
        rtt_commit = round_trip_ms(raw, commit=True)
        facts = machine_facts(raw, load_before)

        ratio = totals.transitions.per_second / totals.raw.per_second
        print("=== Complaint transitions through cases.commands vs raw psycopg INSERT + COMMIT ===")
        for name, value in facts:
            print(f"{name + ':':<28} {value}")
        print(f"{'Database:':<28} {database_name(args.database_url)} (created afresh)")
        print(f"{'SELECT 1 round trip:':<28} {rtt:.3f} ms median; with a read-only COMMIT {rtt_commit:.3f} ms")
        print(f"{'Warm-up (not counted):':<28} {warmup_complaints * STEPS} transitions, {args.warmup} raw rows")
        print(f"{'N:':<28} {complaints} complaints x {STEPS} commands = {totals.transitions.count} transitions")
        print(f"{'':<28} {totals.raw.count} raw rows, in {args.rounds} alternating rounds")
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
        print(f"{'Ratio per round:':<33} {spread}")

        if args.profile:
            profile(staff, raw)


if __name__ == "__main__":
    main()
