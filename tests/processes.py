"""Running the product's own entry points (manage.py) as separate processes against the
test database, the way an operator runs them."""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

# Servers started by the tests count rate limits in the shared Redis, whose counters outlive a
# run by up to an hour; a prefix of this run and worker starts every server from zero.
_CACHE_KEY_PREFIX = f"test-{uuid.uuid4().hex[:12]}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def _environment(env: dict[str, str] | None) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url_in_use(), "CACHE_KEY_PREFIX": _CACHE_KEY_PREFIX, **(env or {})}


def database_url_in_use() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def manage(*arguments: str, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = _environment(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextmanager
def serving(log_path: Path, env: dict[str, str] | None = None, arguments: tuple[str, ...] = ()) -> Iterator[str]:
    """`manage.py serve` on a free loopback port against the test database, as `make run`
    starts it (with `arguments` added); yields its base URL. Its output (the access log among
    it) goes to `log_path`."""
    with serving_process(log_path, env, arguments) as (base, _process):
        yield base


@contextmanager
def serving_process(
    log_path: Path, env: dict[str, str] | None = None, arguments: tuple[str, ...] = ()
) -> Iterator[tuple[str, subprocess.Popen]]:
    """As `serving`, yielding the `serve` process too."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    environment = _environment(env)
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "serve", "--host", "127.0.0.1", "--port", str(port), *arguments],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"serve did not start: {log_path.read_text(errors='replace')}") from None
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}", server
        finally:
            if server.poll() is None:
                server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def children_of(pid: int) -> list[int]:
    """The running processes whose parent is `pid` (from /proc: Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name, in parentheses, may hold spaces: the fields after it are split.
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Whether `pid` is a process that has not exited (a zombie has)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False
