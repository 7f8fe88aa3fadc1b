"""What the benchmark scripts share: machine facts, bench databases, timing, servers, memory.

Every workload script in bench/ imports from here (scripts run as `python bench/<name>.py`,
so each puts the project root on sys.path first). `bench/run.py` starts the scripts and reads
the rows they write with `write_rows`.
"""

from __future__ import annotations

import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
PYTHON = ROOT / ".venv" / "bin" / "python"
# The PostgreSQL server every script uses unless told otherwise; `bench/run.py --postgres`
# hands its choice to the scripts through BENCH_POSTGRES.
POSTGRES_VARIABLE = "BENCH_POSTGRES"
DEFAULT_POSTGRES = os.environ.get(POSTGRES_VARIABLE) or "postgres://postgres@127.0.0.1:5432"
# Prepended to every bench database name a script makes (`bench_database`), so that runs side
# by side on one PostgreSQL server keep apart; empty by default.
DATABASE_PREFIX_VARIABLE = "BENCH_DATABASE_PREFIX"

T = TypeVar("T")


# --- Databases ------------------------------------------------------------------------------


def bench_database(name: str) -> str:
    """The name a script's database `name` gets in this run (with BENCH_DATABASE_PREFIX)."""
    return os.environ.get(DATABASE_PREFIX_VARIABLE, "") + name


def database_url(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def server_url(url: str) -> str:
    """The server part of a database URL (its `postgres` maintenance database)."""
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def refuse_unless_bench(name: str) -> None:
    # Bench databases are dropped without asking: never let a typo point this at real data.
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop database {name!r}: its name must contain 'bench'.")


def recreate_database(url: str) -> None:
    """Drop and create the bench database `url` names, connected to the server's `postgres`."""
    name = database_name(url)
    refuse_unless_bench(name)
    with psycopg.connect(server_url(url), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    name = database_name(url)
    refuse_unless_bench(name)
    with psycopg.connect(server_url(url), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def postgres_answers(server: str, timeout: float = 3) -> str | None:
    """None when PostgreSQL answers at `server`, else why not."""
    try:
        with psycopg.connect(server_url(server), connect_timeout=int(timeout)) as connection:
            connection.execute("SELECT 1").fetchone()
    except psycopg.Error as exc:
        return str(exc).strip() or type(exc).__name__
    return None


def count_rows(url: str, tables: Sequence[str]) -> dict[str, int]:
    counts = {}
    with psycopg.connect(url) as connection:
        for table in tables:
            row = connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
            counts[table] = int(row[0]) if row else -1
    return counts


def postgres_settings(connection: psycopg.Connection[Any], *names: str) -> dict[str, str]:
    values = {}
    for name in names:
        row = connection.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
        values[name] = str(row[0]) if row else "?"
    return values


def round_trip_ms(connection: psycopg.Connection[Any], *, commit: bool = False, samples: int = 300) -> float:
    """Median milliseconds of `SELECT 1`, alone or followed by a COMMIT (which, having written
    nothing, flushes nothing and costs one more round trip only)."""
    durations = []
    for _ in range(samples):
        started = time.perf_counter()
        connection.execute("SELECT 1").fetchone()
        if commit:
            connection.commit()
        durations.append(time.perf_counter() - started)
    if not connection.autocommit:
        connection.commit()
    return 1000 * statistics.median(durations)


# --- Machine facts --------------------------------------------------------------------------


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def format_load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in load) + " (1/5/15 min)"


def memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def git_revision() -> str:
    def git(*arguments: str) -> str:
        done = subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no")
    return commit + (" with uncommitted changes" if changed else "")


def versions(python: Path, *distributions: str) -> dict[str, str]:
    """Python's and the named distributions' versions in the environment of `python`."""
    code = (
        "import importlib.metadata as m, platform, sys\n"
        "def v(n):\n"
        "    try:\n        return m.version(n)\n"
        "    except m.PackageNotFoundError:\n        return '-'\n"
        "print(platform.python_version(), *(v(n) for n in sys.argv[1:]))"
    )
    done = subprocess.run([python, "-c", code, *distributions], capture_output=True, text=True, check=True)
    found = done.stdout.split()
    return dict(zip(("python", *distributions), found, strict=True))


def postgres_version(server: str) -> str:
    with psycopg.connect(server_url(server), autocommit=True) as connection:
        found = postgres_settings(connection, "server_version", "fsync", "synchronous_commit")
    return f"{found['server_version']} (fsync {found['fsync']}, synchronous_commit {found['synchronous_commit']})"


def machine_facts(server: str | None = None) -> list[tuple[str, str]]:
    """Cores, memory, platform, load average now, versions and the project's revision."""
    facts = [
        ("CPU count", str(os.cpu_count())),
        ("Memory", memory_total()),
        ("Platform", platform.platform()),
        ("Load average", format_load(load_average())),
    ]
    found = versions(PYTHON, "django", "psycopg", "uvicorn")
    facts += [
        ("Python", found["python"]),
        ("Django / psycopg / uvicorn", f"{found['django']} / {found['psycopg']} / {found['uvicorn']}"),
    ]
    if server is not None:
        try:
            facts.append(("PostgreSQL", postgres_version(server)))
        except psycopg.Error as exc:
            facts.append(("PostgreSQL", f"not answering ({exc})"))
    facts.append(("Revision", git_revision()))
    return facts


def print_facts(facts: Sequence[tuple[str, str]], width: int = 30) -> None:
    for name, value in facts:
        print(f"{name + ':':<{width}} {value}")


# --- Timing ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value at `fraction` (0..1) of the sorted values, nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Rate:
    """`count` items in `seconds`, with each item's latency when they were timed one by one."""

    count: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def ms_each(self) -> float:
        return 1000 * self.seconds / self.count if self.count else float("nan")

    def percentile_ms(self, fraction: float) -> float:
        return 1000 * percentile(self.latencies, fraction)

    def add(self, other: Rate) -> None:
        self.count += other.count
        self.seconds += other.seconds
        self.latencies.extend(other.latencies)


def timed(action: Callable[..., T], *args: Any) -> tuple[T, float]:
    """The action's result and the seconds it took."""
    started = time.perf_counter()
    result = action(*args)
    return result, time.perf_counter() - started


def shares(total: int, parts: int) -> list[int]:
    """`total` split into `parts` near-equal whole numbers."""
    return [total // parts + (1 if part < total % parts else 0) for part in range(parts)]


# --- SQL statement breakdowns (profiles) ----------------------------------------------------

_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


def query_label(statement: str) -> str:
    """'SELECT cases_case FOR UPDATE', 'INSERT cases_event', 'WITH … cases_event'…"""
    verb = statement.lstrip().split(None, 1)[0].upper()
    table = _TABLE.search(statement)
    label = f"{verb} {table.group(1) if table else ''}".strip()
    if verb == "SELECT" and re.match(r'\s*SELECT 1 AS "a"', statement):
        label += " (exists)"
    return label + (" FOR UPDATE" if "FOR UPDATE" in statement else "")


@dataclass
class StepLog:
    """Seconds and counts per step; as a Django execute wrapper, per SQL statement."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, label: str, started: float) -> None:
        self.seconds[label] += time.perf_counter() - started
        self.counts[label] += 1

    def __call__(self, execute: Callable[..., Any], statement: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            self.add(query_label(statement), started)


def print_breakdown(title: str, total: Rate, log: StepLog, *, counted: bool = True, width: int = 44) -> None:
    """Each step's share of `total`, and what is left: Python and everything else."""
    per = total.count
    print(f"\n{title}: {total.count} in {total.seconds:.2f} s, {total.ms_each:.3f} ms each")
    print(f"  {'step':<{width}} {'per item':>8} {'ms/item':>8} {'share':>6}")
    accounted = 0.0
    for label, spent in sorted(log.seconds.items(), key=lambda item: -item[1]):
        accounted += spent
        times = f"{log.counts[label] / per:8.2f}" if counted else f"{1:8.2f}"
        print(f"  {label:<{width}} {times} {1000 * spent / per:8.3f} {spent / total.seconds:6.1%}")
    rest = total.seconds - accounted
    print(f"  {'Python and everything else':<{width}} {'':>8} {1000 * rest / per:8.3f} {rest / total.seconds:6.1%}")


# --- Servers --------------------------------------------------------------------------------

# uvicorn as both sides of every HTTP comparison run it: httptools and uvloop, no access log.
# The keep-alive timeout (5 s by default) is raised so that a client's connection to one server
# stays open while another server's round runs.
UVICORN_OPTIONS = (
    "--http",
    "httptools",
    "--loop",
    "uvloop",
    "--log-level",
    "warning",
    "--no-access-log",
    "--timeout-keep-alive",
    "3600",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    pid: int
    log: Path
    workers: int = 1

    def processes(self) -> list[int]:
        """The server's own process and every process under it (uvicorn's workers), without
        multiprocessing's resource tracker, which serves nothing."""
        return [pid for pid in (self.pid, *descendants(self.pid)) if "resource_tracker" not in command_line(pid)]

    def peak_memory(self) -> dict[int, int]:
        """VmHWM (peak resident set, bytes) of each process serving: with several workers the
        supervisor only watches; the workers serve."""
        peaks = {pid: peak_rss(pid) for pid in self.processes()}
        return {pid: peak for pid, peak in peaks.items() if peak is not None}


@contextmanager
def serving(
    name: str,
    python: Path,
    app: str,
    cwd: Path,
    env: dict[str, str],
    *,
    workers: int = 1,
    log_dir: Path = OUT,
    on_stop: Callable[[Server], None] | None = None,
    interface: str = "asgi3",
) -> Iterator[Server]:
    """uvicorn serving `app` as a process of its own (with `workers` > 1, as many worker
    processes under one supervisor), stopped, and killed if need be, on leaving. `on_stop` is
    called with the server while it still runs, just before it is stopped (to read its peak
    memory, say). `interface` is uvicorn's: "wsgi" for django-helpdesk (see HELPDESK_APP)."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}-server.log"
    command = [python, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), *UVICORN_OPTIONS]
    command += ["--interface", interface]
    if workers > 1:
        command += ["--workers", str(workers)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = Server(name=name, port=port, pid=process.pid, log=log_path, workers=workers)
        try:
            wait_until_listening(process, port, log_path)
            if workers > 1:
                wait_for_workers(server, workers)
            yield server
            if on_stop is not None and process.poll() is None:
                on_stop(server)
        finally:
            stop(process)


def wait_until_listening(process: subprocess.Popen[bytes], port: int, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The server stopped at start-up ({process.returncode}):\n{log_path.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"The server did not listen on port {port} within {timeout:.0f} s:\n{log_path.read_text()}")


def wait_for_workers(server: Server, workers: int, timeout: float = 60) -> None:
    """uvicorn's supervisor listens before its workers have loaded the application: wait until
    `workers` processes run under it, then a moment for them to import."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(descendants(server.pid)) >= workers:
            return
        time.sleep(0.1)
    raise SystemExit(f"{server.name}: {workers} workers did not start within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def exit_on_signal(number: int, _frame: object) -> None:
    # Raised as SystemExit, so that every `finally` runs and the servers started are stopped.
    raise SystemExit(f"Stopped by signal {signal.Signals(number).name}.")


def stop_servers_on_signals() -> None:
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, exit_on_signal)


# --- Memory ---------------------------------------------------------------------------------


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def peak_rss(pid: int) -> int | None:
    """The peak resident set size of a live process in bytes (VmHWM), None when unknown."""
    value = _status(pid).get("VmHWM")
    return int(value.split()[0]) * 1024 if value else None


def current_rss(pid: int) -> int | None:
    value = _status(pid).get("VmRSS")
    return int(value.split()[0]) * 1024 if value else None


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(pid: int) -> list[int]:
    """Every live process below `pid`, children first."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _status(int(entry.name)).get("PPid")
            if parent is not None:
                children[int(parent.strip())].append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in sorted(children.get(todo.pop(0), [])):
            found.append(child)
            todo.append(child)
    return found


def megabytes(size: float) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


# --- Rows for bench/run.py's table ----------------------------------------------------------


def table_row(
    workload: str,
    ours: str,
    *,
    baseline: str | None = None,
    baseline_name: str | None = None,
    ratio: str | None = None,
    target: str | None = None,
    met: bool | None = None,
) -> dict[str, Any]:
    """One row of the table `bench/run.py` prints, its figures already formatted."""
    return {
        "workload": workload,
        "ours": ours,
        "baseline": baseline,
        "baseline_name": baseline_name,
        "ratio": ratio,
        "target": target,
        "met": met,
    }


def write_rows(path: str | Path | None, rows: Sequence[dict[str, Any]]) -> None:
    """Write the rows as the JSON list `bench/run.py` reads (nothing without --json)."""
    if path is None:
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(list(rows), ensure_ascii=False, indent=1) + "\n")


def add_interface_arguments(parser: Any) -> None:
    """--json and --quick, which `bench/run.py` passes to every workload script."""
    parser.add_argument("--json", metavar="OUT.json", help="also write the result rows for bench/run.py here")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small N, a minute or less")


def project_path() -> None:
    """Make the project's packages (and `bench.common`) importable from a script in bench/."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
