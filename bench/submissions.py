"""Public complaint submissions per second over HTTP, against django-helpdesk's public ticket form.

One run, one client sending one request at a time, on PostgreSQL:

1. the product, served by uvicorn as its own process on a fresh database, takes complaints
   through its public API, POST /api/v1/public/complaints/ (JSON, with contact details and
   consent): each one validates, appends the first event, writes the case, the data subject,
   the tracking credential and the outbox rows in one transaction, and answers 201;
2. django-helpdesk, installed from PyPI into its own virtual environment and served the same
   way (uvicorn, one process, its own fresh database), takes tickets through its public form,
   POST /helpdesk/tickets/submit/: each one creates the ticket and its first follow-up, e-mails
   the submitter (to memory) and answers 302 to the ticket's page.

Each runs with its own shipped database settings: the product with its psycopg connection pool
(DB_POOL, on by default), django-helpdesk with Django's default (CONN_MAX_AGE=0: a new
PostgreSQL connection for every request); with --pool, django-helpdesk gets Django's psycopg
connection pool too, so that both are also compared on equal terms. Rounds
alternate between the two so that a slow spell of the machine falls on both; a warm-up is not
counted. The ratio of the two rates is reported against the target: the product takes at least
three times as many submissions per second as django-helpdesk. Run from the project root:

    .venv/bin/python bench/submissions.py [--submissions N] [--rounds N] [--pool] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import platform
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out" / "submissions"
HELPDESK_VENV = BENCH / ".venv-helpdesk"
HELPDESK_SITE = OUT / "helpdesk-site"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"
TRACKER_DATABASE = "tracker_bench_submissions"
HELPDESK_DATABASE = "bench_helpdesk_submissions"
TARGET_RATIO = 3.0
PROFILE_SUBMISSIONS = 1000
PSYCOPG_POOL = "psycopg-pool==3.3.3"

# Everything django-helpdesk's virtual environment holds, pinned: the newest django-helpdesk
# (2.6.1, for Django 5.2 and 6.0 on Python 3.10+) with the Django, psycopg and uvicorn (with
# httptools and uvloop) that the product itself runs on, and what they need.
HELPDESK_PINS = (
    "anyio==4.16.0",
    "asgiref==3.13.0",
    "beautifulsoup4==4.15.0",
    "certifi==2026.10.19.post1",
    "charset-normalizer==3.5.3",
    "click==8.5.1",
    "Django==5.2.19",
    "django-cleanup==9.0.0",
    "django-helpdesk==2.6.1",
    "django-model-utils==5.0.0",
    "djangorestframework==3.18.3",
    "email-reply-parser==0.5.12",
    "h11==0.16.0",
    "httptools==0.9.0",
    "idna==3.20",
    "Markdown==3.11.3",
    "nh3==0.3.8",
    "oauthlib==4.0.1",
    "psycopg==3.3.9",
    "psycopg-binary==3.3.9",
    PSYCOPG_POOL,
    "python-dotenv==1.2.4",
    "PyYAML==6.0.4",
    "requests==2.34.2",
    "requests-oauthlib==2.0.0",
    "soupsieve==4.1.3",
    "sqlparse==0.6.1",
    "typing_extensions==4.16.0",
    "urllib3==2.8.0",
    "uvicorn==0.54.0",
    "uvloop==0.23.0",
    "watchfiles==1.3.0",
    "websockets==17.4",
)

# Both servers are started alike: one uvicorn process, httptools and uvloop, no access log. The
# keep-alive timeout (5 s by default) is raised so that the client's connection to one server
# stays open while the other side's round runs.
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

DESCRIPTION = (
    "A video on the provider's short-video feed shows a public figure saying things they never said. "
    "The face and voice are clearly generated, but the video carries no label saying so, neither in "
    "the picture nor in the description, and the comments show that many viewers believe it is real. "
    "Submission number {number}."
)
TITLE = "Unlabelled synthetic video {number}"
CONTENT_URL = "https://video.example.com/v/{number}"
EMAIL = "filer{number}@example.com"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=2000, help="submissions to time on each side (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds to split them into (default 5)")
    parser.add_argument(
        "--warmup", type=int, default=200, help="submissions sent to each side first and not counted (default 200)"
    )
    parser.add_argument(
        "--keep",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=(
            f"keep django-helpdesk's virtual environment ({HELPDESK_VENV.relative_to(ROOT)}) for the next run"
            " (default); it is reused when it holds exactly the pinned versions, rebuilt otherwise"
        ),
    )
    parser.add_argument(
        "--pool",
        action="store_true",
        help=f"serve django-helpdesk with Django's psycopg connection pool too (OPTIONS pool=True, {PSYCOPG_POOL})"
        " instead of a new connection per request; the product always runs with its shipped pool",
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help=f"PostgreSQL server (default {DEFAULT_POSTGRES})")
    parser.add_argument(
        "--profile",
        action="store_true",
        help=f"afterwards, break batches of {PROFILE_SUBMISSIONS} more of the product's submissions down, in"
        " process, by SQL statement and by function (not counted)",
    )
    parser.add_argument("--profile-worker", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.submissions < args.rounds or args.rounds < 1 or args.warmup < 0:
        parser.error("--rounds must be positive, --submissions at least --rounds, the others not negative")
    return args


# --- Databases ------------------------------------------------------------------------------


def database_url(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def recreate_database(server: str, name: str) -> None:
    """Drop and create a bench database, connected to the server's `postgres` database."""
    # Dropped without asking: never let a typo point this at real data.
    if not name.startswith(("bench_", "tracker_bench")):
        raise SystemExit(f"Refusing to drop database {name!r}: not a bench database.")
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def count_rows(server: str, name: str, tables: tuple[str, ...]) -> dict[str, int]:
    counts = {}
    with psycopg.connect(database_url(server, name)) as connection:
        for table in tables:
            row = connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
            counts[table] = int(row[0]) if row else -1
    return counts


# --- django-helpdesk: virtual environment and site -------------------------------------------


def _canonical(requirement: str) -> str:
    name, _, version = requirement.partition("==")
    return f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}"


def helpdesk_python() -> Path:
    return HELPDESK_VENV / "bin" / "python"


def installed_pins() -> set[str] | None:
    if not helpdesk_python().exists():
        return None
    frozen = subprocess.run(
        [helpdesk_python(), "-m", "pip", "freeze", "--all", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=False,
    )
    if frozen.returncode != 0:
        return None
    ignored = {"pip", "setuptools", "wheel"}
    return {_canonical(line) for line in frozen.stdout.split() if line.partition("==")[0].lower() not in ignored}


def ensure_helpdesk_venv() -> str:
    """django-helpdesk's virtual environment: reused when it holds exactly the pins, else rebuilt."""
    if installed_pins() == {_canonical(pin) for pin in HELPDESK_PINS}:
        return "reused (pinned versions match)"
    shutil.rmtree(HELPDESK_VENV, ignore_errors=True)
    # The interpreter the product's own environment was made from, so both sides run the same Python.
    base_python = Path(sys.base_prefix) / "bin" / "python3"
    started = time.perf_counter()
    subprocess.run([base_python, "-m", "venv", HELPDESK_VENV], check=True)
    pins = HELPDESK_VENV / "bench-requirements.txt"
    pins.write_text("\n".join(HELPDESK_PINS) + "\n")
    installed = subprocess.run(
        [helpdesk_python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", pins],
        capture_output=True,
        text=True,
        check=False,
    )
    if installed.returncode != 0:
        raise SystemExit(f"pip could not install django-helpdesk's pins:\n{installed.stdout}\n{installed.stderr}")
    return f"created with {base_python} -m venv and pip in {time.perf_counter() - started:.0f} s"


HELPDESK_SETTINGS = '''\
"""A minimal site serving django-helpdesk, as its installation documentation describes it."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = os.environ["ALLOWED_HOSTS"].split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # for the site's address in e-mails
    "django.contrib.humanize",  # for elapsed times in the templates
    "rest_framework",  # for helpdesk's API, whose routes helpdesk.urls imports
    "helpdesk",
]
# Teams (pinax-teams) are off: no team app is installed.
HELPDESK_TEAMS_MODE_ENABLED = False

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "hdsite.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
ASGI_APPLICATION = "hdsite.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["HELPDESK_DB_NAME"],
        "USER": os.environ["HELPDESK_DB_USER"],
        "HOST": os.environ["HELPDESK_DB_HOST"],
        "PORT": os.environ["HELPDESK_DB_PORT"],
    }
}
if os.environ.get("HELPDESK_DB_POOL") == "1":
    DATABASES["default"]["OPTIONS"] = {"pool": True}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1

LOGIN_URL = "helpdesk:login"
LOGIN_REDIRECT_URL = "helpdesk:home"

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.com"
SERVER_EMAIL = "helpdesk@example.com"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
'''

HELPDESK_URLS = """\
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("helpdesk/", include("helpdesk.urls")),
]
"""

HELPDESK_ASGI = """\
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdsite.settings")
application = get_asgi_application()
"""

HELPDESK_MANAGE = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""


def write_helpdesk_site() -> None:
    shutil.rmtree(HELPDESK_SITE, ignore_errors=True)
    package = HELPDESK_SITE / "hdsite"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(HELPDESK_SETTINGS)
    (package / "urls.py").write_text(HELPDESK_URLS)
    (package / "asgi.py").write_text(HELPDESK_ASGI)
    (HELPDESK_SITE / "manage.py").write_text(HELPDESK_MANAGE)


# --- The two sites: environment, set-up, serving -------------------------------------------


def base_environment() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(name, None)
    return env


def tracker_environment(server: str, pool: bool) -> dict[str, str]:
    # The product ships with its connection pool on (DB_POOL); --pool gives django-helpdesk one
    # too, so that both are also compared on equal database settings.
    return {
        **base_environment(),
        "DB_POOL": "1",
        "DATABASE_URL": database_url(server, TRACKER_DATABASE),
        "DEBUG": "0",
        "SECRET_KEY": "bench-submissions-only-never-deployed",
        "ALLOWED_HOSTS": "127.0.0.1",
        "RATE_LIMIT_SUBMIT": "100000000/60",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TRACKER_VAR_DIR": str(OUT / "tracker-var"),
    }


def helpdesk_environment(server: str, pool: bool) -> dict[str, str]:
    parts = urlsplit(server)
    return {
        **base_environment(),
        "HELPDESK_DB_NAME": HELPDESK_DATABASE,
        "HELPDESK_DB_USER": parts.username or "postgres",
        "HELPDESK_DB_HOST": parts.hostname or "127.0.0.1",
        "HELPDESK_DB_PORT": str(parts.port or 5432),
        "SECRET_KEY": "bench-submissions-only-never-deployed",
        "ALLOWED_HOSTS": "127.0.0.1",
        "HELPDESK_DB_POOL": "1" if pool else "0",
    }


def run_checked(command: list[Any], *, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shown = " ".join(str(part) for part in command)
        raise SystemExit(f"{shown} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def set_up_tracker(env: dict[str, str]) -> None:
    """Migrate the fresh database and create the one provider the public files with."""
    python = ROOT / ".venv" / "bin" / "python"
    run_checked([python, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env)
    create = (
        "from accounts.models import Organisation; "
        "Organisation.objects.create(slug='bench-provider', name='Bench provider', kind='provider')"
    )
    run_checked([python, "manage.py", "shell", "-c", create], cwd=ROOT, env=env)


def set_up_helpdesk(env: dict[str, str]) -> None:
    """Migrate the fresh database (which loads helpdesk's e-mail templates) and create a queue
    open to public submissions."""
    run_checked([helpdesk_python(), "manage.py", "migrate", "--noinput"], cwd=HELPDESK_SITE, env=env)
    create = (
        "from helpdesk.models import Queue; "
        "Queue.objects.create(title='Public complaints', slug='public', allow_public_submission=True)"
    )
    run_checked([helpdesk_python(), "manage.py", "shell", "-c", create], cwd=HELPDESK_SITE, env=env)


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


@contextmanager
def serving(name: str, python: Path, app: str, cwd: Path, env: dict[str, str]) -> Iterator[Server]:
    """uvicorn serving `app` as a process of its own, stopped (and killed if need be) on leaving."""
    port = free_port()
    log_path = OUT / f"{name}-server.log"
    command = [python, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), *UVICORN_OPTIONS]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_listening(process, port, log_path)
            yield Server(name=name, port=port, pid=process.pid, log=log_path)
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


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


# --- The client -----------------------------------------------------------------------------


class CountingConnection(http.client.HTTPConnection):
    """An HTTP/1.1 keep-alive connection that counts how often it had to (re)connect."""

    connects = 0

    def connect(self) -> None:
        self.connects += 1
        super().connect()


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class Client:
    """One keep-alive connection and the cookies the site set, as a browser would keep them."""

    def __init__(self, port: int) -> None:
        self.origin = f"http://127.0.0.1:{port}"
        self.connection = CountingConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        sent = {"Origin": self.origin, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        answer = Answer(response.status, response.headers, response.read())
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return answer

    def close(self) -> None:
        self.connection.close()


def refuse(product: str, expected: str, answer: Answer) -> None:
    text = answer.body.decode("utf-8", "replace")
    raise SystemExit(f"{product}: expected {expected}, got HTTP {answer.status}; the run is void.\n{text[:4000]}")


class Site:
    """A site taking public submissions: builds request bodies, sends one, checks the answer."""

    label: str

    def __init__(self, server: Server) -> None:
        self.server = server
        self.client = Client(server.port)

    def bodies(self, start: int, count: int) -> list[bytes]:
        raise NotImplementedError

    def submit(self, body: bytes) -> None:
        raise NotImplementedError


def complaint(number: int) -> dict[str, Any]:
    """The product's JSON for a complaint with contact details, given with consent."""
    return {
        "category": "unlabelled_synthetic",
        "title": TITLE.format(number=number),
        "description": DESCRIPTION.format(number=number),
        "content_urls": [CONTENT_URL.format(number=number)],
        "contact_email": EMAIL.format(number=number),
        "consent": True,
    }


class TrackerApi(Site):
    label = "Tracker, public API"
    path = "/api/v1/public/complaints/"

    def bodies(self, start: int, count: int) -> list[bytes]:
        return [json.dumps(complaint(number)).encode() for number in range(start, start + count)]

    def submit(self, body: bytes) -> None:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        answer = self.client.request("POST", self.path, body, headers)
        if answer.status != 201:
            refuse(self.label, "201 Created", answer)


class HelpdeskForm(Site):
    """django-helpdesk's public form. Its page is fetched once for the CSRF cookie and token and
    the public queue's id; every submission then reuses them, as a browser does for one visitor."""

    label = "django-helpdesk, public form"
    path = "/helpdesk/tickets/submit/"

    def __init__(self, server: Server) -> None:
        super().__init__(server)
        page = self.client.request("GET", self.path)
        if page.status != 200:
            refuse(self.label, "200 for the form page", page)
        html = page.body.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        queue = re.search(r'<option value="(\d+)">Public complaints</option>', html)
        if token is None or queue is None or "csrftoken" not in self.client.cookies:
            raise SystemExit(f"{self.label}: no CSRF token, cookie or public queue in the form page:\n{html[:4000]}")
        self.csrf_token = token.group(1)
        self.queue_id = queue.group(1)

    def bodies(self, start: int, count: int) -> list[bytes]:
        # The form's own fields; attachment left out and due date left blank, as a visitor would.
        # Sent url-encoded: the page's form says multipart, which Django parses more slowly.
        return [
            urlencode(
                {
                    "csrfmiddlewaretoken": self.csrf_token,
                    "queue": self.queue_id,
                    "title": TITLE.format(number=number),
                    "body": DESCRIPTION.format(number=number) + "\n\nContent: " + CONTENT_URL.format(number=number),
                    "priority": "3",
                    "due_date": "",
                    "submitter_email": EMAIL.format(number=number),
                }
            ).encode()
            for number in range(start, start + count)
        ]

    def submit(self, body: bytes) -> None:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = self.client.request("POST", self.path, body, headers)
        if answer.status != 302 or not str(answer.headers.get("Location", "")).startswith("/helpdesk/view/?ticket="):
            refuse(self.label, "302 to the new ticket's page", answer)


# --- Measuring ------------------------------------------------------------------------------


@dataclass
class Rate:
    count: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    @property
    def ms_each(self) -> float:
        return 1000 * self.seconds / self.count

    def percentile_ms(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def add(self, other: Rate) -> None:
        self.count += other.count
        self.seconds += other.seconds
        self.latencies.extend(other.latencies)


def send(site: Site, start: int, count: int) -> Rate:
    """`count` submissions one after another; bodies are built before the clock starts."""
    bodies = site.bodies(start, count)
    latencies = []
    started = time.perf_counter()
    for body in bodies:
        sent = time.perf_counter()
        site.submit(body)
        latencies.append(time.perf_counter() - sent)
    return Rate(count, time.perf_counter() - started, latencies)


def shares(total: int, parts: int) -> list[int]:
    """`total` split into `parts` near-equal whole numbers."""
    return [total // parts + (1 if part < total % parts else 0) for part in range(parts)]


@dataclass
class Totals:
    ours: Rate = field(default_factory=Rate)
    theirs: Rate = field(default_factory=Rate)
    round_ratios: list[float] = field(default_factory=list)


def measure(ours: Site, theirs: Site, *, warmup: int, submissions: int, rounds: int) -> Totals:
    send(ours, 0, warmup)
    send(theirs, 0, warmup)
    totals = Totals()
    start = warmup
    for number, count in enumerate(shares(submissions, rounds)):
        # Each round both sides, the one going first alternating from round to round.
        if number % 2 == 0:
            our_round, their_round = send(ours, start, count), send(theirs, start, count)
        else:
            their_round, our_round = send(theirs, start, count), send(ours, start, count)
        totals.ours.add(our_round)
        totals.theirs.add(their_round)
        totals.round_ratios.append(our_round.per_second / their_round.per_second)
        start += count
    return totals


# --- Facts ----------------------------------------------------------------------------------


def postgres_facts(server: str) -> list[tuple[str, str]]:
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as connection:

        def setting(name: str) -> str:
            row = connection.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
            return str(row[0]) if row else "?"

        durations = []
        for _ in range(300):
            started = time.perf_counter()
            connection.execute("SELECT 1").fetchone()
            durations.append(time.perf_counter() - started)
        connects = []
        for _ in range(30):
            started = time.perf_counter()
            psycopg.connect(database_url(server, TRACKER_DATABASE)).close()
            connects.append(time.perf_counter() - started)
        return [
            ("PostgreSQL", f"{setting('server_version')}, on {urlsplit(server).hostname}"),
            ("fsync / synchronous_commit", f"{setting('fsync')} / {setting('synchronous_commit')}"),
            ("SELECT 1 round trip", f"{1000 * statistics.median(durations):.3f} ms (median)"),
            ("New connection (psycopg)", f"{1000 * statistics.median(connects):.2f} ms (median, connect + close)"),
        ]


ACTIVITY = {
    "sessions": "sessions",
    "xact_commit": "transactions",
    "tup_inserted": "rows inserted",
    "tup_updated": "rows updated",
    "tup_fetched": "rows fetched",
}


def database_activity(server: str) -> dict[str, dict[str, int]]:
    """PostgreSQL's counters of each bench database so far: sessions opened, transactions
    committed, rows written and read. Read from the `postgres` database, so that reading adds
    nothing, and once the servers have stopped, so that their sessions have reported all."""
    columns = sql.SQL(", ").join(sql.Identifier(column) for column in ACTIVITY)
    query = sql.SQL("SELECT datname, {} FROM pg_stat_database WHERE datname = ANY(%s)").format(columns)
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as connection:
        rows = connection.execute(query, ([TRACKER_DATABASE, HELPDESK_DATABASE],)).fetchall()
    return {str(row[0]): dict(zip(ACTIVITY, (int(value) for value in row[1:]), strict=True)) for row in rows}


def activity_rows(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]], submissions: int) -> list[str]:
    rows = ["Per submission, from pg_stat_database over warm-up and rounds:"]
    for label, name in (("tracker", TRACKER_DATABASE), ("django-helpdesk", HELPDESK_DATABASE)):
        spent = {column: (after[name][column] - before[name][column]) / submissions for column in ACTIVITY}
        rows.append(
            f"  {label + ':':<17}" + ", ".join(f"{spent[column]:.2f} {text}" for column, text in ACTIVITY.items())
        )
    return rows


def version_of(python: Path, *modules: str) -> list[str]:
    code = (
        "import importlib.metadata as m, platform, sys; "
        "print(platform.python_version(), *(m.version(n) for n in sys.argv[1:]))"
    )
    done = subprocess.run([python, "-c", code, *modules], capture_output=True, text=True, check=True)
    return done.stdout.split()


def project_revision() -> str:
    def git(*arguments: str) -> str:
        done = subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no")
    return commit + (" with uncommitted changes" if changed else "")


def machine_facts(
    server: str, pool: bool, load_before: tuple[float, float, float], load_after: tuple[float, float, float]
) -> list[tuple[str, str]]:
    modules = ("django", "psycopg", "uvicorn", "httptools", "uvloop")
    python, django, psycopg_version, *served = version_of(ROOT / ".venv" / "bin" / "python", *modules)
    hd_python, hd_django, hd_psycopg, *hd_served, helpdesk = version_of(helpdesk_python(), *modules, "django-helpdesk")

    def uvicorn(versions: list[str]) -> str:
        return f"uvicorn {versions[0]} (httptools {versions[1]}, uvloop {versions[2]})"

    return [
        ("CPU count", str(os.cpu_count())),
        ("Platform", platform.platform()),
        ("Python", f"{python} (product), {hd_python} (django-helpdesk)"),
        ("Django", f"{django} (product), {hd_django} (django-helpdesk)"),
        ("django-helpdesk", helpdesk),
        ("psycopg", f"{psycopg_version} (product), {hd_psycopg} (django-helpdesk)"),
        ("Server, both sides", f"{uvicorn(served)} / {uvicorn(hd_served)}: one process each, ASGI, no access log"),
        (
            "Database connections",
            f"Django's psycopg pool on both sides (the product's default; {PSYCOPG_POOL} for django-helpdesk)"
            if pool
            else "product: its psycopg pool (default); django-helpdesk: a new one per request (Django's default)",
        ),
        *postgres_facts(server),
        # Other work on the machine (a test run, a build) slows both sides unevenly.
        ("Load average before the run", " / ".join(f"{load:.2f}" for load in load_before) + " (1/5/15 min)"),
        ("Load average after the rounds", " / ".join(f"{load:.2f}" for load in load_after) + " (1/5/15 min)"),
        ("Product revision", project_revision()),
    ]


def report(facts: list[tuple[str, str]], totals: Totals, args: argparse.Namespace, rows: list[str]) -> None:
    print("\n=== Public submissions per second over HTTP: the product vs django-helpdesk ===")
    for name, value in facts:
        print(f"{name + ':':<30} {value}")
    print(f"{'Client:':<30} http.client, one keep-alive connection per side, one request at a time")
    print(f"{'Warm-up (not counted):':<30} {args.warmup} submissions per side")
    print(f"{'N:':<30} {args.submissions} submissions per side, in {args.rounds} alternating rounds")
    print()
    for label, rate in (("Tracker (public API, 201)", totals.ours), ("django-helpdesk (form, 302)", totals.theirs)):
        print(
            f"{label + ':':<30} {rate.per_second:8.1f} /s  ({rate.ms_each:.3f} ms each;"
            f" p50 {rate.percentile_ms(0.5):.3f} ms, p99 {rate.percentile_ms(0.99):.3f} ms)"
        )
    ratio = totals.ours.per_second / totals.theirs.per_second
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"{'Ratio tracker / helpdesk:':<30} {ratio:8.2f}     (target >= {TARGET_RATIO:g}: {verdict})")
    print(f"{'Ratio per round:':<30} {', '.join(f'{r:.2f}' for r in totals.round_ratios)}")
    print()
    for row in rows:
        print(row)


def check_rows(server: str, expected: int) -> list[str]:
    """Count what the submissions left in both databases; refuse to report work that did not happen."""
    ours = count_rows(
        server, TRACKER_DATABASE, ("cases_case", "cases_event", "cases_datasubject", "notifications_outboxmessage")
    )
    theirs = count_rows(server, HELPDESK_DATABASE, ("helpdesk_ticket", "helpdesk_followup"))
    if ours["cases_case"] != expected or theirs["helpdesk_ticket"] != expected:
        raise SystemExit(f"Expected {expected} cases and {expected} tickets; found {ours} and {theirs}.")
    return [
        "Rows afterwards (warm-up included): tracker "
        + ", ".join(f"{table} {count}" for table, count in ours.items())
        + "; django-helpdesk "
        + ", ".join(f"{table} {count}" for table, count in theirs.items()),
    ]


# --- Profiling the product's side (optional, in process) ------------------------------------

_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


def query_label(statement: str) -> str:
    """'SELECT accounts_organisation', 'INSERT cases_event'…: verb and table."""
    verb = statement.lstrip().split(None, 1)[0].upper()
    table = _TABLE.search(statement)
    return f"{verb} {table.group(1) if table else ''}".strip()


@dataclass
class StepLog:
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


# What execute wrappers do not see, timed by wrapping the connection's methods.
CONNECTION_STEPS = {
    "get_new_connection": "connect (or take from the pool)",
    "init_connection_state": "connect: Django's session set-up",
    "_commit": "COMMIT",
    "_close": "close (or return to the pool)",
}


@contextmanager
def connection_steps_timed(log: StepLog) -> Iterator[None]:
    from django.db import connection

    def wrap(name: str, label: str) -> None:
        original = getattr(connection, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                log.add(label, started)

        setattr(connection, name, timed)

    for name, label in CONNECTION_STEPS.items():
        wrap(name, label)
    try:
        yield
    finally:
        for name in CONNECTION_STEPS:
            delattr(connection, name)  # back to the class's methods


def profile_worker(count: int) -> None:
    """In this process, with the product's settings: file complaints through Django's request
    handling (the test client: the whole middleware stack and the view, no HTTP server), timed
    step by step, first releasing the database connection after every request as the server does
    (closing it, or returning it to the pool with --pool), then keeping one connection throughout;
    finally under cProfile, as served."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import close_old_connections, connection
    from django.test import Client as DjangoClient

    client = DjangoClient(HTTP_HOST="127.0.0.1")
    numbers = iter(range(10**6, 2 * 10**6))

    def file(reconnect: bool) -> float:
        started = time.perf_counter()
        for number in [next(numbers) for _ in range(count)]:
            response = client.post(TrackerApi.path, complaint(number), content_type="application/json")
            if response.status_code != 201:
                raise SystemExit(f"In-process submission failed: {response.status_code} {response.content[:2000]!r}")
            if reconnect:
                # What request_started and request_finished do in the server with CONN_MAX_AGE=0
                # (with a pool: give the connection back); the test client leaves them out.
                close_old_connections()
        return time.perf_counter() - started

    file(reconnect=True)  # warm-up
    for title, reconnect in (
        ("the connection released after every request, as served", True),
        ("one database connection kept throughout", False),
    ):
        log = StepLog()
        with connection.execute_wrapper(log), connection_steps_timed(log):
            seconds = file(reconnect)
        print(f"\nIn process, {title}: {count} submissions, {1000 * seconds / count:.3f} ms each")
        print(f"  {'step':<44} {'per item':>8} {'ms/item':>8} {'share':>6}")
        accounted = 0.0
        for label, spent in sorted(log.seconds.items(), key=lambda item: -item[1]):
            accounted += spent
            share = spent / seconds
            print(f"  {label:<44} {log.counts[label] / count:8.2f} {1000 * spent / count:8.3f} {share:6.1%}")
        rest = seconds - accounted
        print(f"  {'Python and everything else':<44} {'':>8} {1000 * rest / count:8.3f} {rest / seconds:6.1%}")

    profiler = cProfile.Profile()
    profiler.enable()
    file(reconnect=True)
    profiler.disable()
    site_packages = f"{ROOT}/.venv/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages/"
    for title, sort, pattern, limit in (
        ("project functions by cumulative time", "cumulative", rf"^{re.escape(str(ROOT))}/(?!bench/|\.venv/)", 25),
        ("all functions by own time", "tottime", "", 20),
    ):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(sort)
        if pattern:
            stats.print_stats(pattern, limit)
        else:
            stats.print_stats(limit)
        listing = out.getvalue().replace(site_packages, "").replace(f"{ROOT}/", "")
        print(f"\nUnder cProfile ({count} submissions, as served; cProfile slows Python down), {title}:")
        print(listing[listing.index("   ncalls") :].rstrip())


def profile(server: str, pool: bool) -> None:
    print(
        f"\n=== Profile of the product's side ({4 * PROFILE_SUBMISSIONS} more submissions, not counted above) ===",
        flush=True,
    )
    worker = [sys.executable, __file__, "--profile-worker", str(PROFILE_SUBMISSIONS)]
    if subprocess.run(worker, cwd=ROOT, env=tracker_environment(server, pool), check=False).returncode != 0:
        raise SystemExit("The profile failed; see above.")


# --- Main -----------------------------------------------------------------------------------


def set_up(server: str, pool: bool) -> tuple[dict[str, str], dict[str, str]]:
    """Both sites ready to serve, on fresh databases; their environments."""
    venv = ensure_helpdesk_venv()
    print(f"django-helpdesk environment {HELPDESK_VENV.relative_to(ROOT)}: {venv}")
    write_helpdesk_site()
    tracker_env, helpdesk_env = tracker_environment(server, pool), helpdesk_environment(server, pool)
    started = time.perf_counter()
    for name in (TRACKER_DATABASE, HELPDESK_DATABASE):
        recreate_database(server, name)
    set_up_tracker(tracker_env)
    set_up_helpdesk(helpdesk_env)
    print(
        f"Databases {TRACKER_DATABASE} and {HELPDESK_DATABASE} created and migrated afresh"
        f" in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return tracker_env, helpdesk_env


def exit_on_signal(number: int, _frame: object) -> None:
    # Raised as SystemExit, so that every `finally` runs and the servers started are stopped.
    raise SystemExit(f"Stopped by signal {signal.Signals(number).name}.")


def main() -> None:
    args = parse_args()
    if args.profile_worker:
        profile_worker(args.profile_worker)
        return
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, exit_on_signal)
    load_before = os.getloadavg()
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        tracker_env, helpdesk_env = set_up(args.postgres, args.pool)
        tracker_python = ROOT / ".venv" / "bin" / "python"
        with ExitStack() as stack:
            # Every server started here is stopped on leaving, whatever happens.
            ours = TrackerApi(
                stack.enter_context(serving("tracker", tracker_python, "tracker.asgi:application", ROOT, tracker_env))
            )
            theirs = HelpdeskForm(
                stack.enter_context(
                    serving("helpdesk", helpdesk_python(), "hdsite.asgi:application", HELPDESK_SITE, helpdesk_env)
                )
            )
            stack.callback(ours.client.close)
            stack.callback(theirs.client.close)
            activity_before = database_activity(args.postgres)
            totals = measure(ours, theirs, warmup=args.warmup, submissions=args.submissions, rounds=args.rounds)
        load_after = os.getloadavg()
        activity_after = database_activity(args.postgres)

        rows = check_rows(args.postgres, args.warmup + args.submissions)
        requests = args.warmup + args.submissions
        rows.append(
            f"HTTP connections opened by the client: tracker {ours.client.connection.connects},"
            f" django-helpdesk {theirs.client.connection.connects}"
        )
        rows.extend(activity_rows(activity_before, activity_after, requests))
        report(machine_facts(args.postgres, args.pool, load_before, load_after), totals, args, rows)
        if args.profile:
            profile(args.postgres, args.pool)
    finally:
        if not args.keep:
            shutil.rmtree(HELPDESK_VENV, ignore_errors=True)


if __name__ == "__main__":
    main()
