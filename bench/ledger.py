"""What the global Merkle log costs each append, against the time of a whole transition.

One run, one client, on PostgreSQL, in alternating rounds:

1. complaint transitions through `cases.commands` as they run in production: each append
   numbers its event as the next leaf of the log in the same statement (`ledger.log`);
2. the same transitions with the log switched off: the event row alone is inserted, as before
   the log existed (the append's INSERT through `cases.rows.insert_row`);
3. after the rounds, the tree's nodes are built for every leaf (`ledger.tree.tree_extend`, what
   the clock worker does before it signs) and one checkpoint is signed; both are timed and
   divided by the leaves they covered.

It prints the time of a transition with and without the log, the difference per append, the
build time per leaf, and their sum as a share of the transition time (target: under 10%).
The database named by --database-url is dropped and created afresh, so its name must contain
"bench" or "test". Run from the project root:

    .venv/bin/python bench/ledger.py [--transitions N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))

from transitions import STEPS, Rate, create_staff, run_lifecycles, setup_django, shares, submit_complaints

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ledger_bench"
TARGET_SHARE = 0.10


def recreate_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name and "test" not in name:
        raise SystemExit(f"Refusing to drop database {name!r}: its name must contain 'bench' or 'test'.")
    maintenance_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@contextmanager
def log_switched_off():
    """Appends insert the event row alone, as they did before the log."""
    from django.db import connection

    from cases import eventstore

    def event_only(table, columns, values, event_hash, written_with=()):
        # The same one statement, less the counter and the leaf.
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        sql = [f"WITH appended AS (INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING position)"]
        params = list(values)
        for number, write in enumerate(written_with):
            write_sql, write_params = write.with_position_as("(SELECT position FROM appended)")
            sql.append(f", written_{number} AS ({write_sql})")
            params += write_params
        sql.append(" SELECT position FROM appended")
        with connection.cursor() as cursor:
            cursor.execute("".join(sql), params)
            return cursor.fetchone()[0], None

    original = eventstore.insert_event_as_leaf
    eventstore.insert_event_as_leaf = event_only
    try:
        yield
    finally:
        eventstore.insert_event_as_leaf = original


def timed_lifecycles(staff, complaints: int) -> Rate:
    case_ids = submit_complaints(staff, complaints)
    started = time.perf_counter()
    count = run_lifecycles(staff, case_ids)
    return Rate(count, time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transitions", type=int, default=14_000, help="timed transitions on each path")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    load_before = os.getloadavg()

    recreate_database(args.database_url)
    setup_django(args.database_url)
    from ledger.checkpoints import checkpoint_create
    from ledger.models import Leaf
    from ledger.tree import tree_extend

    staff = create_staff()
    complaints = max(-(-args.transitions // STEPS), args.rounds)

    # Warm-up on both paths: connections, prepared statements, caches. Not counted.
    timed_lifecycles(staff, 50)
    with log_switched_off():
        timed_lifecycles(staff, 50)

    with_log, without_log = Rate(0, 0.0), Rate(0, 0.0)
    per_round = []
    for share in shares(complaints, args.rounds):
        on = timed_lifecycles(staff, share)
        with log_switched_off():
            off = timed_lifecycles(staff, share)
        for total, part in ((with_log, on), (without_log, off)):
            total.count += part.count
            total.seconds += part.seconds
        per_round.append((on.ms_each - off.ms_each) / on.ms_each)

    leaves = Leaf.objects.count()
    started = time.perf_counter()
    built = tree_extend()
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    checkpoint_create()
    sign_seconds = time.perf_counter() - started

    append_ms = with_log.ms_each - without_log.ms_each
    build_ms = build_seconds * 1000 / max(built, 1)
    share = (append_ms + build_ms) / with_log.ms_each
    print("=== The global log's cost per append, against a transition ===")
    print(f"{'Load average before:':<34} {', '.join(f'{x:.2f}' for x in load_before)}  ({os.cpu_count()} CPUs)")
    print(f"{'Database:':<34} {urlsplit(args.database_url).path.lstrip('/')} (created afresh)")
    print(f"{'N:':<34} {with_log.count} transitions with the log, {without_log.count} without, {args.rounds} rounds")
    print(f"{'Transition with the log:':<34} {with_log.ms_each:.3f} ms ({with_log.per_second:.1f} /s)")
    print(f"{'Transition without the log:':<34} {without_log.ms_each:.3f} ms ({without_log.per_second:.1f} /s)")
    print(f"{'Numbering the leaf, per append:':<34} {append_ms:+.3f} ms")
    spread = ", ".join(f"{r:+.1%}" for r in per_round)
    print(f"{'  share per round:':<34} {spread}")
    built_text = f"({built} leaves, {leaves} numbered, in {build_seconds:.2f} s)"
    print(f"{'Building the tree, per leaf:':<34} {build_ms:.3f} ms {built_text}")
    print(f"{'Signing one checkpoint:':<34} {sign_seconds * 1000:.1f} ms")
    verdict = "met" if share < TARGET_SHARE else "NOT met"
    print(f"{'Log cost per append / transition:':<34} {share:.1%}  (target < {TARGET_SHARE:.0%}: {verdict})")


if __name__ == "__main__":
    main()
