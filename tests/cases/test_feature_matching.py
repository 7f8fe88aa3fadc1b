"""Complaints checked against the feature library as they are filed: each match recorded by the
system, the priority raised one step; only entries in force match; and no entry, however slow
or broken, can fail or stall a filing."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.actors import Actor
from accounts.models import Role
from cases import commands
from cases.events import CaseEvent
from cases.eventstore import Event
from cases.feature_matching import INTAKE_BUDGET
from cases.models import Case, Priority
from cases.sealing import Reader, is_sealed
from cases.workflows.feature_entry import FeatureEntry, FeatureEntryEvent
from tests.conftest import make_staff
from tests.web.conftest import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(provider) -> Actor:
    return Actor.for_user(make_staff(provider, "reviewer", role=Role.SUPERVISOR))


@pytest.fixture
def approved(agent, reviewer):
    """An entry proposed by the agent and approved by the reviewer."""

    def make(sort: str, value: str, syntax: str = "") -> Case:
        entry = commands.feature_entry_propose(
            actor=agent, sort=sort, syntax=syntax, value=value, category="impersonation_fraud", rule="Rule 4.2."
        )
        return commands.case_act(case_id=entry.id, actor=reviewer, expected_version=1, action="approve", arguments={})

    return make


def inserted_directly(provider, value: str, *, sort: str = "text", syntax: str = "regex") -> Case:
    """An approved entry written straight to the log, past every check a proposal makes."""
    system = Actor.system()
    entry = FeatureEntry(id=uuid.uuid4())
    entry.record(
        FeatureEntryEvent.PROPOSED,
        {
            "organisation_id": provider.pk,
            "reference": f"F-{uuid.uuid4().hex[:4].upper()}-TEST",
            "title": value[:60],
            "category": "other",
            "sort": sort,
            "syntax": syntax,
            "value": value,
            "rule": "Inserted by the test.",
            "source_reference": "",
            "source_case_id": None,
            "first_response_due_at": None,
            "resolution_due_at": None,
            "to_state": "proposed",
        },
        actor=system,
    )
    entry.record(FeatureEntryEvent.APPROVED, {"from_state": "proposed", "to_state": "approved"}, actor=system)
    return entry


def matches_of(case: Case) -> list[Event]:
    return list(Event.objects.filter(stream_id=case.id, type=CaseEvent.FEATURE_MATCHED).order_by("stream_version"))


def test_a_keyword_in_the_description_is_recorded_by_the_system_and_raises_the_priority(approved, submit_complaint):
    entry = approved("text", "冒充客服\nfake support", "keywords")

    case = submit_complaint(description="有人冒充客服，用合成声音骗钱。").case

    [event] = matches_of(case)
    assert event.metadata["actor"] == {"role": "system", "user_id": None}
    # What matched quotes the complainant: it is kept sealed under their key.
    assert is_sealed(event.data["matched"])
    assert Reader().data(event.data) == {
        "entry_id": str(entry.id),
        "entry_reference": entry.reference,
        "where": "description",
        "matched": "冒充客服",
        "priority": Priority.HIGH,
    }
    stored = Case.objects.get(pk=case.id)
    assert stored.priority == Priority.HIGH
    assert stored.details["feature_matches"] == [{"entry_id": str(entry.id), "reference": entry.reference}]
    assert stored.version == case.version == 2


def test_each_sort_of_entry_matches_where_it_should(approved, submit_complaint):
    image = png_bytes()
    expression = approved("text", r"(?i)deep\s?fake\s(教程|tutorial)", "regex")
    keywords = approved("text", "ＦＲＥＥ ＧＩＦＴ", "keywords")
    account = approved("account", "Fake-Support")
    digest = approved("file", hashlib.sha256(image).hexdigest())

    case = submit_complaint(
        title="DeepFake tutorial everywhere",
        description="Free gift if you pay first.",
        content_urls=["https://social.example.com/u/fake-support"],
        evidence=[SimpleUploadedFile("shot.png", image, content_type="image/png")],
    ).case

    found = {event.data["entry_reference"]: Reader().data(event.data) for event in matches_of(case)}
    assert found[expression.reference]["where"] == "title"
    assert found[expression.reference]["matched"] == "DeepFake tutorial"
    assert found[keywords.reference]["where"] == "description"
    assert found[account.reference] | {"entry_id": ""} == {
        "entry_id": "",
        "entry_reference": account.reference,
        "where": "content_url",
        "matched": "Fake-Support",
    }
    assert found[digest.reference]["where"] == "evidence"
    assert found[digest.reference]["evidence_id"] == str(case.evidence.get().id)
    # Raised one step for the filing, however many entries matched.
    assert Case.objects.get(pk=case.id).priority == Priority.HIGH
    assert sum("priority" in data for data in found.values()) == 1


def test_an_account_matches_only_on_its_own(approved, submit_complaint):
    approved("account", "user-1")

    assert matches_of(submit_complaint(description="Posted by user-12 and xuser-1.").case) == []
    assert len(matches_of(submit_complaint(description="Posted by @user-1, again.").case)) == 1


def test_priority_rises_at_most_to_urgent(approved, submit_complaint):
    approved("text", "换脸", "keywords")

    high = submit_complaint(category="face_voice_without_consent", description="有人给我换脸。").case

    assert Case.objects.get(pk=high.id).priority == Priority.URGENT


def test_a_proposed_rejected_or_retired_entry_never_matches(agent, reviewer, approved, submit_complaint):
    proposed = commands.feature_entry_propose(
        actor=agent, sort="text", syntax="keywords", value="proposed-word", category="other", rule="R."
    )
    rejected = commands.feature_entry_propose(
        actor=agent, sort="text", syntax="keywords", value="rejected-word", category="other", rule="R."
    )
    commands.case_act(
        case_id=rejected.id, actor=reviewer, expected_version=1, action="reject", arguments={"reason": "No."}
    )
    retired = approved("text", "retired-word", "keywords")
    assert len(matches_of(submit_complaint(description="a retired-word here").case)) == 1

    commands.case_act(
        case_id=retired.id,
        actor=reviewer,
        expected_version=retired.version,
        action="retire",
        arguments={"reason": "No longer seen."},
    )

    case = submit_complaint(description="proposed-word, rejected-word and retired-word").case
    assert matches_of(case) == []
    assert Case.objects.get(pk=case.id).priority == Priority.NORMAL
    assert Case.objects.get(pk=proposed.id).state == "proposed"


def test_a_hostile_expression_cannot_stall_a_filing_and_is_logged_as_timed_out(
    provider, approved, submit_complaint, caplog
):
    # (x+x+)+y is refused when proposed; written straight to the log, it reaches intake anyway.
    hostile = inserted_directly(provider, r"(x+x+)+y")
    keyword = approved("text", "xxxx", "keywords")

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="cases.feature_matching"):
        case = submit_complaint(title="x" * 200, description="x" * 5000).case
    elapsed = time.monotonic() - started

    assert elapsed < 5
    assert any(hostile.reference in r.getMessage() and "timed out" in r.getMessage() for r in caplog.records)
    # The filing went through, and the other entries were still checked.
    assert [event.data["entry_reference"] for event in matches_of(case)] == [keyword.reference]


def test_many_slow_expressions_share_one_budget_per_filing(provider, submit_complaint, caplog):
    for repeat in range(2, 30):
        inserted_directly(provider, rf"(x+x+){{{repeat},}}y")

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="cases.feature_matching"):
        case = submit_complaint(description="x" * 5000).case
    elapsed = time.monotonic() - started

    assert elapsed < INTAKE_BUDGET + 2
    assert any("ran out of time" in record.getMessage() for record in caplog.records)
    assert Case.objects.get(pk=case.id).state == "submitted"


def test_a_broken_entry_is_skipped_and_logged(provider, approved, submit_complaint, caplog):
    broken = inserted_directly(provider, "(unclosed")
    keyword = approved("text", "synthetic", "keywords")

    with caplog.at_level(logging.WARNING, logger="cases.feature_matching"):
        case = submit_complaint().case

    assert any(broken.reference in record.getMessage() for record in caplog.records)
    assert [event.data["entry_reference"] for event in matches_of(case)] == [keyword.reference]


@pytest.mark.parametrize("failing", ["intake_matches", "_record_matches"], ids=["matching", "recording"])
def test_a_failure_while_matching_or_recording_leaves_the_filing_whole(
    failing, approved, submit_complaint, monkeypatch, caplog
):
    approved("text", "synthetic", "keywords")

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(f"cases.commands.features.{failing}", fail)
    with caplog.at_level(logging.ERROR, logger="cases.commands.features"):
        submission = submit_complaint()

    stored = Case.objects.get(pk=submission.case.id)
    assert (stored.state, stored.version, stored.priority) == ("submitted", 1, Priority.NORMAL)
    assert submission.case.version == 1
    assert "feature_matches" not in stored.details
    assert any("failed" in record.getMessage() for record in caplog.records)
    # The case is still written to after this point in its filing, and must be where the log is.
    commands.complaint_accept(case_id=stored.id, actor=Actor.system(), expected_version=1)


def test_matching_reads_entries_of_the_filing_s_organisation_only(other_provider, submit_complaint):
    other = Actor.for_user(make_staff(other_provider, "other-agent"))
    other_reviewer = Actor.for_user(make_staff(other_provider, "other-reviewer"))
    entry = commands.feature_entry_propose(
        actor=other, sort="text", syntax="keywords", value="synthetic", category="other", rule="R."
    )
    commands.case_act(case_id=entry.id, actor=other_reviewer, expected_version=1, action="approve", arguments={})

    assert matches_of(submit_complaint().case) == []


@pytest.mark.django_db(transaction=True)  # the filing's own transaction is then no savepoint
def test_a_filing_that_matches_nothing_takes_no_savepoint(submit_complaint):
    with CaptureQueriesContext(connection) as queries:
        submit_complaint()

    assert not [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"].upper()]
