"""What an event's recording writes beside it (the case row, the outbox, the inbox) goes in
the event's own statement on PostgreSQL, names the event's position, and is rolled back with it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import commands
from cases.commands.common import issue_tracking_token
from cases.eventstore import Event
from cases.models import Case, DataSubject, TrackingCredential
from cases.references import token_matches
from ledger.log import EVENT_POSITION, RowWrite
from ledger.models import Leaf
from notifications.models import InboxItem, OutboxMessage
from tests.conftest import make_staff

WRITES = ("INSERT", "UPDATE", "DELETE", "WITH")


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


@pytest.mark.django_db
def test_an_assignment_writes_its_event_leaf_case_outbox_and_inbox_rows_together(submit_complaint, agent, provider):
    case = submit_complaint(contact_email="filer@example.com", consent=True).case
    colleague = make_staff(provider, "colleague")

    with CaptureQueriesContext(connection) as queries:
        commands.case_assign(case_id=case.id, actor=agent, expected_version=1, assignee_id=colleague.pk)

    event = Event.objects.get(stream_id=case.id, stream_version=2)
    assert Leaf.objects.filter(position=event.position).exists()
    stored = Case.objects.get(pk=case.id)
    assert (stored.version, stored.last_event_hash, stored.assignee_id) == (2, event.hash, colleague.pk)
    assert OutboxMessage.objects.filter(event_position=event.position, channel="live").count() == 1
    assert list(InboxItem.objects.filter(user=colleague).values_list("event_position", flat=True)) == [event.position]

    writes = _writes(queries)
    tables = ("cases_event", "ledger_leaf", "cases_case", "notifications_outboxmessage", "notifications_inboxitem")
    if connection.vendor == "postgresql":
        assert len(writes) == 1, writes
        assert all(table in writes[0] for table in tables), writes[0]
    else:  # SQLite: one statement each, in the same transaction
        assert len(writes) == len(tables), writes
        assert [next(t for t in tables if f'"{t}"' in sql) for sql in writes] == list(tables)


@pytest.mark.django_db
def test_a_filing_writes_its_case_row_subject_and_tracking_credential_with_its_first_event(submit_complaint):
    with CaptureQueriesContext(connection) as queries:
        submission = submit_complaint(contact_email="filer@example.com", consent=True)

    case = Case.objects.get(pk=submission.case.id)
    event = Event.objects.get(stream_id=case.id)
    assert case.last_event_hash == event.hash
    assert DataSubject.objects.get(pk=case.subject_id).email == "filer@example.com"
    assert token_matches(submission.tracking_token, TrackingCredential.objects.get(case=case).token_hash)
    writes = _writes(queries)
    tables = ('"cases_datasubject"', '"cases_trackingcredential"', '"cases_case"')
    if connection.vendor == "postgresql":
        (statement,) = [sql for sql in writes if '"cases_event"' in sql]
        assert all(table in statement for table in tables), statement
        assert not [sql for sql in writes if sql is not statement and any(table in sql for table in tables)]
    else:
        assert all(any(table in sql for sql in writes) for table in tables)


@pytest.mark.django_db
def test_a_tracking_token_is_issued_only_before_a_case_is_first_recorded(submit_complaint):
    case = submit_complaint().case
    with pytest.raises(ValueError, match="already has its first event"):
        issue_tracking_token(case)


@pytest.mark.django_db
def test_a_live_hint_names_the_position_its_row_was_given(submit_complaint, agent):
    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)

    rows = OutboxMessage.objects.filter(stream_id=case.id, channel="live").order_by("event_position")
    positions = list(Event.objects.filter(stream_id=case.id).order_by("position").values_list("position", flat=True))
    assert [row.event_position for row in rows] == positions
    assert all("position" not in row.payload for row in rows)  # it is the row's, taken when sent


def test_a_row_write_must_have_one_placeholder_per_parameter():
    with pytest.raises(ValueError, match="2 placeholders for 1 parameters"):
        RowWrite("UPDATE t SET a = %s WHERE id = %s", [EVENT_POSITION]).with_position_as("(SELECT 1)")
    assert RowWrite("UPDATE t SET a = %s WHERE id = %s", [EVENT_POSITION, 7]).with_position_as("(SELECT 1)") == (
        "UPDATE t SET a = (SELECT 1) WHERE id = %s",
        [7],
    )
