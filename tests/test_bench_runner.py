"""`make bench`'s runner: one table from the workload scripts, a missing script reported as not
run, and a smoke run of the contended workload end to end on PostgreSQL."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run  # noqa: E402 - the runner is a script in bench/, not an installed package
from bench.common import database_url, drop_database  # noqa: E402


def test_a_missing_workload_script_is_reported_as_not_run_in_the_table(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(run, "WORKLOADS", (run.Workload("absent", "no_such_script.py", (), "an absent workload"),))
    monkeypatch.setattr(run, "RESULTS", tmp_path / "RESULTS.md")
    monkeypatch.setattr(run, "postgres_answers", lambda server: None)

    code = run.main(["--only", "absent"])

    printed = capsys.readouterr().out
    assert code == 0
    assert "| an absent workload | not run: bench/no_such_script.py is not there | – | – | – | – |" in printed
    recorded = (tmp_path / "RESULTS.md").read_text()
    assert recorded.startswith("# Results\n\n## `make bench`, ")
    assert "| Workload | Ours | Baseline | Ratio | Target | Met |" in recorded
    assert "| CPU count | " in recorded
    assert "Command: `.venv/bin/python bench/run.py --only absent`" in recorded


def test_rows_a_script_wrote_make_the_table_with_the_baseline_named():
    outcome = run.Outcome(
        run.Workload("x", "x.py"),
        [
            {
                "workload": "intake",
                "ours": "120/s",
                "baseline": "60/s",
                "baseline_name": "django-helpdesk",
                "ratio": "2.00×",
                "target": "≥ 3×",
                "met": False,
            },
            {"workload": "memory", "ours": "110 MB", "baseline": None, "target": "< 250 MB", "met": True},
        ],
    )

    lines = run.table([outcome])

    assert lines[2] == "| intake | 120/s | 60/s (django-helpdesk) | 2.00× | ≥ 3× | **no** |"
    assert lines[3] == "| memory | 110 MB | – | – | < 250 MB | yes |"


def test_an_unknown_workload_is_refused(capsys):
    with pytest.raises(SystemExit):
        run.parse_args(["--only", "nonsense"])
    assert "unknown workload(s) nonsense" in capsys.readouterr().err


@pytest.mark.postgres
def test_the_contended_smoke_run_answers_every_loser_with_a_conflict(tmp_path):
    settings = connection.settings_dict
    server = f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    # A prefix of this test database's own name keeps the bench database apart from other runs.
    env = {**os.environ, "BENCH_DATABASE_PREFIX": f"{settings['NAME']}_"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)

    try:
        done = subprocess.run(
            [
                sys.executable,
                "bench/run.py",
                "--quick",
                "--only",
                "contended",
                "--no-record",
                "--postgres",
                server,
                "--out",
                str(tmp_path),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

        assert done.returncode == 0, done.stdout + done.stderr
        assert "ok: hash chain verifies up to the case row" in done.stdout
        rows = json.loads((tmp_path / "contended.json").read_text())
        assert [row["workload"] for row in rows] == ["transitions, 10 clients on one case"]
        assert rows[0]["met"] is True
        assert "| transitions, 10 clients on one case | " in done.stdout
    finally:
        drop_database(database_url(server, f"{settings['NAME']}_tracker_bench"))
