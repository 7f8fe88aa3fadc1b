"""The compiled per-role case load is shared by every caller of a role: it must still scope each
call to the caller's own organisation, whoever warmed the cache."""

from __future__ import annotations

import pytest

from accounts.actors import Actor
from cases.rows import load_case
from cases.workflows.complaint import Complaint
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_organisations(provider, other_provider, submit_complaint):
    mine = submit_complaint().case
    theirs = submit_complaint(organisation=other_provider).case
    agent_a = Actor.for_user(make_staff(provider, "agent-a"))
    agent_b = Actor.for_user(make_staff(other_provider, "agent-b"))
    return mine, theirs, agent_a, agent_b


@pytest.mark.parametrize("lock", [False, True], ids=["plain", "locked"])
def test_a_statement_warmed_by_one_organisation_loads_nothing_of_it_for_another(two_organisations, lock):
    mine, theirs, agent_a, agent_b = two_organisations

    loaded_by_a = load_case(Complaint, agent_a, mine.id, lock=lock)
    a_case_for_b = load_case(Complaint, agent_b, mine.id, lock=lock)
    own_case_for_b = load_case(Complaint, agent_b, theirs.id, lock=lock)

    assert loaded_by_a is not None and loaded_by_a.pk == mine.id
    assert a_case_for_b is None
    assert own_case_for_b is not None and own_case_for_b.pk == theirs.id
    assert load_case(Complaint, agent_a, theirs.id, lock=lock) is None


def test_the_loaded_case_is_the_whole_row(two_organisations):
    mine, _theirs, agent_a, _agent_b = two_organisations

    loaded = load_case(Complaint, agent_a, mine.id, lock=False)

    assert loaded is not None
    assert (loaded.organisation_id, loaded.reference, loaded.state, loaded.version, loaded.details) == (
        mine.organisation_id,
        mine.reference,
        mine.state,
        mine.version,
        mine.details,
    )


def test_a_member_of_staff_without_an_organisation_loads_no_case(two_organisations, provider):
    mine, _theirs, agent_a, _agent_b = two_organisations
    load_case(Complaint, agent_a, mine.id, lock=False)  # warm the agents' statement
    stray = Actor(role=agent_a.role, user_id=agent_a.user_id, organisation_id=None)

    assert load_case(Complaint, stray, mine.id, lock=False) is None
