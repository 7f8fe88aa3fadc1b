"""Public complaint submissions per second over HTTP, against django-helpdesk's public ticket form.

One run, on PostgreSQL, both sides pooled:

1. the product, served by uvicorn on a fresh database, takes complaints through its public
   API, POST /api/v1/public/complaints/ (JSON, with contact details and consent): each one
   validates, appends the first event, writes the case, the data subject, the tracking
   credential and the outbox rows in one transaction, and answers 201;
2. django-helpdesk, installed from PyPI into its own virtual environment (`bench/helpdesk.py`)
   and served the same way on its own fresh database, takes tickets through its public form,
   POST /helpdesk/tickets/submit/: each one creates the ticket and its first follow-up, e-mails
   the submitter (to memory) and answers 302 to the ticket's page.

Both run on equal terms: DEBUG off, the same PostgreSQL, a psycopg connection pool on each side
(the product's DB_POOL, Django's pool option for django-helpdesk), the same uvicorn, as many
server processes each (--workers; 1 by default, one client sending one request at a time; with
2, --clients concurrent clients, 4 by default). Rounds alternate between the two so that a slow
spell of the machine falls on both; a warm-up is not counted. The peak resident memory of each
server process (VmHWM) is read before it stops. Run from the project root:

    .venv/bin/python bench/submissions.py [--workers 1|2] [--submissions N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    DEFAULT_POSTGRES,
    OUT,
    PYTHON,
    ROOT,
    Rate,
    Server,
    StepLog,
    add_interface_arguments,
    bench_database,
    count_rows,
    database_url,
    format_load,
    load_average,
    machine_facts,
    megabytes,
    print_facts,
    recreate_database,
    round_trip_ms,
    serving,
    shares,
    stop_servers_on_signals,
    table_row,
    versions,
    write_rows,
)
from bench.helpdesk import (
    HELPDESK_APP,
    HELPDESK_DATABASE,
    HELPDESK_INTERFACE,
    HELPDESK_SITE,
    HELPDESK_VENV,
    PSYCOPG_POOL,
    base_environment,
    ensure_helpdesk_venv,
    helpdesk_environment,
    helpdesk_python,
    run_checked,
    set_up_helpdesk,
    write_helpdesk_site,
)
from bench.vault_key import PERSONAL_DATA_KEYS

__all__ = [
    "ensure_helpdesk_venv",
    "helpdesk_environment",
    "helpdesk_python",
    "serving",
    "set_up_helpdesk",
    "write_helpdesk_site",
]

SUBMISSIONS_OUT = OUT / "submissions"
TRACKER_DATABASE = bench_database("tracker_bench_submissions")
TARGET_RATIO = 3.0
TARGET_MEMORY = 250 * 1024 * 1024
PROFILE_SUBMISSIONS = 1000

DESCRIPTION = (
    "A video on the provider's short-video feed shows a public figure saying things they never said. "
    "The face and voice are clearly generated, but the video carries no label saying so, neither in "
    "the picture nor in the description, and the comments show that many viewers believe it is real. "
    "Submission number {number}."
)
TITLE = "Unlabelled synthetic video {number}"
CONTENT_URL = "https://video.example.com/v/{number}"
EMAIL = "filer{number}@example.com"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--submissions", type=int, default=None, help="submissions to time on each side (default 2000; quick 200)"
    )
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds to split them into (default 5)")
    parser.add_argument(
        "--warmup", type=int, default=None, help="submissions sent to each side first and not counted (default 200)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes on each side (uvicorn --workers; default 1)"
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=None,
        help="concurrent clients, each one keep-alive connection (default 1 with one worker, else 2 per worker)",
    )
    parser.add_argument(
        "--keep",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=(
            f"keep django-helpdesk's virtual environment ({HELPDESK_VENV.relative_to(ROOT)}) for the next run"
            " (default); it is reused when it holds exactly the pinned versions, rebuilt otherwise"
        ),
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help=f"PostgreSQL server (default {DEFAULT_POSTGRES})")
    parser.add_argument(
        "--profile",
        action="store_true",
        help=f"afterwards, break batches of {PROFILE_SUBMISSIONS} more of the product's submissions down, in"
        " process, by SQL statement and by function (not counted)",
    )
    parser.add_argument("--profile-worker", type=int, default=0, help=argparse.SUPPRESS)
    add_interface_arguments(parser)
    args = parser.parse_args()
    args.submissions = args.submissions or (200 if args.quick else 2000)
    args.rounds = args.rounds or (2 if args.quick else 5)
    args.warmup = args.warmup if args.warmup is not None else (30 if args.quick else 200)
    args.clients = args.clients or (1 if args.workers == 1 else 2 * args.workers)
    if args.submissions < args.rounds * args.clients or args.rounds < 1 or args.warmup < 0 or args.workers < 1:
        parser.error("--rounds and --workers must be positive, --submissions at least --rounds x --clients")
    return args


# --- The product's site ---------------------------------------------------------------------


def tracker_environment(server: str) -> dict[str, str]:
    return {
        **base_environment(),
        "DB_POOL": "1",
        "DATABASE_URL": database_url(server, TRACKER_DATABASE),
        "DEBUG": "0",
        "SECRET_KEY": "bench-submissions-only-never-deployed",
        "PERSONAL_DATA_KEYS": PERSONAL_DATA_KEYS,
        "ALLOWED_HOSTS": "127.0.0.1",
        "RATE_LIMIT_SUBMIT": "100000000/60",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TRACKER_VAR_DIR": str(SUBMISSIONS_OUT / "tracker-var"),
        # Plain HTTP on loopback, as django-helpdesk is served: production keeps the redirect to
        # HTTPS and secure cookies on behind its TLS terminator.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
    }


def set_up_tracker(env: dict[str, str]) -> None:
    """Migrate the fresh database and create the one provider the public files with."""
    run_checked([PYTHON, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env)
    create = (
        "from accounts.models import Organisation; "
        "Organisation.objects.create(slug='bench-provider', name='Bench provider', kind='provider')"
    )
    run_checked([PYTHON, "manage.py", "shell", "-c", create], cwd=ROOT, env=env)


# --- The client -----------------------------------------------------------------------------


class CountingConnection(http.client.HTTPConnection):
    """An HTTP/1.1 keep-alive connection that counts how often it had to (re)connect."""

    connects = 0

    def connect(self) -> None:
        self.connects += 1
        super().connect()


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class Client:
    """One keep-alive connection and the cookies the site set, as a browser would keep them."""

    def __init__(self, port: int) -> None:
        self.origin = f"http://127.0.0.1:{port}"
        self.connection = CountingConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        sent = {"Origin": self.origin, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        answer = Answer(response.status, response.headers, response.read())
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return answer

    def close(self) -> None:
        self.connection.close()


def refuse(product: str, expected: str, answer: Answer) -> None:
    text = answer.body.decode("utf-8", "replace")
    raise SystemExit(f"{product}: expected {expected}, got HTTP {answer.status}; the run is void.\n{text[:4000]}")


class Site:
    """A site taking public submissions: builds request bodies, sends one, checks the answer.
    Each client is one keep-alive connection, as one visitor's browser."""

    label: str

    def __init__(self, server: Server, clients: int) -> None:
        self.server = server
        self.clients = [Client(server.port) for _ in range(clients)]
        self.client = self.clients[0]

    def bodies(self, start: int, count: int) -> list[bytes]:
        raise NotImplementedError

    def submit(self, client: Client, body: bytes) -> None:
        raise NotImplementedError

    def connects(self) -> int:
        return sum(client.connection.connects for client in self.clients)

    def close(self) -> None:
        for client in self.clients:
            client.close()


def complaint(number: int) -> dict[str, Any]:
    """The product's JSON for a complaint with contact details, given with consent."""
    return {
        "category": "unlabelled_synthetic",
        "title": TITLE.format(number=number),
        "description": DESCRIPTION.format(number=number),
        "content_urls": [CONTENT_URL.format(number=number)],
        "contact_email": EMAIL.format(number=number),
        "consent": True,
    }


class TrackerApi(Site):
    label = "Tracker, public API"
    path = "/api/v1/public/complaints/"

    def bodies(self, start: int, count: int) -> list[bytes]:
        return [json.dumps(complaint(number)).encode() for number in range(start, start + count)]

    def submit(self, client: Client, body: bytes) -> None:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        answer = client.request("POST", self.path, body, headers)
        if answer.status != 201:
            refuse(self.label, "201 Created", answer)


class HelpdeskForm(Site):
    """django-helpdesk's public form. Its page is fetched once for the CSRF cookie and token and
    the public queue's id; every submission then reuses them, as a browser does for one visitor."""

    label = "django-helpdesk, public form"
    path = "/helpdesk/tickets/submit/"

    def __init__(self, server: Server, clients: int) -> None:
        super().__init__(server, clients)
        page = self.client.request("GET", self.path)
        if page.status != 200:
            refuse(self.label, "200 for the form page", page)
        html = page.body.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        queue = re.search(r'<option value="(\d+)">Public complaints</option>', html)
        if token is None or queue is None or "csrftoken" not in self.client.cookies:
            raise SystemExit(f"{self.label}: no CSRF token, cookie or public queue in the form page:\n{html[:4000]}")
        self.csrf_token = token.group(1)
        self.queue_id = queue.group(1)
        for other in self.clients[1:]:
            other.cookies = dict(self.client.cookies)

    def bodies(self, start: int, count: int) -> list[bytes]:
        # The form's own fields; attachment left out and due date left blank, as a visitor would.
        # Sent url-encoded: the page's form says multipart, which Django parses more slowly.
        return [
            urlencode(
                {
                    "csrfmiddlewaretoken": self.csrf_token,
                    "queue": self.queue_id,
                    "title": TITLE.format(number=number),
                    "body": DESCRIPTION.format(number=number) + "\n\nContent: " + CONTENT_URL.format(number=number),
                    "priority": "3",
                    "due_date": "",
                    "submitter_email": EMAIL.format(number=number),
                }
            ).encode()
            for number in range(start, start + count)
        ]

    def submit(self, client: Client, body: bytes) -> None:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = client.request("POST", self.path, body, headers)
        if answer.status != 302 or not str(answer.headers.get("Location", "")).startswith("/helpdesk/view/?ticket="):
            refuse(self.label, "302 to the new ticket's page", answer)


# --- Measuring ------------------------------------------------------------------------------


def send(site: Site, start: int, count: int) -> Rate:
    """`count` submissions, shared among the site's clients, each sending one request at a time;
    bodies are built before the clock starts."""
    bodies = site.bodies(start, count)
    parts = shares(count, len(site.clients))
    latencies: list[list[float]] = [[] for _ in site.clients]
    failures: list[BaseException] = []

    def run(number: int, share: list[bytes]) -> None:
        client, timed = site.clients[number], latencies[number]
        try:
            for body in share:
                sent = time.perf_counter()
                site.submit(client, body)
                timed.append(time.perf_counter() - sent)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread below
            failures.append(exc)

    offsets = [sum(parts[:number]) for number in range(len(parts))]
    started = time.perf_counter()
    if len(site.clients) == 1:
        run(0, bodies)
    else:
        threads = [
            threading.Thread(target=run, args=(number, bodies[offset : offset + part]))
            for number, (offset, part) in enumerate(zip(offsets, parts, strict=True))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    seconds = time.perf_counter() - started
    if failures:
        raise failures[0]
    return Rate(count, seconds, [latency for timed in latencies for latency in timed])


@dataclass
class Totals:
    ours: Rate = field(default_factory=Rate)
    theirs: Rate = field(default_factory=Rate)
    round_ratios: list[float] = field(default_factory=list)


def measure(ours: Site, theirs: Site, *, warmup: int, submissions: int, rounds: int) -> Totals:
    send(ours, 0, warmup)
    send(theirs, 0, warmup)
    totals = Totals()
    start = warmup
    for number, count in enumerate(shares(submissions, rounds)):
        # Each round both sides, the one going first alternating from round to round.
        if number % 2 == 0:
            our_round, their_round = send(ours, start, count), send(theirs, start, count)
        else:
            their_round, our_round = send(theirs, start, count), send(ours, start, count)
        totals.ours.add(our_round)
        totals.theirs.add(their_round)
        totals.round_ratios.append(our_round.per_second / their_round.per_second)
        start += count
    return totals


# --- Facts ----------------------------------------------------------------------------------


def postgres_facts(server: str) -> list[tuple[str, str]]:
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as connection:
        rtt = round_trip_ms(connection)
    return [("SELECT 1 round trip", f"{rtt:.3f} ms (median)")]


ACTIVITY = {
    "sessions": "sessions",
    "xact_commit": "transactions",
    "tup_inserted": "rows inserted",
    "tup_updated": "rows updated",
    "tup_fetched": "rows fetched",
}


def database_activity(server: str) -> dict[str, dict[str, int]]:
    """PostgreSQL's counters of each bench database so far: sessions opened, transactions
    committed, rows written and read. Read from the `postgres` database, so that reading adds
    nothing, and once the servers have stopped, so that their sessions have reported all."""
    columns = sql.SQL(", ").join(sql.Identifier(column) for column in ACTIVITY)
    query = sql.SQL("SELECT datname, {} FROM pg_stat_database WHERE datname = ANY(%s)").format(columns)
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as connection:
        rows = connection.execute(query, ([TRACKER_DATABASE, HELPDESK_DATABASE],)).fetchall()
    return {str(row[0]): dict(zip(ACTIVITY, (int(value) for value in row[1:]), strict=True)) for row in rows}


def activity_rows(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]], submissions: int) -> list[str]:
    rows = ["Per submission, from pg_stat_database over warm-up and rounds:"]
    for label, name in (("tracker", TRACKER_DATABASE), ("django-helpdesk", HELPDESK_DATABASE)):
        spent = {column: (after[name][column] - before[name][column]) / submissions for column in ACTIVITY}
        rows.append(
            f"  {label + ':':<17}" + ", ".join(f"{spent[column]:.2f} {text}" for column, text in ACTIVITY.items())
        )
    return rows


def site_facts(args: argparse.Namespace, load_before: tuple[float, float, float]) -> list[tuple[str, str]]:
    modules = ("django", "psycopg", "uvicorn", "django-helpdesk")
    ours, theirs = versions(PYTHON, *modules), versions(helpdesk_python(), *modules)
    return [
        ("Python", f"{ours['python']} (product), {theirs['python']} (django-helpdesk)"),
        ("Django", f"{ours['django']} (product), {theirs['django']} (django-helpdesk)"),
        ("django-helpdesk", theirs["django-helpdesk"]),
        ("psycopg", f"{ours['psycopg']} (product), {theirs['psycopg']} (django-helpdesk)"),
        (
            "Server, both sides",
            f"uvicorn {ours['uvicorn']} / {theirs['uvicorn']}, httptools, uvloop, no access log;"
            f" {args.workers} process{'es' if args.workers > 1 else ''} each",
        ),
        (
            "Database connections",
            f"a psycopg pool on both sides (the product's DB_POOL; Django's pool option, {PSYCOPG_POOL},"
            " for django-helpdesk); parameters bound on the server and statements prepared from their second"
            " run on both (the product's defaults; server_side_binding and prepare_threshold=2 in"
            " django-helpdesk's OPTIONS); DEBUG off on both",
        ),
        *postgres_facts(args.postgres),
        ("Load average before the run", format_load(load_before)),
        ("Load average after the rounds", format_load(load_average())),
    ]


@dataclass
class Memory:
    """Peak resident memory (VmHWM) of each serving process, read just before it stops."""

    peaks: dict[str, dict[int, int]] = field(default_factory=dict)

    def record(self, server: Server) -> None:
        peaks = server.peak_memory()
        if server.workers > 1:  # the supervisor only watches its workers
            peaks.pop(server.pid, None)
        self.peaks[server.name] = peaks

    def highest(self, name: str) -> int:
        return max(self.peaks.get(name, {}).values(), default=0)

    def describe(self, name: str) -> str:
        found = self.peaks.get(name, {})
        return ", ".join(megabytes(peak) for peak in found.values()) or "not read"


def report(
    facts: list[tuple[str, str]], totals: Totals, args: argparse.Namespace, rows: list[str], memory: Memory
) -> None:
    print("\n=== Public submissions per second over HTTP: the product vs django-helpdesk, both pooled ===")
    print_facts(facts)
    print(
        f"{'Client:':<30} http.client, {args.clients} keep-alive connection{'s' if args.clients > 1 else ''}"
        " per side, each one request at a time"
    )
    print(f"{'Warm-up (not counted):':<30} {args.warmup} submissions per side")
    print(f"{'N:':<30} {args.submissions} submissions per side, in {args.rounds} alternating rounds")
    print()
    for label, rate in (("Tracker (public API, 201)", totals.ours), ("django-helpdesk (form, 302)", totals.theirs)):
        print(
            f"{label + ':':<30} {rate.per_second:8.1f} /s  ({1000 / rate.per_second:.3f} ms of wall time each;"
            f" latency p50 {rate.percentile_ms(0.5):.3f} ms, p99 {rate.percentile_ms(0.99):.3f} ms)"
        )
    ratio = totals.ours.per_second / totals.theirs.per_second
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"{'Ratio tracker / helpdesk:':<30} {ratio:8.2f}     (target >= {TARGET_RATIO:g}: {verdict})")
    print(f"{'Ratio per round:':<30} {', '.join(f'{r:.2f}' for r in totals.round_ratios)}")
    print(
        f"{'Peak memory per server process:':<30} tracker {memory.describe('tracker')};"
        f" django-helpdesk {memory.describe('helpdesk')} (VmHWM; target < {megabytes(TARGET_MEMORY)})"
    )
    print()
    for row in rows:
        print(row)


def table_rows(args: argparse.Namespace, totals: Totals, memory: Memory) -> list[dict[str, Any]]:
    ratio = totals.ours.per_second / totals.theirs.per_second
    processes = f"{args.workers} server process{'es' if args.workers > 1 else ''} each"
    clients = f"{args.clients} client{'s' if args.clients > 1 else ''}"
    ours_peak, theirs_peak = memory.highest("tracker"), memory.highest("helpdesk")
    return [
        table_row(
            f"intake over HTTP, pooled, {processes}, {clients}",
            f"{totals.ours.per_second:.0f}/s (p99 {totals.ours.percentile_ms(0.99):.1f} ms)",
            baseline=f"{totals.theirs.per_second:.0f}/s (p99 {totals.theirs.percentile_ms(0.99):.1f} ms)",
            baseline_name="django-helpdesk 2.6.1 public ticket form, pooled",
            ratio=f"{ratio:.2f}×",
            target=f"≥ {TARGET_RATIO:g}×",
            met=ratio >= TARGET_RATIO,
        ),
        table_row(
            f"memory, peak RSS of a server process during intake ({processes})",
            megabytes(ours_peak),
            baseline=megabytes(theirs_peak),
            baseline_name="django-helpdesk 2.6.1, same run",
            ratio=f"{ours_peak / theirs_peak:.2f}×" if theirs_peak else None,
            target=f"< {megabytes(TARGET_MEMORY)}",
            met=0 < ours_peak < TARGET_MEMORY,
        ),
    ]


def check_rows(server: str, expected: int) -> list[str]:
    """Count what the submissions left in both databases; refuse to report work that did not happen."""
    ours = count_rows(
        database_url(server, TRACKER_DATABASE),
        ("cases_case", "cases_event", "cases_datasubject", "notifications_outboxmessage"),
    )
    theirs = count_rows(database_url(server, HELPDESK_DATABASE), ("helpdesk_ticket", "helpdesk_followup"))
    if ours["cases_case"] != expected or theirs["helpdesk_ticket"] != expected:
        raise SystemExit(f"Expected {expected} cases and {expected} tickets; found {ours} and {theirs}.")
    return [
        "Rows afterwards (warm-up included): tracker "
        + ", ".join(f"{table} {count}" for table, count in ours.items())
        + "; django-helpdesk "
        + ", ".join(f"{table} {count}" for table, count in theirs.items()),
    ]


# --- Profiling the product's side (optional, in process) ------------------------------------

# What execute wrappers do not see, timed by wrapping the connection's methods.
CONNECTION_STEPS = {
    "get_new_connection": "connect (or take from the pool)",
    "init_connection_state": "connect: Django's session set-up",
    "_commit": "COMMIT",
    "_close": "close (or return to the pool)",
}


@contextmanager
def connection_steps_timed(log: StepLog) -> Iterator[None]:
    from django.db import connection

    def wrap(name: str, label: str) -> None:
        original = getattr(connection, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                log.add(label, started)

        setattr(connection, name, timed)

    for name, label in CONNECTION_STEPS.items():
        wrap(name, label)
    try:
        yield
    finally:
        for name in CONNECTION_STEPS:
            delattr(connection, name)  # back to the class's methods


def profile_worker(count: int) -> None:
    """In this process, with the product's settings: file complaints through Django's request
    handling (the test client: the whole middleware stack and the view, no HTTP server), timed
    step by step, first releasing the database connection after every request as the server does
    (returning it to the pool), then keeping one connection throughout; finally under cProfile,
    as served."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import close_old_connections, connection
    from django.test import Client as DjangoClient

    client = DjangoClient(HTTP_HOST="127.0.0.1")
    numbers = iter(range(10**6, 2 * 10**6))

    def file(reconnect: bool) -> float:
        started = time.perf_counter()
        for number in [next(numbers) for _ in range(count)]:
            response = client.post(TrackerApi.path, complaint(number), content_type="application/json")
            if response.status_code != 201:
                raise SystemExit(f"In-process submission failed: {response.status_code} {response.content[:2000]!r}")
            if reconnect:
                # What request_finished does in the server: give the connection back to the
                # pool; the test client leaves it out.
                close_old_connections()
        return time.perf_counter() - started

    file(reconnect=True)  # warm-up
    for title, reconnect in (
        ("the connection released after every request, as served", True),
        ("one database connection kept throughout", False),
    ):
        log = StepLog()
        with connection.execute_wrapper(log), connection_steps_timed(log):
            seconds = file(reconnect)
        print(f"\nIn process, {title}: {count} submissions, {1000 * seconds / count:.3f} ms each")
        print(f"  {'step':<44} {'per item':>8} {'ms/item':>8} {'share':>6}")
        accounted = 0.0
        for label, spent in sorted(log.seconds.items(), key=lambda item: -item[1]):
            accounted += spent
            share = spent / seconds
            print(f"  {label:<44} {log.counts[label] / count:8.2f} {1000 * spent / count:8.3f} {share:6.1%}")
        rest = seconds - accounted
        print(f"  {'Python and everything else':<44} {'':>8} {1000 * rest / count:8.3f} {rest / seconds:6.1%}")

    profiler = cProfile.Profile()
    profiler.enable()
    file(reconnect=True)
    profiler.disable()
    site_packages = f"{ROOT}/.venv/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages/"
    for title, sort, pattern, limit in (
        ("project functions by cumulative time", "cumulative", rf"^{re.escape(str(ROOT))}/(?!bench/|\.venv/)", 25),
        ("all functions by own time", "tottime", "", 20),
    ):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(sort)
        if pattern:
            stats.print_stats(pattern, limit)
        else:
            stats.print_stats(limit)
        listing = out.getvalue().replace(site_packages, "").replace(f"{ROOT}/", "")
        print(f"\nUnder cProfile ({count} submissions, as served; cProfile slows Python down), {title}:")
        print(listing[listing.index("   ncalls") :].rstrip())


def profile(server: str) -> None:
    print(
        f"\n=== Profile of the product's side ({4 * PROFILE_SUBMISSIONS} more submissions, not counted above) ===",
        flush=True,
    )
    worker = [sys.executable, __file__, "--profile-worker", str(PROFILE_SUBMISSIONS)]
    # Without the access log's line per request, which would bury the report.
    env = {**tracker_environment(server), "LOG_LEVEL": "WARNING"}
    if subprocess.run(worker, cwd=ROOT, env=env, check=False).returncode != 0:
        raise SystemExit("The profile failed; see above.")


# --- Main -----------------------------------------------------------------------------------


def set_up(server: str) -> tuple[dict[str, str], dict[str, str]]:
    """Both sites ready to serve, on fresh databases; their environments."""
    venv = ensure_helpdesk_venv()
    print(f"django-helpdesk environment {HELPDESK_VENV.relative_to(ROOT)}: {venv}")
    write_helpdesk_site()
    tracker_env, helpdesk_env = tracker_environment(server), helpdesk_environment(server, pool=True)
    started = time.perf_counter()
    for name in (TRACKER_DATABASE, HELPDESK_DATABASE):
        recreate_database(database_url(server, name))
    set_up_tracker(tracker_env)
    set_up_helpdesk(helpdesk_env)
    print(
        f"Databases {TRACKER_DATABASE} and {HELPDESK_DATABASE} created and migrated afresh"
        f" in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return tracker_env, helpdesk_env


def main() -> None:
    args = parse_args()
    if args.profile_worker:
        profile_worker(args.profile_worker)
        return
    stop_servers_on_signals()
    load_before = load_average()
    print(f"Load average before the run: {format_load(load_before)}", flush=True)
    SUBMISSIONS_OUT.mkdir(parents=True, exist_ok=True)
    memory = Memory()
    try:
        tracker_env, helpdesk_env = set_up(args.postgres)
        with ExitStack() as stack:
            # Every server started here is stopped on leaving, whatever happens; each one's peak
            # memory is read just before.
            def serve(
                name: str, python: Path, app: str, cwd: Path, env: dict[str, str], interface: str = "asgi3"
            ) -> Server:
                return stack.enter_context(
                    serving(
                        name,
                        python,
                        app,
                        cwd,
                        env,
                        workers=args.workers,
                        log_dir=SUBMISSIONS_OUT,
                        on_stop=memory.record,
                        interface=interface,
                    )
                )

            ours = TrackerApi(serve("tracker", PYTHON, "tracker.asgi:application", ROOT, tracker_env), args.clients)
            theirs = HelpdeskForm(
                serve("helpdesk", helpdesk_python(), HELPDESK_APP, HELPDESK_SITE, helpdesk_env, HELPDESK_INTERFACE),
                args.clients,
            )
            stack.callback(ours.close)
            stack.callback(theirs.close)
            activity_before = database_activity(args.postgres)
            totals = measure(ours, theirs, warmup=args.warmup, submissions=args.submissions, rounds=args.rounds)
            facts = site_facts(args, load_before)
        activity_after = database_activity(args.postgres)

        rows = check_rows(args.postgres, args.warmup + args.submissions)
        requests = args.warmup + args.submissions
        rows.append(
            f"HTTP connections opened by the client: tracker {ours.connects()}, django-helpdesk {theirs.connects()}"
        )
        rows.extend(activity_rows(activity_before, activity_after, requests))
        report(facts, totals, args, rows, memory)
        print()
        print_facts(machine_facts(args.postgres))
        write_rows(args.json, table_rows(args, totals, memory))
        if args.profile:
            profile(args.postgres)
    finally:
        if not args.keep:
            shutil.rmtree(HELPDESK_VENV, ignore_errors=True)


if __name__ == "__main__":
    main()
