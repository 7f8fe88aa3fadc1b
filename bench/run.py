"""Every benchmark workload in one run, and one table: workload, ours, baseline, ratio, target, met.

Each workload is a script in bench/, started as a subprocess with `--json OUT.json` (and
`--quick` for a smoke run); it prints its own report, which is shown as it comes and kept in
bench/out/run/<workload>.log, and writes its table rows to OUT.json. A script that is not there
is reported as not run. The run, with the machine's facts and the table, is appended to
bench/RESULTS.md. Nothing is started but the scripts (each starts and stops its own servers);
PostgreSQL must answer at --postgres, and only databases whose names say bench are dropped.

    .venv/bin/python bench/run.py [--quick] [--only transitions,intake] [--no-record]
    make bench ARGS=--quick
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    BENCH,
    DEFAULT_POSTGRES,
    OUT,
    POSTGRES_VARIABLE,
    PYTHON,
    ROOT,
    format_load,
    load_average,
    machine_facts,
    postgres_answers,
    table_row,
)

RESULTS = BENCH / "RESULTS.md"
RUN_OUT = OUT / "run"


@dataclass(frozen=True)
class Workload:
    name: str
    script: str
    arguments: tuple[str, ...] = ()
    about: str = ""


# Every workload, in the order they run. A script not written yet is reported as not run.
WORKLOADS = (
    Workload("transitions", "transitions.py", ("--contended", "0"), "transitions, 1 client, vs raw INSERT + COMMIT"),
    Workload("contended", "transitions.py", ("--only-contended",), "10 clients transitioning one case"),
    Workload("intake", "submissions.py", ("--workers", "1"), "intake over HTTP vs django-helpdesk, 1 process"),
    Workload("intake-2", "submissions.py", ("--workers", "2"), "intake over HTTP vs django-helpdesk, 2 processes"),
    # The million cases are kept between runs while the code that made them is unchanged.
    Workload("queue", "queue_page.py", ("--reuse",), "staff queue at 1,000,000 cases vs django-helpdesk's ticket list"),
    Workload("history", "history.py", ("--reuse",), "case history page, rebuild and verify speed"),
    Workload("live", "live.py", (), "WebSocket hint latency to 1,000 sockets"),
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: every workload with a small N")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated workloads to run (default all): " + ", ".join(w.name for w in WORKLOADS),
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help=f"PostgreSQL server (default {DEFAULT_POSTGRES})")
    parser.add_argument(
        "--record",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="append the run to bench/RESULTS.md (default)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=RUN_OUT,
        help=f"where each workload's rows and log go (default {RUN_OUT.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds after which a workload is stopped (default 3600)"
    )
    args = parser.parse_args(argv)
    known = {workload.name for workload in WORKLOADS}
    args.selected = [name.strip() for name in args.only.split(",") if name.strip()] or [w.name for w in WORKLOADS]
    unknown = [name for name in args.selected if name not in known]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return args


@dataclass
class Outcome:
    workload: Workload
    rows: list[dict[str, Any]]
    seconds: float = 0.0
    load_before: tuple[float, float, float] | None = None
    note: str = ""


def not_run(workload: Workload, why: str) -> Outcome:
    return Outcome(workload, [table_row(workload.about or workload.name, f"not run: {why}")], note=why)


def run_workload(workload: Workload, args: argparse.Namespace) -> Outcome:
    script = BENCH / workload.script
    if not script.exists():
        return not_run(workload, f"bench/{workload.script} is not there")
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.out.resolve() / f"{workload.name}.json"
    log_path = args.out.resolve() / f"{workload.name}.log"
    json_path.unlink(missing_ok=True)
    command = [str(PYTHON), str(script.relative_to(ROOT)), "--json", shown(json_path)]
    command += [*(["--quick"] if args.quick else []), *workload.arguments]
    load_before = load_average()
    print(f"\n### {workload.name}: {shlex.join(command)}  (load average {format_load(load_before)})", flush=True)
    started = time.perf_counter()
    with log_path.open("w") as log:
        env = {**os.environ, POSTGRES_VARIABLE: args.postgres}
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert process.stdout is not None
        try:
            for line in process.stdout:
                sys.stdout.write(line)
                log.write(line)
                if time.perf_counter() - started > args.timeout:
                    process.terminate()
            code = process.wait(timeout=max(1.0, args.timeout - (time.perf_counter() - started)))
        except subprocess.TimeoutExpired:
            process.terminate()
            code = process.wait(timeout=30)
        except BaseException:
            # Ctrl-C or a signal: the script stops its own servers on SIGTERM.
            process.terminate()
            process.wait(timeout=30)
            raise
    seconds = time.perf_counter() - started
    sys.stdout.flush()
    if code != 0 or not json_path.exists():
        why = f"failed (exit {code}; see {shown(log_path)})"
        return Outcome(workload, [table_row(workload.about, why)], seconds, load_before, why)
    rows = json.loads(json_path.read_text())
    return Outcome(workload, rows, seconds, load_before)


def shown(path: Path) -> str:
    """A path relative to the project when it lies inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# --- The table ------------------------------------------------------------------------------


def cell(value: Any) -> str:
    return "–" if value is None else str(value).replace("|", "\\|")


def met_cell(met: bool | None) -> str:
    return "–" if met is None else ("yes" if met else "**no**")


def table(outcomes: Sequence[Outcome]) -> list[str]:
    lines = ["| Workload | Ours | Baseline | Ratio | Target | Met |", "| --- | --- | --- | --- | --- | --- |"]
    for outcome in outcomes:
        for row in outcome.rows:
            baseline = row.get("baseline")
            if baseline is not None and row.get("baseline_name"):
                baseline = f"{baseline} ({row['baseline_name']})"
            lines.append(
                "| "
                + " | ".join(
                    [
                        cell(row.get("workload")),
                        cell(row.get("ours")),
                        cell(baseline),
                        cell(row.get("ratio")),
                        cell(row.get("target")),
                        met_cell(row.get("met")),
                    ]
                )
                + " |"
            )
    return lines


def section(
    args: argparse.Namespace,
    command: str,
    facts: list[tuple[str, str]],
    outcomes: Sequence[Outcome],
    load_before: tuple[float, float, float],
    started: dt.datetime,
    seconds: float,
) -> list[str]:
    kind = "full N" if args.only else "full run"
    if args.quick:
        kind = "smoke run (`--quick`: small N, not for comparison)"
    if args.only:
        kind += f", only {', '.join(args.selected)}"
    lines = [
        f"## `make bench`, {started:%Y-%m-%d %H:%M} UTC, {kind}",
        "",
        f"Command: `{command}`, {seconds / 60:.1f} min in all.",
        "",
        "| Fact | Value |",
        "| --- | --- |",
        *(f"| {name} | {cell(value)} |" for name, value in facts),
        f"| Load average before the run | {format_load(load_before)} |",
        f"| Load average after the run | {format_load(load_average())} |",
        "",
    ]
    if load_before[0] >= 1.0:
        lines += [
            f"**Taken under load** (1-minute load average {load_before[0]:.2f} before the run, on"
            f" {facts[0][1]} cores): provisional figures; compare ratios, and rerun on a quiet machine.",
            "",
        ]
    lines += table(outcomes)
    ran = [o for o in outcomes if o.load_before is not None]
    if ran:
        lines += [
            "",
            "Load average (1 min) before each workload, and its time: "
            + ", ".join(f"{o.workload.name} {o.load_before[0]:.2f} ({o.seconds:.0f} s)" for o in ran if o.load_before)
            + f". Each workload's own report: `{shown(args.out.resolve())}/<workload>.log`.",
        ]
    return lines


def record(lines: list[str]) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# Results\n"
    RESULTS.write_text(text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started_at = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    load_before = load_average()
    command = shlex.join([".venv/bin/python", "bench/run.py", *(sys.argv[1:] if argv is None else argv)])
    print(f"Load average before the run: {format_load(load_before)}")
    facts = machine_facts(args.postgres)
    down = postgres_answers(args.postgres)
    if down is not None:
        print(f"PostgreSQL does not answer at {args.postgres}: {down}")
    else:
        print(f"PostgreSQL answers at {args.postgres}.")
    outcomes: list[Outcome] = []
    for workload in WORKLOADS:
        if workload.name not in args.selected:
            continue
        if down is not None:
            outcomes.append(not_run(workload, "PostgreSQL does not answer"))
            continue
        outcomes.append(run_workload(workload, args))

    lines = section(args, command, facts, outcomes, load_before, started_at, time.perf_counter() - started)
    print("\n" + "\n".join(lines))
    if args.record:
        record(lines)
        print(f"\nAppended to {shown(RESULTS)}.")
    failed = [o for o in outcomes if o.note.startswith("failed") or "PostgreSQL" in o.note]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
