"""Live hints: commit-to-receipt latency at staff WebSockets, against a bare channels consumer.

The product as production runs it, on loopback: `manage.py serve` (DEBUG off) on PostgreSQL
and the Redis channel layer, first as one server process and then as several (`--workers`)
sharing that layer. N staff sockets, each opened with its own signed-in session of one of the
provider's agents, listen on the organisation queue (`/ws/queue/`); M complaints are filed
through the public API (`POST /api/v1/public/complaints/`), spaced out; every socket should
receive one hint per filing.

Measured, at each socket count (100, 500 and 1,000 by default):

- commit-to-receipt latency per delivery, p50 and p99: the time the client received the hint
  minus the `occurred_at` the event was recorded with (set inside the filing's transaction, just
  before it commits, so the figure slightly overstates the latency; same machine clock);
- hints received against hints owed (lost and repeated ones counted);
- handshakes: wall time to open all N sockets (50 at a time), p50/p99 per handshake, and server
  CPU per handshake;
- server CPU per delivery: user+system time of every server process (the serve process and its
  workers, which also run the dispatcher and the clock) from the first filing until the last
  hint arrived (or the wait ran out), divided by the hints delivered; the clients' own CPU per
  delivery beside it;
- peak resident memory (VmHWM) of each server process over the whole configuration.

Baseline, in the same run and with the same clients: a bare channels consumer
(`bench/live_bare.py`, one uvicorn process on the same Redis channel layer) whose sockets all
join one group, sent M `group_send`s at the same spacing from one long-lived event loop in this
process; its latency is receipt time minus the send time stamped in the message.

The clients (one asyncio process, uvloop when installed) share the machine's cores with the
servers, Redis and PostgreSQL: the figures are of the whole loop on one machine.

    .venv/bin/python bench/live.py [--sockets 100,500,1000] [--workers 1,2] [--filings 20]
                                   [--spacing 0.2] [--json OUT.json] [--quick] [--profile]

`--profile` samples one server process with py-spy at the largest socket count, while the
sockets open and while the hints go out, and prints the functions its time went to.

It drops and creates the database it names (refusing a name without "bench") and flushes the
Redis database it names (7 by default).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vault_key import PERSONAL_DATA_KEYS

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TARGET_P99_MS = 150.0
TARGET_RSS_MB = 250.0
STAFF = 50
OPEN_AT_ONCE = 50


# --- Shared helpers (machine facts, databases, processes, percentiles) ---------------------------
# Written here until bench/common.py offers them; kept free of this workload's specifics.


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine_facts() -> list[tuple[str, str]]:
    import channels
    import channels_redis
    import django
    import websockets

    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return [
        ("cores", str(os.cpu_count())),
        ("memory", f"{memory_kb / 1024 / 1024:.1f} GiB"),
        ("load average before (1, 5, 15 min)", load_average()),
        ("python", platform.python_version()),
        ("django", django.get_version()),
        ("channels / channels-redis", f"{channels.__version__} / {channels_redis.__version__}"),
        ("websockets", websockets.version.version),
        ("git revision", revision.stdout.strip() or "?"),
    ]


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: its name does not say bench")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(command: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start a server process and wait until it accepts connections on `port`."""
    out = open(log, "ab")  # noqa: SIM115 - kept open for the process
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{command[:4]} exited with {process.returncode}; see {log}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{command[:4]} did not listen on {port}; see {log}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of these processes, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of one process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


# --- Clients ----------------------------------------------------------------------------------


@dataclass
class Sockets:
    """N open client sockets, each recording (hint, receipt time) as hints arrive."""

    connections: list[Any] = field(default_factory=list)
    handshakes: list[float] = field(default_factory=list)
    received: list[list[tuple[dict[str, Any], float]]] = field(default_factory=list)
    readers: list[asyncio.Task[None]] = field(default_factory=list)
    closed_early: int = 0

    async def open(self, urls_and_headers: list[tuple[str, dict[str, str]]]) -> float:
        from websockets.asyncio.client import connect

        gate = asyncio.Semaphore(OPEN_AT_ONCE)
        self.received = [[] for _ in urls_and_headers]

        async def one(number: int, url: str, headers: dict[str, str]) -> Any:
            async with gate:
                began = time.perf_counter()
                connection = await connect(url, additional_headers=headers, open_timeout=60, max_queue=None)
                self.handshakes.append(time.perf_counter() - began)
                return connection

        began = time.perf_counter()
        self.connections = await asyncio.gather(*(one(n, u, h) for n, (u, h) in enumerate(urls_and_headers)))
        took = time.perf_counter() - began
        self.readers = [asyncio.create_task(self._read(n, c)) for n, c in enumerate(self.connections)]
        return took

    async def _read(self, number: int, connection: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        inbox = self.received[number]
        try:
            async for text in connection:
                inbox.append((json.loads(text), time.time()))
        except ConnectionClosed:
            pass
        self.closed_early += 1

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*(c.close() for c in self.connections), return_exceptions=True)


@dataclass
class Measure:
    label: str
    sockets: int
    owed: int
    latencies_ms: list[float]
    lost: int
    repeated: int
    open_seconds: float
    handshakes_ms: list[float]
    cpu_per_handshake_ms: float
    cpu_per_delivery_ms: float
    closed_early: int
    client_cpu_per_delivery_ms: float = 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 0.5) if self.latencies_ms else float("nan")

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 0.99) if self.latencies_ms else float("nan")

    def line(self) -> str:
        return (
            f"{self.label:<34} {self.sockets:>5} sockets  p50 {self.p50:8.1f} ms  p99 {self.p99:8.1f} ms  "
            f"max {max(self.latencies_ms, default=float('nan')):8.1f} ms  "
            f"received {len(self.latencies_ms)}/{self.owed} lost {self.lost} repeated {self.repeated}  "
            f"open {self.open_seconds:5.2f} s (handshake p50 {percentile(self.handshakes_ms, 0.5):.1f} ms, "
            f"p99 {percentile(self.handshakes_ms, 0.99):.1f} ms, server CPU {self.cpu_per_handshake_ms:.2f} ms each)  "
            f"server CPU {self.cpu_per_delivery_ms:.3f} ms/delivery (clients {self.client_cpu_per_delivery_ms:.3f})"
        )


async def wait_for_all(sockets: Sockets, done: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not done():
        await asyncio.sleep(0.05)


# --- The product ------------------------------------------------------------------------------

SEED = """
import json
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import Organisation, Role, User
provider = Organisation.objects.create(slug="live-provider", name="Live provider", kind="provider")
staff = [User.objects.create_user(username=f"live-agent-{{n}}", password=None, organisation=provider, role=Role.AGENT)
         for n in range({staff})]
keys = []
for number in range({sessions}):
    user = staff[number % len(staff)]
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    keys.append(session.session_key)
print("KEYS" + json.dumps(keys))
"""


def manage(env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run([PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"manage.py {arguments[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def file_complaints(port: int, count: int, spacing: float, references: list[str]) -> None:
    """File `count` complaints through the public API, one every `spacing` seconds."""
    began = time.monotonic()
    for number in range(count):
        time.sleep(max(0.0, began + number * spacing - time.monotonic()))
        body = json.dumps(
            {
                "category": "unlabelled_synthetic",
                "description": f"Live filing {number}: a synthetic video without its label.",
                "content_urls": [f"https://video.example.com/v/{number}"],
            }
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/public/complaints/",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - our own http URL
            references.append(json.loads(answer.read())["reference"])


def occurred_at(database_url: str, positions: set[int]) -> dict[int, float]:
    import psycopg

    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT position, extract(epoch FROM occurred_at) FROM cases_event WHERE position = ANY(%s)",
            [sorted(positions)],
        ).fetchall()
    return {int(position): float(epoch) for position, epoch in rows}


async def measure_product(
    args: argparse.Namespace, port: int, pids: list[int], keys: list[str], count: int, label: str
) -> Measure:
    urls = [
        (
            f"ws://127.0.0.1:{port}/ws/queue/",
            {"Cookie": f"sessionid={key}", "Origin": f"http://127.0.0.1:{port}"},
        )
        for key in keys[:count]
    ]
    sockets = Sockets()
    cpu_before_open = cpu_seconds(pids)
    profiler = start_profile(args, pids, count, "opening the sockets")
    open_seconds = await asyncio.wait_for(sockets.open(urls), timeout=600)
    cpu_per_handshake = (cpu_seconds(pids) - cpu_before_open) / count * 1000
    if profiler is not None:
        profiler.report()
    await asyncio.sleep(1.0)  # let the server settle after the handshakes
    references: list[str] = []
    cpu_before, client_before = cpu_seconds(pids), time.process_time()
    profiler = start_profile(args, pids, count, "sending the hints")
    filer = threading.Thread(target=file_complaints, args=(port, args.filings, args.spacing, references))
    filer.start()

    def owed_seen() -> bool:
        if filer.is_alive():
            return False
        wanted = set(references)
        return all(wanted <= {hint["reference"] for hint, _ in inbox} for inbox in sockets.received)

    while filer.is_alive():
        await asyncio.sleep(0.05)
    await wait_for_all(sockets, owed_seen, args.wait)
    cpu_used, client_used = cpu_seconds(pids) - cpu_before, time.process_time() - client_before
    await sockets.close()
    if profiler is not None:
        profiler.report()

    wanted = set(references)
    latencies: list[float] = []
    lost = repeated = 0
    positions = {hint["position"] for inbox in sockets.received for hint, _ in inbox}
    committed = occurred_at(args.database_url, positions) if positions else {}
    for inbox in sockets.received:
        seen: dict[str, int] = {}
        for hint, at in inbox:
            if hint["reference"] not in wanted:
                continue
            seen[hint["reference"]] = seen.get(hint["reference"], 0) + 1
            if seen[hint["reference"]] == 1:
                latencies.append((at - committed[hint["position"]]) * 1000)
        lost += len(wanted - set(seen))
        repeated += sum(n - 1 for n in seen.values())
    return Measure(
        label=label,
        sockets=count,
        owed=len(wanted) * count,
        latencies_ms=latencies,
        lost=lost,
        repeated=repeated,
        open_seconds=open_seconds,
        handshakes_ms=[h * 1000 for h in sockets.handshakes],
        cpu_per_handshake_ms=cpu_per_handshake,
        cpu_per_delivery_ms=cpu_used / max(1, len(latencies)) * 1000,
        closed_early=sockets.closed_early,  # readers cancelled by close() are not counted
        client_cpu_per_delivery_ms=client_used / max(1, len(latencies)) * 1000,
    )


def start_profile(args: argparse.Namespace, pids: list[int], count: int, phase: str) -> Profile | None:
    """py-spy sampling a server process through one phase (at the largest socket count only)."""
    if not args.profile or count != max(args.socket_counts):
        return None
    output = ROOT / "var" / "bench-live" / f"profile-{phase.replace(' ', '-')}.txt"
    output.unlink(missing_ok=True)
    command = [str(Path(PYTHON).with_name("py-spy")), "record", "--format", "raw", "--output", str(output)]
    command += ["--nonblocking", "--pid", str(pids[-1])]  # the last started: a server worker
    return Profile(phase, output, subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))


@dataclass
class Profile:
    phase: str
    output: Path
    process: subprocess.Popen[bytes]

    def report(self, shown: int = 25) -> None:
        """Stop sampling; print the functions the server spent the phase in."""
        self.process.send_signal(signal.SIGINT)  # py-spy writes what it sampled and exits
        self.process.wait(timeout=120)
        if not self.output.exists():
            print("  (py-spy wrote no profile; is it installed and allowed to trace?)")
            return
        total, inclusive, own = 0, Counter[str](), Counter[str]()
        for line in self.output.read_text().splitlines():
            stack, _, samples = line.rpartition(" ")
            frames = stack.split(";")
            total += int(samples)
            own[frames[-1]] += int(samples)
            for frame in set(frames):
                inclusive[frame] += int(samples)
        print(f"  profile of one server process, {self.phase} ({total} samples; {self.output}):")
        for frame, samples in own.most_common(shown):
            print(f"    own {samples / total:6.1%}  inclusive {inclusive[frame] / total:6.1%}  {frame[:110]}")
        heavy = [f for f, n in inclusive.most_common(80) if n < total * 0.9 and "(notifications/" in f]
        for frame in heavy[:10]:
            print(f"    inclusive {inclusive[frame] / total:6.1%}  {frame[:110]}")


# --- The baseline -----------------------------------------------------------------------------


def send_bare_hints(redis_url: str, count: int, spacing: float, sent: list[float]) -> None:
    """`group_send` to the bare group from one long-lived event loop, stamping each hint."""
    from channels_redis.core import RedisChannelLayer

    async def run() -> None:
        layer = RedisChannelLayer(hosts=[{"address": redis_url}], capacity=1000)
        began = time.monotonic()
        for number in range(count):
            await asyncio.sleep(max(0.0, began + number * spacing - time.monotonic()))
            stamp = time.time()
            await layer.group_send("bench.bare", {"type": "bench.hint", "hint": {"n": number, "sent_at": stamp}})
            sent.append(stamp)
        await layer.close_pools()

    asyncio.run(run())


async def measure_bare(args: argparse.Namespace, port: int, pids: list[int], count: int) -> Measure:
    urls = [(f"ws://127.0.0.1:{port}/ws/bare/", {"Origin": f"http://127.0.0.1:{port}"}) for _ in range(count)]
    sockets = Sockets()
    cpu_before_open = cpu_seconds(pids)
    open_seconds = await asyncio.wait_for(sockets.open(urls), timeout=600)
    cpu_per_handshake = (cpu_seconds(pids) - cpu_before_open) / count * 1000
    await asyncio.sleep(1.0)
    sent: list[float] = []
    cpu_before, client_before = cpu_seconds(pids), time.process_time()
    sender = threading.Thread(target=send_bare_hints, args=(args.redis_url, args.filings, args.spacing, sent))
    sender.start()
    while sender.is_alive():
        await asyncio.sleep(0.05)
    await wait_for_all(sockets, lambda: all(len(inbox) >= args.filings for inbox in sockets.received), args.wait)
    cpu_used, client_used = cpu_seconds(pids) - cpu_before, time.process_time() - client_before
    await sockets.close()
    latencies: list[float] = []
    lost = repeated = 0
    for inbox in sockets.received:
        numbers = [hint["n"] for hint, _ in inbox]
        latencies += [(at - hint["sent_at"]) * 1000 for hint, at in inbox]
        lost += args.filings - len(set(numbers))
        repeated += len(numbers) - len(set(numbers))
    return Measure(
        label="bare channels consumer, 1 process",
        sockets=count,
        owed=args.filings * count,
        latencies_ms=latencies,
        lost=lost,
        repeated=repeated,
        open_seconds=open_seconds,
        handshakes_ms=[h * 1000 for h in sockets.handshakes],
        cpu_per_handshake_ms=cpu_per_handshake,
        cpu_per_delivery_ms=cpu_used / max(1, len(latencies)) * 1000,
        closed_early=sockets.closed_early,
        client_cpu_per_delivery_ms=client_used / max(1, len(latencies)) * 1000,
    )


# --- The run ----------------------------------------------------------------------------------


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", default="100,500,1000", help="socket counts, comma separated")
    parser.add_argument("--workers", default="1,2", help="server process counts to measure, comma separated")
    parser.add_argument("--filings", type=int, default=20)
    parser.add_argument("--spacing", type=float, default=0.2, help="seconds between filings")
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for the last hints")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/live_bench_hints")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--json", type=Path, help="write the table rows here (bench/run.py's interface)")
    parser.add_argument("--profile", action="store_true", help="py-spy one server process at the largest count")
    parser.add_argument("--quick", action="store_true", help="smoke run: 100 sockets, 10 filings, 1 process")
    args = parser.parse_args()
    if args.quick:
        args.sockets, args.workers, args.filings, args.wait = "100", "1", 10, 20
    args.socket_counts = [int(n) for n in args.sockets.split(",")]
    args.worker_counts = [int(n) for n in args.workers.split(",")]
    return args


def environment(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "live-bench-" + uuid.uuid4().hex,
        "PERSONAL_DATA_KEYS": PERSONAL_DATA_KEYS,
        # Plain HTTP on loopback (no TLS terminator in front).
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        **{f"RATE_LIMIT_{scope}": "100000000/60" for scope in ("SUBMIT", "TRACK", "STAFF_LOGIN", "TRACK_REFERENCE")},
    }


def serve_accepts_workers() -> bool:
    text = (ROOT / "cases" / "management" / "commands" / "serve.py").read_text()
    return "--workers" in text


async def run(args: argparse.Namespace) -> tuple[list[Measure], dict[str, float]]:
    env = environment(args)
    logs = ROOT / "var" / "bench-live"
    logs.mkdir(parents=True, exist_ok=True)
    most = max(args.socket_counts)
    measures: list[Measure] = []
    peaks: dict[str, float] = {}

    if not args.no_baseline:
        flush_redis(args.redis_url)
        port = free_port()
        uvicorn_options = ["--no-access-log", "--lifespan", "off", "--log-level", "warning"]
        bare = start_server(
            [PYTHON, "-m", "uvicorn", "bench.live_bare:application", "--port", str(port), *uvicorn_options],
            env,
            port,
            logs / "bare.log",
        )
        try:
            for count in args.socket_counts:
                measure = await measure_bare(args, port, process_tree(bare.pid), count)
                print(measure.line(), flush=True)
                measures.append(measure)
            peaks["bare channels consumer, 1 process"] = max(peak_rss_mb(pid) for pid in process_tree(bare.pid))
        finally:
            stop_server(bare)

    print(f"Creating {args.database_url.rsplit('/', 1)[1]} and {most} staff sessions...", flush=True)
    recreate_database(args.database_url)
    manage(env, "migrate", "--noinput")
    keys = json.loads(manage(env, "shell", "-c", SEED.format(staff=STAFF, sessions=most)).split("KEYS", 1)[1])
    for workers in args.worker_counts:
        if workers > 1 and not serve_accepts_workers():
            print(f"`manage.py serve` takes no --workers here: {workers} processes skipped", flush=True)
            continue
        flush_redis(args.redis_url)
        port = free_port()
        command = [PYTHON, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(port)]
        if serve_accepts_workers():
            command += ["--workers", str(workers)]
        server = start_server(command, env, port, logs / f"serve-{workers}.log")
        label = f"tracker, serve, {workers} process{'es' if workers > 1 else ''}"
        try:
            time.sleep(2 if workers == 1 else 4)  # every worker up, not only the first
            for count in args.socket_counts:
                measure = await measure_product(args, port, process_tree(server.pid), keys, count, label)
                print(measure.line(), flush=True)
                measures.append(measure)
            tree = process_tree(server.pid)
            peaks[label] = max(peak_rss_mb(pid) for pid in tree)
            print(f"{label}: peak RSS per process {[round(peak_rss_mb(p)) for p in tree]} MB", flush=True)
        finally:
            stop_server(server)
    return measures, peaks


def rows(args: argparse.Namespace, measures: list[Measure], peaks: dict[str, float]) -> list[dict[str, Any]]:
    bare = {m.sockets: m for m in measures if m.label.startswith("bare")}
    table: list[dict[str, Any]] = []
    for measure in measures:
        if measure.label.startswith("bare"):
            continue
        baseline = bare.get(measure.sockets)
        targeted = measure.sockets >= 1000
        table.append(
            {
                "workload": f"live hints, {measure.sockets:,} staff sockets, {measure.label.split(', ', 2)[2]}",
                "ours": f"{measure.p99:.0f} ms p99 (p50 {measure.p50:.0f} ms; lost {measure.lost})",
                "baseline": f"{baseline.p99:.0f} ms p99 (p50 {baseline.p50:.0f} ms)" if baseline else None,
                "baseline_name": "bare channels consumer, group_send, same Redis, 1 process" if baseline else None,
                "ratio": f"{measure.p99 / baseline.p99:.2f}×" if baseline and baseline.p99 else None,
                "target": f"p99 ≤ {TARGET_P99_MS:.0f} ms, none lost" if targeted else "none lost",
                "met": (measure.p99 <= TARGET_P99_MS and measure.lost == 0) if targeted else measure.lost == 0,
            }
        )
        table.append(
            {
                "workload": f"live handshakes, {measure.sockets:,} sockets, {measure.label.split(', ', 2)[2]}",
                "ours": f"{measure.open_seconds:.2f} s to open all; "
                f"{measure.cpu_per_handshake_ms:.2f} ms server CPU each",
                "baseline": f"{baseline.open_seconds:.2f} s; {baseline.cpu_per_handshake_ms:.2f} ms each"
                if baseline
                else None,
                "baseline_name": "bare channels consumer (no session, no auth)" if baseline else None,
                "ratio": f"{measure.open_seconds / baseline.open_seconds:.2f}×" if baseline else None,
                "target": None,
                "met": None,
            }
        )
        processes = measure.label.split(", ", 2)[2]
        table.append(
            {
                "workload": f"live server CPU per delivery, {measure.sockets:,} sockets, {processes}",
                "ours": f"{measure.cpu_per_delivery_ms:.3f} ms",
                "baseline": f"{baseline.cpu_per_delivery_ms:.3f} ms" if baseline else None,
                "baseline_name": "bare channels consumer" if baseline else None,
                "ratio": f"{measure.cpu_per_delivery_ms / baseline.cpu_per_delivery_ms:.2f}×"
                if baseline and baseline.cpu_per_delivery_ms
                else None,
                "target": None,
                "met": None,
            }
        )
    for label, peak in peaks.items():
        if label.startswith("bare"):
            continue
        table.append(
            {
                "workload": f"live, peak RSS of a server process, {label.split(', ', 2)[2]}",
                "ours": f"{peak:.0f} MB",
                "baseline": f"{peaks['bare channels consumer, 1 process']:.0f} MB"
                if "bare channels consumer, 1 process" in peaks
                else None,
                "baseline_name": "bare channels consumer" if "bare channels consumer, 1 process" in peaks else None,
                "ratio": None,
                "target": f"< {TARGET_RSS_MB:.0f} MB",
                "met": peak < TARGET_RSS_MB,
            }
        )
    return table


def main() -> None:
    args = parse_args()
    try:
        import uvloop

        uvloop.install()
        loop_name = "uvloop"
    except ImportError:
        loop_name = "asyncio"
    print("Live hints: commit-to-receipt latency at staff WebSockets")
    for name, value in machine_facts():
        print(f"  {name}: {value}")
    print(
        f"  run: sockets {args.socket_counts}, server processes {args.worker_counts}, {args.filings} filings "
        f"{args.spacing * 1000:.0f} ms apart, clients in one {loop_name} process",
        flush=True,
    )
    measures, peaks = asyncio.run(run(args))
    print(f"load average after: {load_average()}")
    table = rows(args, measures, peaks)
    for row in table:
        print(
            f"  {row['workload']}: {row['ours']}  "
            f"(baseline {row['baseline']}, target {row['target']}, met {row['met']})"
        )
    if args.json:
        args.json.write_text(json.dumps(table, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
