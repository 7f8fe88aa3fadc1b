"""What checking a filing against the feature library costs, with 1,000 approved entries.

Entries of every sort are approved (250 each: keyword lists, regular expressions, file digests
and accounts), then complaints are filed through `cases.commands.complaint_submit`. Reported,
as medians over the filings: reading the approved entries (one query), matching a filing
against them, and a whole filing with the library against one with an empty library.

Runs in a throw-away test database next to the one DATABASE_URL names (Django's test database,
"test_<name>"), created and dropped by the script. From the project root:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> .venv/bin/python bench/feature_matching.py
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from vault_key import PERSONAL_DATA_KEYS

ROOT = Path(__file__).resolve().parent.parent
ENTRIES_PER_SORT = 250
FILINGS = 50


def _median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.2f} ms"


def _timed(run: Callable[[], object], times: int) -> list[float]:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return samples


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
        _run(connection.vendor, name)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def _run(vendor: str, name: str) -> None:
    from accounts.actors import Actor
    from accounts.models import Organisation, Role, User
    from cases import commands
    from cases.feature_matching import Intake, approved_entries, intake_matches

    provider = Organisation.objects.create(slug="bench", name="Bench", kind=Organisation.Kind.PROVIDER)
    proposer = Actor.for_user(User.objects.create_user(username="p", organisation=provider, role=Role.AGENT))
    reviewer = Actor.for_user(User.objects.create_user(username="r", organisation=provider, role=Role.SUPERVISOR))
    public = Actor.public()

    def file_one() -> object:
        return commands.complaint_submit(
            organisation=provider,
            actor=public,
            category="impersonation_fraud",
            title="有人冒充客服",
            description="评论区有人冒充官方客服，说可以办理退款，让人先转账。" * 20,
            content_urls=["https://social.example.com/u/someone", "https://video.example.com/v/9001"],
        )

    empty_library = _timed(file_one, FILINGS)
    started = time.perf_counter()
    for n in range(ENTRIES_PER_SORT):
        for sort, syntax, value in (
            ("text", "keywords", f"关键词{n}\nkeyword-{n}"),
            ("text", "regex", rf"pattern-{n}\d+[a-z]{{2,4}}"),
            ("account", "", f"account-{n}"),
            ("file", "", hashlib.sha256(str(n).encode()).hexdigest()),
        ):
            entry = commands.feature_entry_propose(
                actor=proposer, sort=sort, syntax=syntax, value=value, category="other", rule=f"Rule {uuid.uuid4()}"
            )
            commands.case_act(case_id=entry.id, actor=reviewer, expected_version=1, action="approve", arguments={})
    loading = time.perf_counter() - started
    entries = approved_entries(organisation_id=provider.pk)
    intake = Intake(
        title="有人冒充客服",
        description="评论区有人冒充官方客服，说可以办理退款，让人先转账。" * 20,
        content_urls=["https://social.example.com/u/someone", "https://video.example.com/v/9001"],
    )
    reads = _timed(lambda: approved_entries(organisation_id=provider.pk), FILINGS)
    matching = _timed(lambda: intake_matches(intake, entries), FILINGS)
    full_library = _timed(file_one, FILINGS)

    print(f"database: {vendor} ({name}); {len(entries)} approved entries (made in {loading:.1f} s)")
    print(f"read the approved entries (one query): {_median_ms(reads)}")
    print(f"match one filing against them:         {_median_ms(matching)}")
    print(f"file a complaint, empty library:       {_median_ms(empty_library)}")
    print(f"file a complaint, 1,000 entries:       {_median_ms(full_library)}")


if __name__ == "__main__":
    main()
