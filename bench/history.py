"""A long case history and the whole log: the staff case page at 500 events, and the rates of
`verify_ledger` and `rebuild_projections` over the million-case data.

One run, one client, on PostgreSQL, in the database `bench/queue_page.py` makes (`--reuse` keeps
a complete one; without it, or when there is none, it is generated first):

1. A complaint with 500 events is made through the commands (filed, assigned, accepted, an
   investigation started, then internal notes), once; a later run finds it by its length (no
   generated case has that many events).
2. A server process (uvicorn, DEBUG off, pooled) serves its staff case page: the latest
   events (the page's default) and the first page of older ones (`?before=`), each fetched
   `--repeat` times over one keep-alive connection; p50, p95, size, SQL queries.
3. `manage.py verify_ledger` and `manage.py rebuild_projections --check` run as processes
   of their own; their wall time over the events they walked gives the rates (their
   progress lines go to stderr as they run).

Prints a detailed report and, with --json OUT, the rows of the `make bench` table.

    .venv/bin/python bench/history.py [--reuse] [--quick] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path
from typing import Any

from queue_data import (
    DATABASE,
    QUICK_DATABASE,
    ROOT,
    SERVER,
    Client,
    load_average,
    percentile,
    prepare_data,
    tracker_environment,
    uvicorn_server,
)

PAGE_TARGET_MS = 50.0
VERIFY_TARGET = 50_000
REBUILD_TARGET = 20_000
HISTORY_EVENTS = 500


def long_case(bench_user_id: int) -> str:
    """The id of the 500-event complaint, made through the commands if it is not there yet."""
    from accounts.actors import Actor
    from accounts.models import User
    from cases import commands
    from cases.models import Case

    found = (
        Case.objects.filter(kind="complaint", version__gte=HISTORY_EVENTS)
        .order_by("created_at")
        .values_list("id", flat=True)
        .first()
    )
    if found is not None:
        return str(found)
    user = User.objects.get(pk=bench_user_id)
    staff = Actor.for_user(user, request_id="bench-history")
    case = commands.complaint_submit(
        organisation=user.organisation,
        actor=Actor.public(request_id="bench-history"),
        category="unlabelled_synthetic",
        description="合成视频没有标识 A synthetic video without a label, followed up many times.",
        content_urls=["https://video.example.com/v/long-history"],
    ).case
    version = case.version
    steps: list[tuple[str, dict[str, Any]]] = [
        ("complaint_assign", {"assignee_id": user.pk}),
        ("complaint_accept", {"note": "Within scope of the labelling rules."}),
        ("complaint_start_investigation", {}),
    ]
    for command, arguments in steps:
        case = getattr(commands, command)(case_id=case.id, actor=staff, expected_version=version, **arguments)
        version = case.version
    while version < HISTORY_EVENTS:
        case = commands.case_note_add(
            case_id=case.id,
            actor=staff,
            expected_version=version,
            note=f"跟进记录 Follow-up {version}: the uploader was asked again to label the video.",
        )
        version = case.version
    return str(case.id)


def run_command(url: str, *arguments: str) -> tuple[float, str]:
    """Run a management command as its own process; its wall time and its standard output."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", *arguments],
        cwd=ROOT,
        env=tracker_environment(url),
        stdout=subprocess.PIPE,
        stderr=None,  # progress lines, as the operator sees them
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(arguments)} failed ({done.returncode}):\n{done.stdout}")
    return seconds, done.stdout.strip()


def row(workload: str, ours: str, target: str | None, met: bool | None) -> dict[str, Any]:
    return {
        "workload": workload,
        "ours": ours,
        "baseline": None,
        "baseline_name": None,
        "ratio": None,
        "target": target,
        "met": met,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="Write the table rows here.")
    parser.add_argument("--quick", action="store_true", help="On 20,000 cases (the quick queue data).")
    parser.add_argument("--reuse", action="store_true", help="Keep a complete generated database.")
    parser.add_argument("--cases", type=int, help="Cases to generate if none are kept (default 1,000,000).")
    parser.add_argument("--repeat", type=int, help="Requests per page (default 30; quick 10).")
    parser.add_argument("--database", help="Bench database name (default queue_bench_million).")
    parser.add_argument("--page-only", action="store_true", help="The case page only: no verify or rebuild.")
    args = parser.parse_args()
    cases = args.cases or (20_000 if args.quick else 1_000_000)
    repeat = args.repeat or (10 if args.quick else 30)
    name = args.database or (QUICK_DATABASE if args.quick else DATABASE)
    url = f"{SERVER}/{name}"
    print(f"bench/history.py: load average before {load_average()}")
    data = prepare_data(url, cases, args.reuse)

    from django.db import connection, reset_queries
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    case_id = long_case(data["bench_user_id"])
    user = User.objects.get(pk=data["bench_user_id"])
    django_client = DjangoClient()
    django_client.force_login(user)
    cookie = f"sessionid={django_client.cookies['sessionid'].value}"
    rows: list[dict[str, Any]] = []
    python = ROOT / ".venv" / "bin" / "python"
    with uvicorn_server("tracker-history", python, "tracker.asgi:application", ROOT, tracker_environment(url)) as port:
        client = Client(port, cookie)
        for label, path in (
            ("latest events", f"/staff/cases/{case_id}/"),
            ("older events (?before=)", f"/staff/cases/{case_id}/?before=451"),
        ):
            status, body, _ms = client.get(path)
            if status != 200:
                raise SystemExit(f"GET {path} answered {status}")
            times = client.timed(path, repeat)
            reset_queries()  # the connection keeps its last 9,000 queries only
            with CaptureQueriesContext(connection) as captured:
                django_client.get(path)
            p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
            queries = len(captured.captured_queries)
            print(
                f"Case page, {HISTORY_EVENTS} events, {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
                f"{len(body) / 1024:.0f} KB, {len(captured.captured_queries)} SQL queries; load {load_average()}"
            )
            rows.append(
                row(
                    f"staff case page, {HISTORY_EVENTS} events, {label}",
                    f"{p95:.1f} ms p95 (p50 {p50:.1f}; {len(body) / 1024:.0f} KB; SQL {queries})",
                    f"p95 < {PAGE_TARGET_MS:.0f} ms",
                    p95 < PAGE_TARGET_MS,
                )
            )

    if args.page_only:
        if args.json:
            args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    from cases.eventstore import Event

    events = Event.objects.count()
    connection.close()
    print(f"\nverify_ledger over {events:,} events, load before {load_average()}")
    seconds, output = run_command(url, "verify_ledger")
    rate = events / seconds
    print(f"  {seconds:.1f} s, {rate:,.0f} events/s; load after {load_average()}\n  {output}")
    rows.append(
        row(
            f"verify_ledger, {events:,} events",
            f"{rate:,.0f} events/s ({seconds:.0f} s)",
            f"≥ {VERIFY_TARGET:,} events/s",
            rate >= VERIFY_TARGET,
        )
    )
    print(f"\nrebuild_projections --check over {events:,} events, load before {load_average()}")
    seconds, output = run_command(url, "rebuild_projections", "--check")
    rate = events / seconds
    print(f"  {seconds:.1f} s, {rate:,.0f} events/s; load after {load_average()}\n  {output}")
    rows.append(
        row(
            f"rebuild_projections --check, {events:,} events",
            f"{rate:,.0f} events/s ({seconds:.0f} s)",
            f"≥ {REBUILD_TARGET:,} events/s",
            rate >= REBUILD_TARGET,
        )
    )
    print(f"\nLoad average after: {load_average()}")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
