"""The one scoping module: every kind of record a member of staff reads is visible exactly when
its case is, and another organisation's records never are."""

from __future__ import annotations

import pytest

from accounts.actors import Actor
from accounts.models import Organisation, Role
from cases import commands, scope
from tests.conftest import make_staff
from tests.web.conftest import png_upload

pytestmark = pytest.mark.django_db


def _decided_case(organisation: Organisation, decider: Actor):
    case = commands.complaint_submit(
        organisation=organisation,
        actor=Actor.public(),
        category="unlabelled_synthetic",
        description="A synthetic video without a label.",
        contact_email="person@example.com",
        consent=True,
        evidence=[png_upload()],
    ).case
    for version, action, arguments in (
        (3, "accept", {}),
        (4, "start_investigation", {}),
        (
            5,
            "resolve",
            {
                "outcome": "violation",
                "measures": [{"measure": "warning", "account": "same-name"}],
                "summary": "Warned.",
            },
        ),
    ):
        case = commands.case_act(
            case_id=case.id, actor=decider, expected_version=version, action=action, arguments=arguments
        )
    return case


@pytest.fixture
def two_organisations(provider, other_provider):
    ours = Actor.for_user(make_staff(provider, "ours"))
    theirs = Actor.for_user(make_staff(other_provider, "theirs"))
    return ours, _decided_case(provider, ours), theirs, _decided_case(other_provider, theirs)


def test_staff_see_their_own_organisations_records_and_nothing_of_another(two_organisations):
    ours, our_case, theirs, their_case = two_organisations

    assert list(scope.visible_cases(ours)) == [our_case]
    assert scope.visible_case_events(ours, our_case.id).count() == our_case.version
    assert not scope.visible_case_events(ours, their_case.id).exists()
    assert scope.visible_evidence(ours, our_case.id).count() == 1
    assert not scope.visible_evidence(ours, their_case.id).exists()
    assert scope.visible_contact(ours, our_case) is not None
    assert scope.visible_contact(ours, their_case) is None
    # Both organisations warned an account of the same name; each sees only its own measure.
    assert [m.case_id for m in scope.visible_measures(ours).filter(account="same-name")] == [our_case.id]
    assert [m.case_id for m in scope.visible_measures(theirs).filter(account="same-name")] == [their_case.id]
    assert {u.username for u in scope.colleagues(ours)} == {"ours"}


@pytest.mark.parametrize("role", [Role.REGULATOR_OFFICER, Role.ADMINISTRATOR])
def test_people_outside_a_providers_staff_read_nothing_through_the_staff_scope(two_organisations, provider, role):
    _ours, our_case, _theirs, _their_case = two_organisations
    outsider = Actor.for_user(make_staff(provider, "outsider", role=role))

    assert not scope.visible_cases(outsider).exists()
    assert not scope.visible_case_events(outsider, our_case.id).exists()
    assert not scope.visible_evidence(outsider, our_case.id).exists()
    assert scope.visible_contact(outsider, our_case) is None
    assert not scope.visible_measures(outsider).exists()
    assert not scope.colleagues(outsider).exists()


def test_the_public_sees_only_the_cases_it_tracks_and_never_their_files(two_organisations):
    _ours, our_case, _theirs, their_case = two_organisations
    complainant = Actor.public(tracked_case_ids=frozenset({our_case.id}))

    assert list(scope.visible_cases(complainant)) == [our_case]
    assert scope.visible_case_events(complainant, our_case.id).exists()
    assert not scope.visible_case_events(complainant, their_case.id).exists()
    assert not scope.visible_evidence(complainant, our_case.id).exists()
    assert scope.visible_contact(complainant, our_case) is None
