"""What a transition's SQL costs with no Python at all: the ceiling of the transitions ratio.

`transitions.py` compares a transition through the command layer with a raw hash-chained
INSERT + COMMIT. This script asks how close any client could come, by sending a transition's
statements from pgbench (prepared statements, one client, no Python), in three shapes, on the
same tables and indexes, and the raw row the same way:

- `three writes`: what the command layer sent before the writes were folded together: BEGIN,
  the case's SELECT, the ledger statement (leaf counter, event, leaf), the case's UPDATE, the
  outbox INSERT, COMMIT;
- `one write (today)`: what it sends now (`ledger.log`): BEGIN, the SELECT, then the three
  writes as one statement, COMMIT;
- `one write, autocommit`: the SELECT, then that one statement as its own transaction;
- `raw`: BEGIN, one INSERT into the event table, COMMIT (the transitions baseline's shape).

The case UPDATE moves the state and the due date every time, so each one rewrites the queue's
index entries as a real transition does. Its database is `tracker_bench_floor`, created afresh
(the name must contain "bench"); pgbench must be on PATH (Debian's postgresql-client).

    .venv/bin/python bench/transition_floor.py [--seconds 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import DEFAULT_POSTGRES, bench_database, database_url, format_load, load_average, recreate_database
from bench.transitions import create_staff, setup_django, submit_complaints

CASES = 800

_CASE = "(SELECT id FROM bench_case_ids WHERE n = :n)"
_EVENT = (
    "INSERT INTO cases_event (stream_id, stream_version, type, schema_version, data, metadata, occurred_at, "
    "previous_hash, hash) SELECT gen_random_uuid(), 1, 'complaint.closed', 1, "
    '\'{"to_state": "closed", "from_state": "resolved"}\', '
    '\'{"actor": {"role": "agent", "user_id": 1}, "request_id": "bench", "organisation_id": 1}\', now(), '
    "md5(random()::text) || md5(random()::text), md5(random()::text) || md5(random()::text)"
)
_RESERVE = (
    "reserved AS (INSERT INTO ledger_leafcounter (id, size) SELECT 1, COALESCE(MAX(index), -1) + 2 FROM ledger_leaf "
    "ON CONFLICT (id) DO UPDATE SET size = ledger_leafcounter.size + 1 RETURNING size - 1 AS leaf_index)"
)
_APPEND = f"appended AS ({_EVENT} FROM reserved RETURNING position, hash)"
_LEAF = (
    "INSERT INTO ledger_leaf (index, position, event_hash) "
    "SELECT reserved.leaf_index, appended.position, appended.hash FROM reserved, appended"
)
_UPDATE = (
    "UPDATE cases_case SET state = CASE WHEN state = 'investigating' THEN 'triaged' ELSE 'investigating' END, "
    "version = version + 1, last_event_hash = md5(random()::text) || md5(random()::text), updated_at = now(), "
    f"due_at = now() + random() * interval '10 days' WHERE id = {_CASE}"
)
_PAYLOAD = '\'{"case_id": "c", "organisation_id": 1, "reference": "C-TFH8-4SBW", "state": "triaged", "version": 2}\''
_OUTBOX_COLUMNS = (
    "event_position, stream_id, channel, payload, created_at, available_at, attempts, last_error, recipient"
)
_SELECT = f"SELECT * FROM cases_case WHERE id = {_CASE} AND organisation_id = :organisation AND kind = 'complaint';"
_ONE_WRITE = (
    f"WITH {_RESERVE}, {_APPEND}, leaf AS ({_LEAF} RETURNING position), "
    f"projected AS ({_UPDATE} RETURNING id) "
    f"INSERT INTO notifications_outboxmessage ({_OUTBOX_COLUMNS}) "
    f"SELECT leaf.position, projected.id, 'live', {_PAYLOAD}, now(), now(), 0, '', '' FROM leaf, projected;"
)
_PICK = f"\\set n random(1, {CASES})\n"
SHAPES = {
    "three writes": _PICK
    + "BEGIN;\n"
    + _SELECT
    + "\n"
    + f"WITH {_RESERVE}, {_APPEND} {_LEAF} RETURNING position AS appended_position \\gset\n"
    + f"{_UPDATE};\n"
    + f"INSERT INTO notifications_outboxmessage ({_OUTBOX_COLUMNS}) "
    + f"VALUES (:appended_position, gen_random_uuid(), 'live', {_PAYLOAD}, now(), now(), 0, '', '');\n"
    + "COMMIT;\n",
    "one write (today)": _PICK + "BEGIN;\n" + _SELECT + "\n" + _ONE_WRITE + "\nCOMMIT;\n",
    "one write, autocommit": _PICK + _SELECT + "\n" + _ONE_WRITE + "\n",
    "raw": "BEGIN;\n" + _EVENT.replace(" SELECT ", " VALUES (", 1) + ");\nCOMMIT;\n",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8, help="pgbench run per shape and round (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    return parser.parse_args()


def prepare(url: str) -> int:
    """Migrate, file CASES complaints through the command layer; the organisation's id."""
    setup_django(url)
    from django.db import connection

    staff = create_staff()
    submit_complaints(staff, CASES)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_case_ids AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM cases_case; "
            "CREATE UNIQUE INDEX ON bench_case_ids (n); ANALYZE"
        )
    return staff.organisation.pk


def latency_ms(url: str, script: Path, seconds: int, organisation: int) -> float:
    options = ["-n", "-c1", "-M", "prepared", "-T", str(seconds), "-D", f"organisation={organisation}"]
    result = subprocess.run(
        ["pgbench", *options, "-f", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"latency average = ([0-9.]+) ms", result.stdout)
    if found is None:
        raise SystemExit(f"pgbench said nothing of latency:\n{result.stdout}\n{result.stderr}")
    return float(found.group(1))


def main() -> None:
    args = parse_args()
    if shutil.which("pgbench") is None:
        raise SystemExit("pgbench is not on PATH (Debian: apt-get install postgresql-client)")
    url = database_url(args.postgres, bench_database("tracker_bench_floor"))
    recreate_database(url)
    organisation = prepare(url)
    print(f"Load average before the rounds: {format_load(load_average())}")
    print(f"{CASES} complaints; pgbench, 1 client, prepared statements, {args.seconds} s per shape and round")
    measured: dict[str, list[float]] = {shape: [] for shape in SHAPES}
    with tempfile.TemporaryDirectory() as folder:
        scripts = {}
        for number, (shape, text) in enumerate(SHAPES.items()):
            scripts[shape] = Path(folder) / f"shape{number}.sql"
            scripts[shape].write_text(text)
        for _round in range(args.rounds):
            for shape, script in scripts.items():
                measured[shape].append(latency_ms(url, script, args.seconds, organisation))
    raw = statistics.median(measured["raw"])
    print(f"\n{'shape':<24} {'ms each (median)':>16} {'raw / shape':>12}   rounds")
    for shape, values in measured.items():
        median = statistics.median(values)
        rounds = ", ".join(f"{value:.3f}" for value in values)
        print(f"{shape:<24} {median:16.3f} {raw / median:12.2f}   {rounds}")
    print(
        "\n'raw / shape' is the most the transitions ratio could be with that shape if the client took no time at "
        "all; the command layer's own Python comes on top."
    )


if __name__ == "__main__":
    main()
