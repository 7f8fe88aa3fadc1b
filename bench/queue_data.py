"""A million cases for the queue and history benchmarks, written fast and verifiable.

How the data is made:

1. The demo data (`seed_demo`) and a few more complaints are made through the real commands:
   every kind's events, as the product records them. These are the *templates*.
2. A second provider organisation, a set of agents in each provider, and the user the
   benchmarks log in as are created.
3. Each generated case copies one template's events with a new case id, reference,
   organisation, assignee, priority and a shift in time (its due times move with it). Each
   copied event is hashed through `cases.eventstore.event_hash` (the event store's own
   canonical encoding), chained to the one before it, numbered as the next leaf of the
   global log (`ledger_leaf`, the leaf counter), and the case row is the projection the
   event apply functions build from those events (`cases.rebuild.replay`). So
   `verify_ledger` and `rebuild_projections --check` pass on the result.
4. Rows go in with COPY, in chunks, one transaction per chunk. A marker row written at the
   very end says the data is complete and which code made it (`data_fingerprint`); `--reuse`
   keeps such a database only while that code is unchanged.

Templates with enforcement measures (their own rows beside the case) are not copied: copies
would lack the rows. Every filing has a data subject (anonymous ones too); the copies of a
template share its subject and so its key, which the queue and the history never need per
case (erasing that subject in a bench database would blank the personal text of all of them).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from vault_key import PERSONAL_DATA_KEYS

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "queue"
SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "queue_bench_million"
QUICK_DATABASE = "queue_bench_quick"
SECRET_KEY = "bench-queue-only-never-deployed"  # noqa: S105
MARKER_TABLE = "bench_queue_data"
AGENTS_PER_PROVIDER = 25
BENCH_PASSWORD = "bench-queue-password-2026"  # noqa: S105 - a bench database's throwaway login
BENCH_USERNAME = "bench-queue-agent"
SECOND_PROVIDER = "bench-provider-b"
CHUNK_CASES = 20_000

# How often each kind of template is copied: most cases are long finished, a few are open.
# (state of the complaint template, weight); other kinds share OTHER_KINDS_WEIGHT.
COMPLAINT_WEIGHTS = {
    "closed": 70.0,
    "rejected_closed": 8.0,
    "resolved": 2.0,
    "submitted": 4.0,
    "submitted_assigned": 2.0,
    "triaged": 3.0,
    "investigating": 3.0,
    "awaiting_complainant": 1.5,
    "investigating_again": 1.0,
    "noted": 0.5,
}
# The other kinds, per kind (shared by its templates): appeals and rumours now and then,
# incidents rarely, and what a regulator sends a provider (orders, reports) very rarely.
OTHER_KIND_WEIGHTS = {
    "appeal": 1.0,
    "rumor": 1.0,
    "incident": 0.3,
    "rectification_order": 0.01,
    "regulator_report": 0.01,
}
# Open cases were filed in the last weeks; finished ones over the past year.
OPEN_SHIFT_DAYS = (-21.0, 0.5)
DONE_SHIFT_DAYS = (-400.0, -21.0)

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_PERSON_KEYS = frozenset({"assignee_id", "original_decider", "user_id"})


def log(message: str) -> None:
    print(message, flush=True)


# --- Helpers that belong in bench/common.py (machine facts, databases, servers, a client) ---


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = share * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name or not name.startswith("queue_"):
        raise SystemExit(f"Refusing to drop database {name!r}: it must start with 'queue_' and contain 'bench'.")
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def tracker_environment(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    env.update(
        DATABASE_URL=url,
        DB_POOL="1",
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        PERSONAL_DATA_KEYS=PERSONAL_DATA_KEYS,
        # The in-process client (for query counts) is "testserver".
        ALLOWED_HOSTS="127.0.0.1,testserver",
        # Plain HTTP on loopback, as a server behind a TLS-terminating proxy sees it.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        LOG_LEVEL="WARNING",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        TRACKER_VAR_DIR=str(OUT / "tracker-var"),
    )
    return env


def setup_django(url: str, *, migrate: bool) -> None:
    os.environ.update(tracker_environment(url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tracker.settings"
    # The in-process client for query counts reads the same database without a pool.
    os.environ["DB_POOL"] = "0"
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)


@contextmanager
def uvicorn_server(
    name: str, python: Path, app: str, cwd: Path, env: dict[str, str], interface: str = "asgi3"
) -> Iterator[int]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench.common import UVICORN_OPTIONS, free_port, stop, wait_until_listening

    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = OUT / f"{name}-server.log"
    command = [str(python), "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), *UVICORN_OPTIONS]
    command += ["--interface", interface]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            wait_until_listening(process, port, log_path)
            yield port
        finally:
            stop(process)


# --- The client -----------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP connection carrying a session cookie."""

    def __init__(self, port: int, cookie: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = cookie

    def get(self, path: str) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        self.connection.request("GET", path, headers={"Cookie": self.cookie, "Accept": "text/html,application/json"})
        response = self.connection.getresponse()
        body = response.read()
        return response.status, body, (time.perf_counter() - started) * 1000

    def timed(self, path: str, repeat: int) -> list[float]:
        times = []
        for _ in range(repeat):
            status, body, ms = self.get(path)
            if status != 200:
                raise SystemExit(f"GET {path} answered {status}: {body[:300]!r}")
            times.append(ms)
        return times


# --- Templates ------------------------------------------------------------------------------


@dataclass
class Template:
    name: str
    case_id: uuid.UUID
    reference: str
    organisation_id: int
    events: list[dict[str, Any]]  # type, schema_version, data, metadata, offset (timedelta)
    open: bool
    weight: float = 1.0


@dataclass
class World:
    providers: list[int]
    # organisation id -> its agents' user ids
    agents: dict[int, list[int]]
    template_staff: set[int]
    bench_user_id: int
    templates: list[Template] = field(default_factory=list)


def _complaint_templates(provider: Any, agent: Any) -> dict[str, uuid.UUID]:
    """Complaints in each state of their lifecycle, made through the commands."""
    from accounts.actors import Actor
    from cases import commands

    public = Actor.public(request_id="bench-template")
    staff = Actor.for_user(agent, request_id="bench-template")
    made: dict[str, uuid.UUID] = {}

    def submit(number: int) -> uuid.UUID:
        return commands.complaint_submit(
            organisation=provider,
            actor=public,
            category=["unlabelled_synthetic", "label_removed", "impersonation_fraud", "false_information"][number % 4],
            description=f"合成视频没有标识 Synthetic video without a label, template {number}.",
            content_urls=[f"https://video.example.com/v/template-{number}"],
        ).case.id

    steps: list[tuple[str, dict[str, Any]]] = [
        ("complaint_assign", {"assignee_id": agent.pk}),
        ("complaint_accept", {"note": "Within scope of the labelling rules."}),
        ("complaint_start_investigation", {}),
        ("complaint_request_information", {"question": "Where did you first see the video?"}),
        ("complaint_receive_information", {"text": "On the provider's short-video feed."}),
        ("complaint_resolve", {"outcome": "no_violation", "measures": [], "summary": "The label was present."}),
        ("complaint_close", {}),
    ]
    stops = {
        "submitted": 0,
        "submitted_assigned": 1,
        "triaged": 2,
        "investigating": 3,
        "awaiting_complainant": 4,
        "investigating_again": 5,
        "resolved": 6,
        "closed": 7,
    }
    for number, (name, stop) in enumerate(stops.items()):
        case_id = submit(number)
        for version, (command, arguments) in enumerate(steps[:stop], start=1):
            getattr(commands, command)(case_id=case_id, actor=staff, expected_version=version, **arguments)
        made[name] = case_id
    # Most complaints are closed without a question to the filer: the common, shorter path.
    case_id = submit(98)
    for version, index in enumerate((0, 1, 2, 5, 6), start=1):
        command, arguments = steps[index]
        getattr(commands, command)(case_id=case_id, actor=staff, expected_version=version, **arguments)
    made["closed"] = case_id
    case_id = submit(99)
    for version, (command, arguments) in enumerate(steps[:3], start=1):
        getattr(commands, command)(case_id=case_id, actor=staff, expected_version=version, **arguments)
    commands.case_note_add(case_id=case_id, actor=staff, expected_version=4, note="Called the uploader; no answer.")
    made["noted"] = case_id
    return made


def build_world() -> World:
    """Seed the demo data, the templates, the second provider and the staff of both."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from accounts.models import Organisation, Role, User
    from cases.eventstore import Event
    from cases.models import Case, EnforcementMeasure
    from ledger.log import LEDGER_STREAM_ID

    call_command("seed_demo", force=True, verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    provider = Organisation.objects.get(slug="demo-provider")
    regulator = Organisation.objects.get(slug="demo-regulator")
    template_agent = User.objects.get(username="agent")
    second = Organisation.objects.create(slug=SECOND_PROVIDER, name="Bench provider B", kind="provider")
    regulator.supervised_providers.add(second)
    password = make_password(BENCH_PASSWORD)
    agents: dict[int, list[int]] = {}
    for organisation in (provider, second):
        users = [
            User(
                username=f"bench-{organisation.pk}-agent-{number}",
                role=Role.AGENT,
                organisation=organisation,
                password=password,
            )
            for number in range(AGENTS_PER_PROVIDER)
        ]
        User.objects.bulk_create(users)
        agents[organisation.pk] = list(
            User.objects.filter(username__startswith=f"bench-{organisation.pk}-agent-").values_list("pk", flat=True)
        )
    me = User.objects.create(username=BENCH_USERNAME, role=Role.AGENT, organisation=provider, password=password)
    agents[provider.pk].append(me.pk)

    complaints = _complaint_templates(provider, template_agent)
    template_staff = set(
        User.objects.filter(organisation=provider).exclude(pk__in=agents[provider.pk]).values_list("pk", flat=True)
    )
    world = World(providers=[provider.pk, second.pk], agents=agents, template_staff=template_staff, bench_user_id=me.pk)

    measured = set(EnforcementMeasure.objects.values_list("case_id", flat=True))
    named = {case_id: name for name, case_id in complaints.items()}
    rejected = (
        Case.objects.filter(kind="complaint", state="closed", organisation=provider)
        .filter(id__in=Event.objects.filter(type="complaint.rejected").values("stream_id"))
        .first()
    )
    others = []
    for case in Case.objects.filter(organisation=provider).order_by("created_at"):
        if case.id in measured or case.kind == "feature_entry":
            continue
        name = named.get(case.id)
        if name is None and case.kind == "complaint":
            if rejected is None or case.id != rejected.id:
                continue
            name = "rejected_closed"
        events = list(
            Event.objects.filter(stream_id=case.id).exclude(stream_id=LEDGER_STREAM_ID).order_by("stream_version")
        )
        start = events[0].occurred_at
        template = Template(
            name=name or f"{case.kind}:{case.state}",
            case_id=case.id,
            reference=case.reference,
            organisation_id=case.organisation_id,
            events=[
                {
                    "type": e.type,
                    "schema_version": e.schema_version,
                    "data": e.data,
                    "metadata": e.metadata,
                    "offset": e.occurred_at - start,
                    "start": start,
                }
                for e in events
            ],
            open=case.due_at is not None or case.paused_at is not None,
        )
        if name in COMPLAINT_WEIGHTS:
            template.weight = COMPLAINT_WEIGHTS[name]
        else:
            others.append(template)
        world.templates.append(template)
    kinds = [t.name.split(":")[0] for t in others]
    for template, kind in zip(others, kinds, strict=True):
        template.weight = OTHER_KIND_WEIGHTS.get(kind, 0.1) / kinds.count(kind)
    return world


# --- Copies ---------------------------------------------------------------------------------

# A copy differs from its template in a few values only. Each template event is encoded once
# with marks where those values go (private-use characters, which JSON leaves as they are);
# a copy is its parts joined with its own values, then hashed.
MARK = "\ue000"
_ORG = 987_654_321_001
_USER = 987_654_321_002
_PRIORITY = 987_654_321_003
_OCCURRED = dt.datetime(1111, 1, 1, tzinfo=dt.UTC)
_NUMBER_MARKS = {str(_ORG): "ORG", str(_USER): "USER", str(_PRIORITY): "PRIORITY"}


def _mark(name: str) -> str:
    return f"{MARK}{name}{MARK}"


def _parts(text: str) -> list[str]:
    """`text` split at its marks: literal, name, literal, name, ..., literal."""
    for number, name in _NUMBER_MARKS.items():
        text = text.replace(number, _mark(name))
    return text.split(MARK)


def _join(parts: list[str], values: dict[str, str]) -> str:
    return "".join(
        [values[part] if odd else part for odd, part in zip(_ODD_EVEN * (len(parts) // 2 + 1), parts, strict=False)]
    )


_ODD_EVEN = (False, True)


@dataclass
class Shape:
    """One template event, encoded with marks."""

    type: str
    schema_version: int
    offset: dt.timedelta
    canonical: list[str]  # the event store's canonical encoding
    data: list[str]  # the data as JSON
    metadata: list[str]


@dataclass
class TemplateShape:
    template: Template
    events: list[Shape]
    moments: list[dt.datetime]  # the template's own times, marked T0, T1, ... in the events


def _marked(value: Any, template: Template, world: World, moments: list[dt.datetime], key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _marked(v, template, world, moments, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_marked(v, template, world, moments) for v in value]
    if isinstance(value, str):
        if value == str(template.case_id):
            return _mark("ID")
        if value == template.reference:
            return _mark("REF")
        if _ISO_DATETIME.match(value):
            moments.append(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
            return _mark(f"T{len(moments) - 1}")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if key == "organisation_id" and value == template.organisation_id:
            return _ORG
        if key in _PERSON_KEYS and value in world.template_staff:
            return _USER
    return value


def shape_of(template: Template, world: World) -> TemplateShape:
    from cases.eventstore import canonical_encoding

    moments: list[dt.datetime] = []
    shapes = []
    for version, event in enumerate(template.events, start=1):
        data = _marked(event["data"], template, world, moments)
        if version == 1 and "priority" in data:
            data["priority"] = _PRIORITY
        metadata = _marked(event["metadata"], template, world, moments)
        canonical = canonical_encoding(
            stream_id=_mark("ID"),  # type: ignore[arg-type]  # str() of it is all the encoding takes
            stream_version=version,
            type=event["type"],
            schema_version=event["schema_version"],
            data=data,
            metadata=metadata,
            occurred_at=_OCCURRED,
            previous_hash=_mark("PREV"),
        ).decode()
        canonical = canonical.replace(_OCCURRED.isoformat(timespec="microseconds"), _mark("OCC"))
        shapes.append(
            Shape(
                type=event["type"],
                schema_version=event["schema_version"],
                offset=event["offset"],
                canonical=_parts(canonical),
                data=_parts(json.dumps(data, ensure_ascii=False, separators=(",", ":"))),
                metadata=_parts(json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))),
            )
        )
    return TemplateShape(template=template, events=shapes, moments=moments)


def _reference_body(number: int) -> str:
    from cases.references import REFERENCE_ALPHABET

    base = len(REFERENCE_ALPHABET)
    # Spread consecutive numbers over the alphabet (the multiplier is prime to 30**8).
    value = (number * 48_271 + 7_919) % base**8
    chars = []
    for _ in range(8):
        value, digit = divmod(value, base)
        chars.append(REFERENCE_ALPHABET[digit])
    return "".join(chars)


class Copier:
    """Makes the events of one new case from a template's shape."""

    def __init__(self, world: World, seed: int) -> None:
        self.world = world
        self.random = random.Random(seed)
        self.now = dt.datetime.now(dt.UTC)

    def values(self, shape: TemplateShape, reference: str) -> tuple[uuid.UUID, dt.datetime, dict[str, str]]:
        rnd = self.random
        organisation = self.world.providers[0] if rnd.random() < 0.6 else self.world.providers[1]
        case_id = uuid.UUID(int=rnd.getrandbits(128), version=4)
        low, high = OPEN_SHIFT_DAYS if shape.template.open else DONE_SHIFT_DAYS
        start = self.now + dt.timedelta(days=rnd.uniform(low, high))
        shift = start - shape.template.events[0]["start"]
        values = {
            "ID": str(case_id),
            "REF": reference,
            "ORG": str(organisation),
            "USER": str(rnd.choice(self.world.agents[organisation])),
            "PRIORITY": str(rnd.choices((1, 2, 3, 4), weights=(20, 55, 20, 5))[0]),
        }
        for number, moment in enumerate(shape.moments):
            values[f"T{number}"] = (moment + shift).isoformat(timespec="milliseconds")
        return case_id, start, values


class Copied:
    """What the apply functions read of an event."""

    __slots__ = ("data", "hash", "metadata", "occurred_at", "position", "stream_id", "stream_version", "type")

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)


# --- COPY -----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = str(value)
    if "\\" in text or "\n" in text or "\t" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return text


def _line(values: Iterator[Any] | list[Any]) -> str:
    return "\t".join(_text(v) for v in values) + "\n"


def generate(connection_url: str, total: int, seed: int = 2026) -> float:
    """Write `total` cases (Django must be set up on the database); return the seconds taken."""
    import hashlib

    import psycopg
    from django.db import connection

    from cases.models import Case
    from cases.rebuild import replay

    started = time.perf_counter()
    world = build_world()
    shapes = [shape_of(template, world) for template in world.templates]
    log(f"templates: {len(world.templates)} ({', '.join(sorted(t.name for t in world.templates))})")
    copier = Copier(world, seed)
    weights = [t.weight for t in world.templates]
    columns = [f.column for f in Case._meta.concrete_fields]
    attnames = [f.attname for f in Case._meta.concrete_fields]
    existing = set(Case.objects.values_list("reference", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(position), 0) FROM cases_event")
        position = cursor.fetchone()[0]
        cursor.execute("SELECT size FROM ledger_leafcounter WHERE id = 1")
        leaf = cursor.fetchone()[0]
    connection.close()

    event_sql = (
        "COPY cases_event (position, stream_id, stream_version, type, schema_version, data, metadata, "
        "occurred_at, previous_hash, hash) FROM STDIN"
    )
    leaf_sql = 'COPY ledger_leaf ("index", position, event_hash) FROM STDIN'
    case_sql = f"COPY cases_case ({', '.join(columns)}) FROM STDIN"
    number = 0
    made = 0
    events_written = 0
    sha256 = hashlib.sha256
    loads = json.loads
    with psycopg.connect(connection_url) as raw:
        while made < total:
            size = min(CHUNK_CASES, total - made)
            case_lines: list[str] = []
            event_lines: list[str] = []
            leaf_lines: list[str] = []
            for _ in range(size):
                made += 1
                number += 1
                shape = copier.random.choices(shapes, weights)[0]
                prefix = shape.template.reference[0]
                body = _reference_body(number)
                reference = f"{prefix}-{body[:4]}-{body[4:]}"
                while reference in existing:
                    number += 1
                    body = _reference_body(number)
                    reference = f"{prefix}-{body[:4]}-{body[4:]}"
                case_id, start, values = copier.values(shape, reference)
                previous = "0" * 64
                replayed: list[Any] = []
                stream = values["ID"]
                for version, event in enumerate(shape.events, start=1):
                    occurred = start + event.offset
                    values["OCC"] = occurred.isoformat(timespec="microseconds")
                    values["PREV"] = previous
                    digest = sha256(_join(event.canonical, values).encode()).hexdigest()
                    data = _join(event.data, values)
                    metadata = _join(event.metadata, values)
                    position += 1
                    replayed.append(
                        Copied(
                            position=position,
                            stream_id=case_id,
                            stream_version=version,
                            type=event.type,
                            data=loads(data),
                            metadata=loads(metadata),
                            occurred_at=occurred,
                            hash=digest,
                        )
                    )
                    if "\\" in data:
                        data = data.replace("\\", "\\\\")
                    if "\\" in metadata:
                        metadata = metadata.replace("\\", "\\\\")
                    event_lines.append(
                        f"{position}\t{stream}\t{version}\t{event.type}\t{event.schema_version}\t{data}\t"
                        f"{metadata}\t{values['OCC']}\t{previous}\t{digest}\n"
                    )
                    leaf_lines.append(f"{leaf}\t{position}\t{digest}\n")
                    leaf += 1
                    previous = digest
                case = replay(replayed)
                case_lines.append(_line([getattr(case, name) for name in attnames]))
                events_written += len(replayed)
            with raw.transaction():
                for statement, lines in ((case_sql, case_lines), (event_sql, event_lines), (leaf_sql, leaf_lines)):
                    with raw.cursor().copy(statement) as copy:
                        copy.write("".join(lines))
                raw.execute("UPDATE ledger_leafcounter SET size = %s WHERE id = 1", [leaf])
            elapsed = time.perf_counter() - started
            print(
                f"generated {made:,}/{total:,} cases, {events_written:,} events ({elapsed:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
        raw.execute("SELECT setval(pg_get_serial_sequence('cases_event', 'position'), %s)", [position])
        raw.execute(
            f"CREATE TABLE {MARKER_TABLE} (cases bigint, events bigint, bench_user_id bigint, seconds float,"
            " fingerprint text)"
        )
        raw.commit()
        raw.autocommit = True
        for table in ("cases_case", "cases_event", "ledger_leaf"):
            raw.execute(f"VACUUM ANALYZE {table}")
        seconds = time.perf_counter() - started
        raw.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, %s, %s, %s)",
            [made, events_written, world.bench_user_id, seconds, data_fingerprint()],
        )
    return seconds


# The code the generated rows depend on: this generator, and the apps whose rows it writes (their
# models, migrations, events, workflows and seed data). Pages and the API read the rows only.
_DATA_APPS = ("accounts", "cases", "ledger", "notifications")
_READERS_ONLY = ("web", "api", "templatetags")


def data_fingerprint() -> str:
    """A digest of the code that shapes the generated data; a database made by other code is
    generated again rather than reused."""
    import hashlib

    files = [Path(__file__)]
    for app in _DATA_APPS:
        files += [
            path
            for path in (ROOT / app).rglob("*.py")
            if not set(path.relative_to(ROOT / app).parts[:-1]) & set(_READERS_ONLY)
        ]
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def completed(connection_url: str) -> dict[str, Any] | None:
    """What the marker says of a complete generated database, or None."""
    import psycopg

    try:
        with psycopg.connect(connection_url) as raw:
            row = raw.execute(
                f"SELECT cases, events, bench_user_id, seconds, fingerprint FROM {MARKER_TABLE}"
            ).fetchone()
    except psycopg.Error:
        return None
    if row is None:
        return None
    return {"cases": row[0], "events": row[1], "bench_user_id": row[2], "seconds": row[3], "fingerprint": row[4]}


def prepare_data(url: str, cases: int, reuse: bool) -> dict[str, Any]:
    found = completed(url) if reuse else None
    if found is not None and found["fingerprint"] != data_fingerprint():
        print(f"Data: {urlsplit(url).path[1:]} was made by other code than this; generating it again")
        found = None
    if found is not None and found["cases"] >= cases:
        print(
            f"Data: reusing {urlsplit(url).path[1:]}: {found['cases']:,} cases, {found['events']:,} events "
            f"(generated earlier in {found['seconds']:.0f} s)"
        )
        setup_django(url, migrate=True)
        return found
    print(f"Data: generating {cases:,} cases into {urlsplit(url).path[1:]} (load before {load_average()})")
    recreate_database(url)
    setup_django(url, migrate=True)
    seconds = generate(url, cases)
    found = completed(url)
    assert found is not None
    print(
        f"Data: {found['cases']:,} cases, {found['events']:,} events generated in {seconds:.0f} s "
        f"({found['events'] / seconds:,.0f} events/s; load after {load_average()})"
    )
    return found
