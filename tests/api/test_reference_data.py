"""The reference data every filing reads (its provider, the time-limit policy, the official
calendar) is kept in the process for REFERENCE_DATA_SECONDS: read once for a run of filings,
seen at once when changed in this process, and within that time when changed elsewhere."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organisation
from cases.eventstore import Event
from cases.models import Case
from cases.sla import OfficialDay, SlaPolicy, TimeUnit
from tests.api.conftest import COMPLAINT, COMPLAINTS

pytestmark = pytest.mark.django_db

REFERENCE_TABLES = ("accounts_organisation", "cases_slapolicy", "cases_officialday")


def file(api) -> Case:
    response = api.post(COMPLAINTS, COMPLAINT, format="json")
    assert response.status_code == 201, response.content
    return Case.objects.get(reference=response.json()["reference"])


def policy_version_of(case: Case) -> int:
    return Event.objects.get(stream_id=case.id, stream_version=1).data["sla_policy"]


def reads_of_reference_data(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in REFERENCE_TABLES)]


def publish_policy(hours: int) -> int:
    """A new latest complaint policy; its version."""
    latest = SlaPolicy.objects.filter(kind="complaint").order_by("-version").first()
    version = (latest.version if latest else 0) + 1
    SlaPolicy.objects.create(
        kind="complaint",
        version=version,
        first_response_amount=hours,
        first_response_unit=TimeUnit.HOURS,
        resolution_amount=hours * 2,
        resolution_unit=TimeUnit.HOURS,
    )
    return version


def test_a_run_of_filings_reads_the_reference_data_once(api, provider):
    with CaptureQueriesContext(connection) as first:
        file(api)
    with CaptureQueriesContext(connection) as second:
        file(api)

    assert len(reads_of_reference_data(first)) >= 3  # the provider, the policy, the calendar
    assert reads_of_reference_data(second) == []
    assert len(second.captured_queries) <= len(first.captured_queries) - 3


def test_a_policy_published_in_this_process_applies_to_the_next_filing_at_once(api, provider):
    first = publish_policy(hours=24)
    assert policy_version_of(file(api)) == first

    second = publish_policy(hours=12)  # saved here: what was kept is forgotten
    case = file(api)

    assert policy_version_of(case) == second
    assert case.first_response_due_at - case.created_at <= dt.timedelta(hours=12, minutes=1)


def test_a_change_made_elsewhere_is_seen_within_the_configured_time(api, provider, settings):
    settings.REFERENCE_DATA_SECONDS = 0.5
    first = publish_policy(hours=24)
    assert policy_version_of(file(api)) == first
    # Another process's change: no save announced in this one.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_slapolicy (kind, version, first_response_amount, first_response_unit,"
            " resolution_amount, resolution_unit, high_first_response_unit, high_resolution_unit,"
            " business_hours, warning_hours, remind_outside_business_hours, updated_at)"
            " VALUES ('complaint', %s, 6, 'hours', 12, 'hours', '', '', false, 4, false, %s)",
            [first + 1, dt.datetime.now(dt.UTC)],
        )

    still_kept = policy_version_of(file(api))
    time.sleep(0.6)
    read_again = policy_version_of(file(api))

    assert (still_kept, read_again) == (first, first + 1)


def test_with_no_time_to_keep_every_filing_reads_the_reference_data(api, provider, settings):
    settings.REFERENCE_DATA_SECONDS = 0
    file(api)
    with CaptureQueriesContext(connection) as second:
        file(api)

    assert len(reads_of_reference_data(second)) >= 3


def test_an_official_calendar_loaded_here_applies_to_the_next_filing_at_once(api, provider, tmp_path):
    before = file(api)  # no policy stored: the declared limits, in working days
    # Every day of the coming weeks made a day off: the deadline moves past them.
    today = dt.date.today()
    days_off = [(today + dt.timedelta(days=n)).isoformat() for n in range(0, 40)]
    years = {day[:4] for day in days_off}
    for year in sorted(years):
        path = tmp_path / f"{year}.json"
        path.write_text(
            json.dumps(
                {
                    "year": int(year),
                    "notice": "test",
                    "days_off": [[day, "off"] for day in days_off if day.startswith(year)],
                }
            )
        )
        call_command("load_official_calendar", str(path), verbosity=0)
    assert OfficialDay.objects.count() == 40

    after = file(api)

    assert after.resolution_due_at - before.resolution_due_at >= dt.timedelta(days=30)


def test_a_provider_changed_here_is_seen_by_the_next_filing(api, provider):
    file(api)
    Organisation.objects.filter(pk=provider.pk).update(kind=Organisation.Kind.REGULATOR)  # as elsewhere
    kept = api.post(COMPLAINTS, COMPLAINT, format="json")
    provider.refresh_from_db()
    provider.save()  # saved here: forgotten at once

    refused = api.post(COMPLAINTS, COMPLAINT, format="json")

    assert kept.status_code == 201  # read a moment ago and kept
    assert refused.status_code == 400, refused.content  # no longer a provider
