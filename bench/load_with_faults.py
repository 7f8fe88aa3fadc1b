"""Load with faults: the product as production runs it, on loopback, while its parts are killed.

Two ASGI server processes (uvicorn) on PostgreSQL and Redis, the outbox dispatcher and the
clock worker, each its own process, and a real SMTP server (aiosmtpd) in this one. Concurrent
clients for a bounded time:

- filers: complaints through the public API, each with an Idempotency-Key; a request that
  fails or is cut off is sent again with the same key until it is answered, and one in ten
  answered ones is sent again on purpose;
- staff: read the queue and accept what is submitted, with If-Match (a conflict is an answer);
- listeners: WebSockets on the staff queue, counting hints.

A quarter of the way in, one server process is killed with SIGKILL and restarted; at half, the
dispatcher; at three quarters, the clock worker. Afterwards:

- every answered filing exists exactly once, and no key made a second case;
- `verify_ledger` and `rebuild_projections --check` pass;
- every notification owed was delivered (each e-mail's Message-ID arrived, repeats counted);
- no error outside the kill windows.

Not part of `make test`: it takes minutes and wants an idle machine. Run:

    .venv/bin/python bench/load_with_faults.py [--seconds 300] [--clients 50]

It drops and creates the database it names (refusing a name without "bench"), and uses Redis
database 9 unless told otherwise. Results: docs/RELIABILITY.md.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

from vault_key import PERSONAL_DATA_KEYS

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STAFF = 5
PASSWORD = "load-test-password-2026"  # noqa: S105 - for throw-away accounts of a throw-away database
# Time after a kill during which failed requests are expected (the process restarts within it).
WINDOW_SECONDS = 15.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/reliability_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: its name does not say bench")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


# --- The parts ------------------------------------------------------------------------------


@dataclass
class Part:
    name: str
    command: list[str]
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    kills: list[tuple[float, float]] = field(default_factory=list)

    def start(self, env: dict[str, str], logs: Path) -> None:
        log = open(logs / f"{self.name}.log", "ab")  # noqa: SIM115 - kept open for the process
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        if self.port is not None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                        return
                time.sleep(0.1)
            raise SystemExit(f"{self.name} did not listen on {self.port}")

    def kill_and_restart(self, env: dict[str, str], logs: Path, started: float) -> None:
        assert self.process is not None
        killed_at = time.monotonic() - started
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        time.sleep(2)
        self.start(env, logs)
        self.kills.append((killed_at, time.monotonic() - started))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


# --- Mail -------------------------------------------------------------------------------------


class Mailbox:
    def __init__(self) -> None:
        self.message_ids: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.message_ids[str(message["Message-ID"])] += 1
        return "250 accepted"


# --- Clients ----------------------------------------------------------------------------------


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Idempotency-Key → every reference answered for it.
    filings: dict[str, set[str]] = field(default_factory=dict)
    answered: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[float, str]] = field(default_factory=list)
    hints: int = 0

    def count(self, what: str) -> None:
        with self.lock:
            self.answered[what] += 1

    def error(self, at: float, what: str) -> None:
        with self.lock:
            self.errors.append((at, what))


def request(
    url: str, *, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Accept": "application/json", **({"Content-Type": "application/json"} if data else {}), **(headers or {})}
    try:
        # Only ever http://127.0.0.1:<port> of the servers this script started.
        prepared = urllib.request.Request(url, data=data, method=method, headers=sent)  # noqa: S310
        with urllib.request.urlopen(prepared, timeout=30) as r:  # noqa: S310
            return r.status, json.loads(r.read() or b"null"), dict(r.headers)
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            return error.code, json.loads(payload or b"null"), dict(error.headers)
        except ValueError:
            return error.code, None, dict(error.headers)


class Clients:
    def __init__(self, ports: list[int], tokens: list[str], tally: Tally, started: float, stop: threading.Event):
        self.ports = ports
        self.tokens = tokens
        self.tally = tally
        self.started = started
        self.stop = stop

    def base(self) -> str:
        return f"http://127.0.0.1:{random.choice(self.ports)}"

    def now(self) -> float:
        return time.monotonic() - self.started

    def filer(self, number: int) -> None:
        while not self.stop.is_set():
            key = uuid.uuid4().hex
            body = {
                "category": random.choice(["unlabelled_synthetic", "label_removed", "false_information"]),
                "description": f"Load filing {number}: a synthetic video without its label.",
                "content_urls": [f"https://video.example.com/v/{random.randrange(10**6)}"],
            }
            if random.random() < 0.3:
                body.update(contact_email=f"filer{random.randrange(10**6)}@example.com", consent=True)
            repeats = 2 if random.random() < 0.1 else 1
            while repeats and not self.stop.is_set():
                try:
                    status, answer, _headers = request(
                        self.base() + "/api/v1/public/complaints/",
                        method="POST",
                        body=body,
                        headers={"Idempotency-Key": key},
                    )
                except OSError as error:
                    self.tally.error(self.now(), f"filing: {type(error).__name__}")
                    time.sleep(0.2)
                    continue  # the same key again
                if status in (200, 201):
                    with self.tally.lock:
                        self.tally.filings.setdefault(key, set()).add(answer["reference"])
                    self.tally.count("filing")
                    repeats -= 1
                else:
                    self.tally.error(self.now(), f"filing: HTTP {status}")
                    time.sleep(0.2)

    def staff(self, number: int) -> None:
        token = self.tokens[number % len(self.tokens)]
        auth = {"Authorization": f"Token {token}"}
        while not self.stop.is_set():
            try:
                status, page, _headers = request(
                    self.base() + "/api/v1/staff/cases/?kind=complaint&state=submitted", headers=auth
                )
                if status != 200:
                    self.tally.error(self.now(), f"queue: HTTP {status}")
                    continue
                self.tally.count("queue read")
                rows = page["results"]
                if not rows:
                    time.sleep(0.2)
                    continue
                row = random.choice(rows)
                status, _body, _headers = request(
                    self.base() + f"/api/v1/staff/cases/{row['id']}/transitions/accept/",
                    method="POST",
                    body={},
                    headers={**auth, "If-Match": f'"{row["version"]}"'},
                )
                if status in (200, 409, 412):
                    self.tally.count("transition" if status == 200 else "transition conflict")
                else:
                    self.tally.error(self.now(), f"transition: HTTP {status}")
            except OSError as error:
                self.tally.error(self.now(), f"staff: {type(error).__name__}")
                time.sleep(0.2)

    def listener(self, number: int, username: str) -> None:
        from websockets.sync.client import connect

        while not self.stop.is_set():
            port = self.ports[number % len(self.ports)]
            try:
                cookie = sign_in(port, username)
                with connect(
                    f"ws://127.0.0.1:{port}/ws/queue/",
                    additional_headers={"Cookie": cookie, "Origin": f"http://127.0.0.1:{port}"},
                    open_timeout=10,
                ) as socket_:
                    while not self.stop.is_set():
                        try:
                            socket_.recv(timeout=1)
                        except TimeoutError:
                            continue
                        with self.tally.lock:
                            self.tally.hints += 1
            except Exception as error:  # noqa: BLE001 - a listener reconnects after any failure
                self.tally.error(self.now(), f"socket: {type(error).__name__}")
                time.sleep(0.5)


def sign_in(port: int, username: str) -> str:
    """A staff session cookie, through the sign-in form as a browser gets one."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://127.0.0.1:{port}/staff/login/", timeout=10).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf}).encode()
    opener.open(
        urllib.request.Request(
            f"http://127.0.0.1:{port}/staff/login/", data=form, headers={"Referer": f"http://127.0.0.1:{port}/"}
        ),
        timeout=10,
    )
    return "; ".join(f"{c.name}={c.value}" for c in jar)


# --- The run ----------------------------------------------------------------------------------

SEED = """
from accounts.models import Organisation, Role, User
from rest_framework.authtoken.models import Token
import json
provider = Organisation.objects.create(slug="load-provider", name="Load provider", kind="provider")
tokens = []
for number in range({staff}):
    user = User.objects.create_user(username=f"load-agent-{{number}}", password="{password}",
                                    organisation=provider, role=Role.AGENT)
    tokens.append(Token.objects.create(user=user).key)
print("TOKENS" + json.dumps(tokens))
"""

AFTER = """
import json
from cases.models import Case
from notifications.models import OutboxMessage
print("FACTS" + json.dumps({
    "cases": Case.objects.filter(kind="complaint").count(),
    "references": list(Case.objects.filter(kind="complaint").values_list("reference", flat=True)),
    "pending": OutboxMessage.objects.filter(delivered_at__isnull=True).count(),
    "emails": list(OutboxMessage.objects.filter(channel="email").values_list("pk", flat=True)),
}))
"""


def manage(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True)


def main() -> None:
    args = parse_args()
    from aiosmtpd.controller import Controller

    recreate_database(args.database_url)
    logs = ROOT / "var" / "load-with-faults"
    logs.mkdir(parents=True, exist_ok=True)
    mailbox = Mailbox()
    smtp_port = free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "load-with-faults-" + uuid.uuid4().hex,
        "PERSONAL_DATA_KEYS": PERSONAL_DATA_KEYS,
        # Plain HTTP on loopback (no TLS terminator in front): no redirect, cookies sent over http.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "OUTBOX_LEASE_SECONDS": "5",
        # This run is about faults, not about the limits: lift them.
        **{f"RATE_LIMIT_{scope}": "100000000/60" for scope in ("SUBMIT", "TRACK", "STAFF_LOGIN", "TRACK_REFERENCE")},
    }
    migrated = manage(env, "migrate", "--noinput")
    if migrated.returncode:
        raise SystemExit(migrated.stderr)
    seeded = manage(env, "shell", "-c", SEED.format(staff=STAFF, password=PASSWORD))
    tokens = json.loads(seeded.stdout.split("TOKENS", 1)[1])

    ports = [free_port(), free_port()]
    servers = [
        Part(
            f"server-{n}",
            [
                PYTHON,
                "-m",
                "uvicorn",
                "tracker.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-proxy-headers",
                "--no-access-log",
                "--lifespan",
                "off",
            ],
            port=port,
        )
        for n, port in enumerate(ports)
    ]
    dispatcher = Part("dispatcher", [PYTHON, "manage.py", "dispatch_outbox"])
    clock = Part("clock", [PYTHON, "manage.py", "run_clock"])
    parts = [*servers, dispatcher, clock]
    for part in parts:
        part.start(env, logs)

    tally = Tally()
    stop = threading.Event()
    started = time.monotonic()
    clients = Clients(ports, tokens, tally, started, stop)
    listeners = max(2, args.clients // 10)
    staff = max(2, args.clients * 3 // 10)
    filers = max(1, args.clients - listeners - staff)
    threads = [threading.Thread(target=clients.filer, args=(n,), daemon=True) for n in range(filers)]
    threads += [threading.Thread(target=clients.staff, args=(n,), daemon=True) for n in range(staff)]
    threads += [
        threading.Thread(target=clients.listener, args=(n, f"load-agent-{n % STAFF}"), daemon=True)
        for n in range(listeners)
    ]
    for thread in threads:
        thread.start()
    for fraction, part in ((0.25, servers[0]), (0.5, dispatcher), (0.75, clock)):
        time.sleep(max(0.0, started + args.seconds * fraction - time.monotonic()))
        print(f"{time.monotonic() - started:6.1f} s  SIGKILL {part.name}", flush=True)
        part.kill_and_restart(env, logs, started)
    time.sleep(max(0.0, started + args.seconds - time.monotonic()))
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started

    # Let the dispatcher deliver what is owed, then stop everything.
    deadline = time.monotonic() + 120
    facts: dict[str, Any] = {}
    while time.monotonic() < deadline:
        read = manage(env, "shell", "-c", AFTER)
        if "FACTS" not in read.stdout:
            raise SystemExit(read.stderr)
        facts = json.loads(read.stdout.split("FACTS", 1)[1])
        if facts["pending"] == 0:
            break
        time.sleep(2)
    for part in parts:
        part.stop()
    smtp.stop()
    verified = manage(env, "verify_ledger")
    rebuilt = manage(env, "rebuild_projections", "--check")

    windows = [kill for part in parts for kill in part.kills]

    def in_window(at: float) -> bool:
        return any(killed <= at <= restarted + WINDOW_SECONDS for killed, restarted in windows)

    answered_references = [ref for refs in tally.filings.values() for ref in refs]
    stored = Counter(facts.get("references", []))
    outside = [(at, what) for at, what in tally.errors if not in_window(at)]
    # The dispatcher's Message-ID: <outbox-ROW@domain of DEFAULT_FROM_EMAIL> (default tracker@localhost).
    domain = os.environ.get("DEFAULT_FROM_EMAIL", "tracker@localhost").rpartition("@")[2] or "localhost"
    mailed = {f"<outbox-{pk}@{domain}>" for pk in facts.get("emails", [])}
    arrived = set(mailbox.message_ids)
    rows = [
        ("seconds under load", f"{elapsed:.0f}"),
        ("clients (filers / staff / listeners)", f"{filers} / {staff} / {listeners}"),
        ("filings answered (incl. deliberate repeats)", str(tally.answered["filing"])),
        ("idempotency keys answered", str(len(tally.filings))),
        ("keys answered with more than one case", str(sum(1 for refs in tally.filings.values() if len(refs) > 1))),
        ("complaints stored", str(facts.get("cases"))),
        (
            "answered filings missing from the database",
            str(sum(1 for ref in set(answered_references) if ref not in stored)),
        ),
        ("complaints stored twice", str(sum(1 for count in stored.values() if count > 1))),
        (
            "transitions / conflicts answered",
            f"{tally.answered['transition']} / {tally.answered['transition conflict']}",
        ),
        ("queue reads", str(tally.answered["queue read"])),
        ("live hints received", str(tally.hints)),
        ("e-mails owed / Message-IDs arrived", f"{len(mailed)} / {len(arrived & mailed)}"),
        ("e-mails repeated (same Message-ID again)", str(sum(n - 1 for n in mailbox.message_ids.values() if n > 1))),
        ("notifications still pending", str(facts.get("pending"))),
        ("verify_ledger", "passed" if verified.returncode == 0 else "FAILED: " + verified.stderr.strip()[-300:]),
        (
            "rebuild_projections --check",
            "passed" if rebuilt.returncode == 0 else "FAILED: " + rebuilt.stderr.strip()[-300:],
        ),
        ("errors inside kill windows", str(len(tally.errors) - len(outside))),
        ("errors outside kill windows", str(len(outside))),
    ]
    width = max(len(name) for name, _value in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for at, what in outside[:20]:
        print(f"  outside a kill window at {at:.1f} s: {what}")
    print(
        "kills (killed at, back at, seconds): "
        + ", ".join(f"{p.name} {k:.1f}-{r:.1f}" for p in parts for k, r in p.kills)
    )


if __name__ == "__main__":
    main()
