"""A compiled query is built once, from stand-ins, and run with other values: each run must
answer for its own values, exactly as the queryset it was built from would."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organisation
from cases.compiled_queries import CompiledQuery
from cases.models import Case
from cases.personal_data import DataSubject
from cases.sla import OfficialDay, SlaPolicy
from notifications.models import Channel, OutboxMessage

pytestmark = pytest.mark.django_db


def test_each_run_answers_for_its_own_values(provider, other_provider, submit_complaint):
    mine = [submit_complaint().case for _ in range(2)]
    theirs = submit_complaint(organisation=other_provider).case
    cases = CompiledQuery(
        lambda organisation_id: Case.objects.filter(organisation_id=organisation_id).order_by("created_at", "id"),
        organisation_id=int,
    )

    assert [case.id for case in cases.rows(organisation_id=provider.pk)] == [case.id for case in mine]
    assert [case.id for case in cases.rows(organisation_id=other_provider.pk)] == [theirs.id]
    assert cases.rows(organisation_id=other_provider.pk + provider.pk + 1000) == []


def test_instances_are_whole_rows_of_the_queryset_s_model(submit_complaint):
    filed = submit_complaint().case
    one = CompiledQuery(lambda pk: Case.objects.filter(pk=pk), pk=uuid.UUID)

    loaded = one.first(pk=filed.id)

    assert isinstance(loaded, Case)
    assert (loaded.reference, loaded.state, loaded.details, loaded.due_at, loaded.version) == (
        filed.reference,
        filed.state,
        filed.details,
        filed.due_at,
        filed.version,
    )
    assert one.first(pk=uuid.uuid4()) is None


def test_values_lists_come_back_converted(provider, submit_complaint):
    filed = submit_complaint().case
    pairs = CompiledQuery(
        lambda reference: Case.objects.filter(reference=reference).values_list("id", "details"), reference=str
    )
    flat = CompiledQuery(
        lambda reference: Case.objects.filter(reference=reference).values_list("created_at", flat=True),
        reference=str,
    )

    assert pairs.rows(reference=filed.reference) == [(filed.id, filed.details)]
    assert flat.rows(reference=filed.reference) == [filed.created_at]
    assert pairs.rows(reference="C-NONE-NONE") == []


def test_dates_are_put_in_on_either_database():
    OfficialDay.objects.create(day=dt.date(2026, 10, 10), working=True)
    OfficialDay.objects.create(day=dt.date(2026, 10, 12), working=False)
    days = CompiledQuery(
        lambda first, last: (
            OfficialDay.objects.filter(day__gte=first, day__lte=last).order_by("day").values_list("day", "working")
        ),
        first=dt.date,
        last=dt.date,
    )

    assert days.rows(first=dt.date(2026, 10, 1), last=dt.date(2026, 10, 11)) == [(dt.date(2026, 10, 10), True)]
    assert days.rows(first=dt.date(2026, 10, 11), last=dt.date(2026, 10, 31)) == [(dt.date(2026, 10, 12), False)]


def test_a_value_transformed_before_its_lookup_is_refused():
    later = CompiledQuery(
        lambda day: OfficialDay.objects.filter(day__gte=day + dt.timedelta(days=1)).values_list("day"), day=dt.date
    )

    with pytest.raises(ValueError, match="cannot find again"):
        later.rows(day=dt.date(2026, 1, 1))


def test_a_value_that_changes_the_sql_is_refused():
    # A slice's bounds are written into the SQL, not passed as parameters.
    first_n = CompiledQuery(lambda n: Organisation.objects.order_by("pk")[: abs(n) % 7 + 1], n=int)

    with pytest.raises(ValueError, match="SQL changes"):
        first_n.rows(n=3)


def test_none_is_refused_rather_than_compared(provider):
    by_slug = CompiledQuery(lambda slug: Organisation.objects.filter(slug=slug), slug=str)

    with pytest.raises(ValueError, match="may not be None"):
        by_slug.rows(slug=None)
    with pytest.raises(TypeError, match="Expected the values"):
        by_slug.rows(name="provider")
    assert [o.pk for o in by_slug.rows(slug="provider")] == [provider.pk]


def test_a_public_filing_reads_its_new_data_subject_back_not_once(client, provider):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/public/complaints/",
            {
                "category": "unlabelled_synthetic",
                "description": "A generated video with no label.",
                "contact_email": "filer@example.com",
                "consent": True,
            },
            content_type="application/json",
        )

    assert response.status_code == 201, response.content
    subject_table = DataSubject._meta.db_table
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT") and subject_table in q["sql"]]
    assert reads == []
    # and the filer, who gave an address, is owed the mail of the filing all the same
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.subject_id is not None
    assert OutboxMessage.objects.filter(stream_id=case.id, channel=Channel.EMAIL).count() == 1


def test_a_query_the_orm_compiles_to_nothing_is_left_to_the_orm(provider):
    nobody = CompiledQuery(lambda pk: Organisation.objects.filter(pk=pk).none(), pk=int)

    assert nobody.rows(pk=provider.pk) == []


def test_a_positive_field_compiles_and_finds_its_row():
    # An integer stand-in out of such a field's range would make the ORM give up on the query.
    policy = SlaPolicy.objects.create(
        kind="complaint",
        version=7,
        first_response_amount=2,
        first_response_unit="working_days",
        resolution_amount=10,
        resolution_unit="working_days",
    )
    by_version = CompiledQuery(
        lambda kind, version: SlaPolicy.objects.filter(kind=kind, version=version), kind=str, version=int
    )

    assert [p.pk for p in by_version.rows(kind="complaint", version=7)] == [policy.pk]
    assert by_version.rows(kind="complaint", version=8) == []
    assert by_version._by_vendor[connection.vendor] is not None  # compiled, not left to the ORM
