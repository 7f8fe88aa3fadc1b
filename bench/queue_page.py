"""The staff queue at a million cases: every filter, first page and a deep page, over HTTP.

One run, one client, on PostgreSQL:

1. Data: a million cases (`--cases`) in `queue_bench_million`, made by `bench/queue_data.py`
   (copies of cases made through the real commands, hashed through the event store's own
   encoding, numbered as leaves of the global log). With `--reuse` (as `make bench` runs it) a
   complete database from an earlier run is kept while the code that made it is unchanged
   (its marker row says both) and only the measuring runs.
2. A server process: `uvicorn tracker.asgi:application`, DEBUG off, the connection pool on.
3. For every filter combination the queue page offers (kind, state, mine/unassigned, deadline)
   and every one the staff API's list offers (kind, state, assigned), the first page and a
   deep page (a cursor at the middle row of the filtered cases) are fetched `--repeat` times
   over one keep-alive connection; p50 and p95 in ms. The SQL queries of each page are
   counted in this process through Django's test client (`CaptureQueriesContext`) on the
   same database.
4. The admin's case list (first page), the same way.
5. Baseline (`--baseline`, default on): django-helpdesk's staff ticket list at 100,000 tickets
   in `queue_bench_helpdesk`, served the same way (uvicorn, pooled, DEBUG off).

Prints a detailed report and, with --json OUT, the rows of the `make bench` table.

    .venv/bin/python bench/queue_page.py [--reuse] [--quick] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from queue_data import (
    DATABASE,
    QUICK_DATABASE,
    ROOT,
    SERVER,
    Client,
    load_average,
    percentile,
    prepare_data,
    recreate_database,
    tracker_environment,
    uvicorn_server,
)

TARGET_MS = 50.0


@dataclass
class Measured:
    endpoint: str  # "page" or "api" or "admin"
    page: str  # "first" or "deep"
    query: dict[str, str]
    times: list[float]
    queries: int
    size: int  # bytes of the answer

    @property
    def p50(self) -> float:
        return percentile(self.times, 0.5)

    @property
    def p95(self) -> float:
        return percentile(self.times, 0.95)

    def label(self) -> str:
        return urlencode(self.query) or "(no filter)"


# --- The filter combinations ----------------------------------------------------------------


# The combinations the issue measured: always among those measured, whatever the sample.
NAMED_PAGE = [
    {},
    {"kind": "appeal", "mine": "on"},
    {"state": "complaint:rejected", "mine": "on"},
    {"kind": "appeal"},
    {"mine": "on"},
]
NAMED_API = [{}, {"kind": "appeal", "assigned": "me"}, {"assigned": "me"}, {"kind": "appeal"}]


def sampled(found: list[dict[str, str]], every: int, named: list[dict[str, str]]) -> list[dict[str, str]]:
    if every <= 1:
        return found
    chosen = found[::every]
    return chosen + [combo for combo in named if combo not in chosen]


def page_combinations(quick: bool) -> list[dict[str, str]]:
    """Every combination the queue page's form accepts."""
    from cases.kinds import declarations

    kinds = declarations()
    kind_state: list[dict[str, str]] = [{}]
    for d in kinds:
        kind_state.append({"kind": d.kind})
        kind_state += [{"kind": d.kind, "state": f"{d.kind}:{s}"} for s in d.states]
        # A state may be chosen with "all kinds" too.
        kind_state += [{"state": f"{d.kind}:{s}"} for s in d.states]
    found = []
    for base in kind_state:
        for assigned in ({}, {"mine": "on"}, {"unassigned": "on"}):
            for due in ({}, {"due": "at_risk"}, {"due": "overdue"}):
                found.append({**base, **assigned, **due})
    return sampled(found, 13, NAMED_PAGE) if quick else found


def api_combinations(quick: bool) -> list[dict[str, str]]:
    from cases.kinds import declarations

    kinds = declarations()
    kind_state: list[dict[str, str]] = [{}]
    for d in kinds:
        kind_state.append({"kind": d.kind})
        kind_state += [{"kind": d.kind, "state": s} for s in d.states]
    kind_state += [{"state": s} for s in sorted({s for d in kinds for s in d.states})]
    found = [
        {**base, **assigned} for base in kind_state for assigned in ({}, {"assigned": "me"}, {"assigned": "unassigned"})
    ]
    return sampled(found, 11, NAMED_API) if quick else found


def deep_cursor() -> str:
    """A cursor deep in every queue: among the cases without a running deadline (most of them,
    the finished ones), at those filed 200 days ago. A cursor is only a place in the queue's
    order, so no row need be read to make it; the page after it is read from the index there."""
    import datetime as dt
    import uuid

    from django.utils import timezone

    from cases.staff_queries import AFTER, QueuePosition

    position = QueuePosition(due_at=None, created_at=timezone.now() - dt.timedelta(days=200), case_id=uuid.UUID(int=0))
    return position.encode(AFTER)


def count_queries(django_client: Any, path: str) -> tuple[int, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    # The connection keeps its last 9,000 queries; once full, a capture would count none.
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        response = django_client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code} in process")
    # Session and user look-ups are part of every page's cost, so they are counted too.
    return len(captured.captured_queries), len(response.content)


def measure_combinations(
    client: Client, django_client: Any, combos: list[dict[str, str]], *, api: bool, repeat: int
) -> list[Measured]:
    base = "/api/v1/staff/cases/" if api else "/staff/"
    results = []
    cursor = deep_cursor()
    for number, query in enumerate(combos, start=1):
        pages = [("first", dict(query)), ("deep", {**query, "cursor": cursor})]
        for page, params in pages:
            path = base + ("?" + urlencode(params) if params else "")
            client.get(path)  # warm
            times = client.timed(path, repeat)
            queries, size = count_queries(django_client, path)
            results.append(Measured("api" if api else "page", page, query, times, queries, size))
        if number % 25 == 0:
            print(f"  {number}/{len(combos)} combinations, load {load_average()}", file=sys.stderr, flush=True)
    return results


def report(results: list[Measured], title: str) -> None:
    print(f"\n{title}: {len(results)} pages, sorted by p95 (slowest 15 shown)")
    print(f"  {'p50 ms':>8} {'p95 ms':>8} {'SQL':>4} {'KB':>5}  page   filters")
    for m in sorted(results, key=lambda m: -m.p95)[:15]:
        print(f"  {m.p50:8.1f} {m.p95:8.1f} {m.queries:4d} {m.size / 1024:5.0f}  {m.page:<5}  {m.label()}")
    for page in ("first", "deep"):
        chosen = [m for m in results if m.page == page]
        if chosen:
            every = [t for m in chosen for t in m.times]
            print(
                f"  {page} pages: all requests p50 {percentile(every, 0.5):.1f} ms,"
                f" p95 {percentile(every, 0.95):.1f} ms;"
                f" worst combination p95 {max(m.p95 for m in chosen):.1f} ms;"
                f" SQL queries {min(m.queries for m in chosen)}-{max(m.queries for m in chosen)}"
            )


def rows_for(
    results: list[Measured], what: str, cases: str, baseline: tuple[str, float] | None
) -> list[dict[str, Any]]:
    rows = []
    for page in ("first", "deep"):
        chosen = [m for m in results if m.page == page]
        if not chosen:
            continue
        worst = max(chosen, key=lambda m: m.p95)
        queries = f"{min(m.queries for m in chosen)}-{max(m.queries for m in chosen)}"
        every = [t for m in chosen for t in m.times]
        ours = percentile(every, 0.95)
        row: dict[str, Any] = {
            "workload": f"queue, {page} page, {what}, {cases} cases, {len(chosen)} filter combinations (p95 of all)",
            "ours": f"{ours:.1f} ms p95 (p50 {percentile(every, 0.5):.1f}; SQL {queries})",
            "baseline": None,
            "baseline_name": None,
            "ratio": None,
            "target": f"p95 < {TARGET_MS:.0f} ms",
            "met": ours < TARGET_MS,
        }
        if baseline and page == "first":
            row.update(
                baseline=f"{baseline[1]:.1f} ms p95", baseline_name=baseline[0], ratio=f"{ours / baseline[1]:.2f}×"
            )
        rows.append(row)
        rows.append(
            {
                "workload": f"queue, {page} page, {what}, {cases} cases, slowest combination ({worst.label()})",
                "ours": f"{worst.p95:.1f} ms p95 (p50 {worst.p50:.1f}; SQL {worst.queries})",
                "baseline": None,
                "baseline_name": None,
                "ratio": None,
                "target": f"p95 < {TARGET_MS:.0f} ms",
                "met": worst.p95 < TARGET_MS,
            }
        )
    return rows


# --- The baseline ---------------------------------------------------------------------------

HELPDESK_DATABASE = "queue_bench_helpdesk"
HELPDESK_TICKETS = 100_000


def helpdesk_baseline(tickets: int, repeat: int, reuse: bool) -> tuple[str, float, float] | None:
    """p50 and p95 of django-helpdesk's staff ticket list (the page and the data it loads)."""
    import psycopg
    import submissions

    submissions.ensure_helpdesk_venv()
    submissions.write_helpdesk_site()
    env = submissions.helpdesk_environment(SERVER, pool=True)
    env["HELPDESK_DB_NAME"] = HELPDESK_DATABASE
    url = f"{SERVER}/{HELPDESK_DATABASE}"
    python = submissions.helpdesk_python()
    site = submissions.HELPDESK_SITE
    complete = False
    if reuse:
        try:
            with psycopg.connect(url) as raw:
                complete = raw.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()[0] >= tickets
        except psycopg.Error:
            complete = False
    if not complete:
        recreate_database(url)
        submissions.set_up_helpdesk(env)
        started = time.perf_counter()
        fill = (
            "import random, datetime as dt\n"
            "from django.utils import timezone\n"
            "from django.contrib.auth import get_user_model\n"
            "from helpdesk.models import Queue, Ticket\n"
            "User = get_user_model()\n"
            "q = Queue.objects.get(slug='public')\n"
            "staff = [User.objects.create_user(f'staff{i}', password='bench-pass', is_staff=True) for i in range(25)]\n"
            "rnd = random.Random(1)\n"
            "now = timezone.now()\n"
            f"total = {tickets}\n"
            "for start in range(0, total, 5000):\n"
            "    batch = []\n"
            "    for n in range(start, min(total, start + 5000)):\n"
            "        created = now - dt.timedelta(days=rnd.uniform(0, 400))\n"
            "        batch.append(Ticket(title=f'Synthetic video without a label {n}', queue=q, created=created,\n"
            "            modified=created, submitter_email=f'filer{n}@example.com', description='Synthetic video.',\n"
            "            status=rnd.choices([1, 2, 3, 4], weights=[10, 5, 5, 80])[0], priority=rnd.randint(1, 5),\n"
            "            assigned_to=rnd.choice(staff) if rnd.random() < 0.7 else None,\n"
            "            due_date=created + dt.timedelta(days=7)))\n"
            "    Ticket.objects.bulk_create(batch)\n"
        )
        submissions.run_checked([python, "manage.py", "shell", "-c", fill], cwd=site, env=env)
        print(f"  django-helpdesk: {tickets:,} tickets written in {time.perf_counter() - started:.0f} s")
    else:
        print(f"  django-helpdesk: reusing {HELPDESK_DATABASE} ({tickets:,} tickets or more)")
    cookie_script = (
        "from django.contrib.auth import get_user_model\n"
        "from django.test import Client\n"
        "c = Client()\n"
        "c.force_login(get_user_model().objects.get(username='staff0'))\n"
        "print(c.cookies['sessionid'].value)\n"
    )
    # The shell may say first what it imported; the key is the last line.
    output = submissions.run_checked([python, "manage.py", "shell", "-c", cookie_script], cwd=site, env=env)
    session = output.strip().splitlines()[-1]
    app, interface = submissions.HELPDESK_APP, submissions.HELPDESK_INTERFACE
    with uvicorn_server("helpdesk", python, app, site, env, interface) as port:
        client = Client(port, f"sessionid={session}")
        # The list page is a shell; the tickets come from the JSON its table asks for.
        page = "/helpdesk/tickets/"
        status, body, _ms = client.get(page)
        if status != 200:
            print(f"  django-helpdesk ticket list answered {status}; no baseline")
            return None
        # The address of the table's data carries the list's query, encoded, in the page.
        found = re.search(rb'"url": "([^"]*datatables_ticket_list/[^"]*)"', body)
        if found is None:
            print("  django-helpdesk ticket list names no data address; no baseline")
            return None
        order = {"draw": 1, "start": 0, "length": 25, "order[0][column]": 0, "order[0][dir]": "asc"}
        data = found.group(1).decode() + "?" + urlencode(order)
        client.get(data)
        times = []
        for _ in range(repeat):
            _s, _b, first = client.get(page)
            status, body, second = client.get(data)
            if status != 200:
                print(f"  django-helpdesk ticket data answered {status}: {body[:200]!r}; no baseline")
                return None
            times.append(first + second)
    return (
        "django-helpdesk staff ticket list (page + its data), 100k tickets",
        percentile(times, 0.5),
        percentile(times, 0.95),
    )


# --- Main -----------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="Write the table rows here.")
    parser.add_argument("--quick", action="store_true", help="20,000 cases, a sample of the combinations.")
    parser.add_argument("--reuse", action="store_true", help="Keep a complete generated database.")
    parser.add_argument("--cases", type=int, help="Cases to generate (default 1,000,000; quick 20,000).")
    parser.add_argument("--repeat", type=int, help="Requests per page (default 9; quick 3).")
    parser.add_argument("--no-baseline", action="store_true", help="Skip django-helpdesk.")
    parser.add_argument("--database", help="Bench database name (default queue_bench_million).")
    parser.add_argument(
        "--sample", type=int, default=1, help="Measure every Nth filter combination (and those the issue named)."
    )
    parser.add_argument("--generate-only", action="store_true", help="Make (or keep) the data; measure nothing.")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cases = args.cases or (20_000 if args.quick else 1_000_000)
    repeat = args.repeat or (3 if args.quick else 9)
    name = args.database or (QUICK_DATABASE if args.quick else DATABASE)
    url = f"{SERVER}/{name}"
    print(f"bench/queue_page.py: {cases:,} cases, {repeat} requests per page; load average before {load_average()}")
    data = prepare_data(url, cases, args.reuse)
    if args.generate_only:
        return

    from django.test import Client as DjangoClient

    from accounts.models import User

    user = User.objects.get(pk=data["bench_user_id"])
    django_client = DjangoClient()
    django_client.force_login(user)
    cookie = f"sessionid={django_client.cookies['sessionid'].value}"

    results: list[Measured] = []
    api_results: list[Measured] = []
    admin: list[Measured] = []
    with uvicorn_server(
        "tracker", ROOT / ".venv" / "bin" / "python", "tracker.asgi:application", ROOT, tracker_environment(url)
    ) as port:
        client = Client(port, cookie)
        print(f"Queue page, load {load_average()}")
        results = measure_combinations(
            client,
            django_client,
            sampled(page_combinations(args.quick), args.sample, NAMED_PAGE),
            api=False,
            repeat=repeat,
        )
        report(results, f"Staff queue page (/staff/), load {load_average()}")
        print(f"Staff API list, load {load_average()}")
        api_results = measure_combinations(
            client,
            django_client,
            sampled(api_combinations(args.quick), args.sample, NAMED_API),
            api=True,
            repeat=repeat,
        )
        report(api_results, f"Staff API list (/api/v1/staff/cases/), load {load_average()}")
        admin_user = User.objects.filter(is_superuser=True).first()
        if admin_user is not None:
            admin_client = DjangoClient()
            admin_client.force_login(admin_user)
            client_admin = Client(port, f"sessionid={admin_client.cookies['sessionid'].value}")
            for path in (
                "/admin/cases/case/",
                "/admin/cases/case/?state=awaiting_complainant",
                "/admin/cases/case/?p=10",
            ):
                client_admin.get(path)
                times = client_admin.timed(path, repeat)
                queries, size = count_queries(admin_client, path)
                admin.append(Measured("admin", "first", {"path": path}, times, queries, size))
                print(
                    f"Admin {path}: p50 {admin[-1].p50:.1f} ms, p95 {admin[-1].p95:.1f} ms, {queries} queries,"
                    f" load {load_average()}"
                )

    baseline = None
    if not args.no_baseline:
        print(f"\nBaseline, load {load_average()}")
        found = helpdesk_baseline(20_000 if args.quick else HELPDESK_TICKETS, repeat * 3, args.reuse)
        if found:
            baseline = (found[0], found[2])
            print(f"  {found[0]}: p50 {found[1]:.1f} ms, p95 {found[2]:.1f} ms, load {load_average()}")

    label = f"{data['cases']:,}"
    rows = rows_for(results, "staff page", label, baseline) + rows_for(api_results, "staff API", label, baseline)
    for m in admin:
        rows.append(
            {
                "workload": f"admin case list {m.query['path']}, {label} cases",
                "ours": f"{m.p95:.1f} ms p95 (p50 {m.p50:.1f}; SQL {m.queries})",
                "baseline": None,
                "baseline_name": None,
                "ratio": None,
                "target": f"p95 < {TARGET_MS:.0f} ms",
                "met": m.p95 < TARGET_MS,
            }
        )
    rows.append(
        {
            "workload": f"queue data generation, {label} cases, {data['events']:,} events",
            "ours": f"{data['seconds']:.0f} s",
            "baseline": None,
            "baseline_name": None,
            "ratio": None,
            "target": None,
            "met": None,
        }
    )
    print(f"\nLoad average after: {load_average()}")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
