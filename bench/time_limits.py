"""What the time limits cost: replaying the public compliance figures from the event log, and
the clock worker's tick over the generic targets.

Files CASES complaints spread over 90 days (the clock frozen at each filing time), takes
two in three to a first response and one in three to a decision, then reports:

- the median time of `cases.compliance.compliance_figures` (both windows, every kind), which
  /transparency/ caches for five minutes;
- one tick of `time_limits_tick` that records every breach owed (per case recorded), and
  the median of ticks that find nothing owed (what a worker costs when all is in order).

Runs in a throw-away test database next to the one DATABASE_URL names (Django's test database,
"test_<name>"), created and dropped by the script. From the project root:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> .venv/bin/python bench/time_limits.py
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

from vault_key import PERSONAL_DATA_KEYS

ROOT = Path(__file__).resolve().parent.parent
CASES = 600
RUNS = 5


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("PERSONAL_DATA_KEYS", PERSONAL_DATA_KEYS)
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        _run(connection.vendor)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def _run(vendor: str) -> None:
    from django.utils import timezone

    from accounts.actors import Actor
    from accounts.models import Organisation, Role, User
    from cases import commands
    from cases.commands.time_limits import time_limits_tick
    from cases.compliance import compliance_figures
    from cases.eventstore import Event
    from cases.sla import CHINA_TIME

    provider = Organisation.objects.create(slug="bench", name="Bench", kind=Organisation.Kind.PROVIDER)
    agent = Actor.for_user(User.objects.create_user(username="a", organisation=provider, role=Role.AGENT))
    start = dt.datetime(2026, 3, 2, 10, tzinfo=CHINA_TIME)
    now = start + dt.timedelta(days=90)
    real_now = timezone.now
    try:
        for number in range(CASES):
            filed_at = start + dt.timedelta(minutes=number * 90 * 24 * 60 // CASES)
            timezone.now = lambda moment=filed_at: moment  # type: ignore[assignment]
            case = commands.complaint_submit(
                organisation=provider, actor=Actor.public(), category="other", description=f"Case {number}."
            ).case
            if number % 3:
                timezone.now = lambda moment=filed_at + dt.timedelta(hours=5): moment  # type: ignore[assignment]
                commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
            if number % 3 == 1:
                commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
                commands.complaint_resolve(
                    case_id=case.id, actor=agent, expected_version=3, outcome="no_violation", summary="None."
                )
    finally:
        timezone.now = real_now  # type: ignore[assignment]

    samples = []
    for _ in range(RUNS):
        began = time.perf_counter()
        compliance_figures(now=now)
        samples.append(time.perf_counter() - began)
    began = time.perf_counter()
    recorded = time_limits_tick(now=now)
    first_tick = time.perf_counter() - began
    idle = []
    for _ in range(RUNS):
        began = time.perf_counter()
        assert time_limits_tick(now=now) == 0
        idle.append(time.perf_counter() - began)

    print(f"database: {vendor}; cases: {CASES}; events: {Event.objects.count()}; cpus: {os.cpu_count()}")
    print(f"compliance_figures (30 and 90 days, every kind): median {statistics.median(samples) * 1000:.0f} ms")
    each = first_tick / max(recorded, 1) * 1000
    print(f"first tick: {recorded} breaches in {first_tick * 1000:.0f} ms ({each:.2f} ms each)")
    print(f"tick with nothing owed: median {statistics.median(idle) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
