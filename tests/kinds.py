"""How the tests file an example case of each registered kind, as its filer would.

Tests parametrised over `cases.kinds.declarations()` use these; a kind without an entry fails
`tests/cases/test_kind_declarations.py::test_every_kind_can_be_filed_by_the_tests`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Organisation, Role, User
from cases import commands
from cases.models import Case


def file_complaint(organisation: Organisation, decider: Actor) -> Case:
    return commands.complaint_submit(
        organisation=organisation,
        actor=Actor.public(),
        category="unlabelled_synthetic",
        description="A synthetic video without a label.",
        content_urls=["https://video.example.com/v/1"],
        contact_email="person@example.com",
        consent=True,
    ).case


def file_appeal(organisation: Organisation, decider: Actor) -> Case:
    """An appeal against a decision `decider` made, so that anyone else may review it."""
    complaint = file_complaint(organisation, decider)
    for version, action, arguments in (
        (1, "accept", {}),
        (2, "start_investigation", {}),
        (3, "resolve", {"outcome": "no_violation", "summary": "No violation."}),
    ):
        commands.case_act(
            case_id=complaint.id, actor=decider, expected_version=version, action=action, arguments=arguments
        )
    complainant = Actor.public(tracked_case_ids=frozenset({complaint.id}))
    return commands.appeal_file_against_decision(
        case_id=complaint.id, actor=complainant, statement="Please look again."
    ).case


def file_rumor(organisation: Organisation, decider: Actor) -> Case:
    """A rumor refutation that `decider` opens from a complaint about the claim."""
    complaint = file_complaint(organisation, decider)
    return commands.case_open(
        kind="rumor",
        actor=decider,
        case_id=complaint.id,
        expected_version=complaint.version,
        arguments={"claim": "A synthetic video shows a flood in the city centre today."},
    )


def file_feature_entry(organisation: Organisation, decider: Actor) -> Case:
    """A keyword entry `decider` proposes, so that anyone else may approve it. Each is unique:
    the library refuses a second entry matching exactly what another does."""
    return commands.feature_entry_propose(
        actor=decider,
        sort="text",
        syntax="keywords",
        value=f"冒充客服-{uuid.uuid4().hex[:8]}",
        category="impersonation_fraud",
        rule="Impersonating customer service (rule 4.2).",
    )


def file_incident(organisation: Organisation, decider: Actor) -> Case:
    """A major incident, whose report to the regulator is recorded at once, so that every step
    (closing included) is open to the walks through the workflow."""
    incident = commands.case_open(
        kind="incident",
        actor=decider,
        arguments={
            "grade": "major",
            "service": "Face-swap video generation",
            "description": "Generated videos went out without their AI-generated label.",
        },
    )
    return commands.case_act(
        case_id=incident.id,
        actor=decider,
        expected_version=1,
        action="report",
        arguments={"authority": "Provincial cyberspace administration"},
    )


def regulator_officer_of(organisation: Organisation) -> Actor:
    """An officer of a regulator whose jurisdiction includes `organisation` (the same one for
    every call: the walks through a workflow take the regulator's steps as this officer)."""
    regulator, _created = Organisation.objects.get_or_create(
        slug="tests-regulator", defaults={"name": "Tests Regulator", "kind": Organisation.Kind.REGULATOR}
    )
    regulator.supervised_providers.add(organisation)
    officer, _created = User.objects.get_or_create(
        username="tests-officer", defaults={"organisation": regulator, "role": Role.REGULATOR_OFFICER}
    )
    return Actor.for_user(officer)


def issue_order(officer: Actor, organisation: Organisation) -> Case:
    """An order of the officer's regulator to `organisation`, suspending user registration."""
    return commands.case_open(
        kind="rectification_order",
        actor=officer,
        arguments={
            "provider": organisation.slug,
            "legal_basis": "article_16",
            "title": "Synthetic videos without labels",
            "findings": "Spot checks found synthetic videos published without their label.",
            "required_measures": "Label every synthetic video.",
            "deadline": timezone.now() + dt.timedelta(days=10),
            "suspend_user_registration": "yes",
        },
    )


def file_rectification_order(organisation: Organisation, decider: Actor) -> Case:
    """An order of a regulator supervising `organisation`."""
    return issue_order(regulator_officer_of(organisation), organisation)


def file_regulator_report(organisation: Organisation, decider: Actor) -> Case:
    """A report `decider` sends about a complaint to a regulator supervising the organisation."""
    complaint = file_complaint(organisation, decider)
    regulator_officer_of(organisation)
    return commands.case_open(
        kind="regulator_report",
        actor=decider,
        case_id=complaint.id,
        expected_version=complaint.version,
        arguments={"regulator": "tests-regulator", "summary": "Unlabelled synthetic video removed."},
    )


def file_personal_information_request(organisation: Organisation, decider: Actor) -> Case:
    """A correction request the complainant files from their complaint's tracking page (the
    type with a step of its own, so that every step is open to the walks)."""
    complaint = file_complaint(organisation, decider)
    return commands.personal_information_request_file(
        case_id=complaint.id,
        actor=Actor.public(tracked_case_ids=frozenset({complaint.id})),
        request_type="correction",
        request_text="My e-mail address changed.",
    ).case


FILERS: dict[str, Callable[[Organisation, Actor], Case]] = {
    "complaint": file_complaint,
    "appeal": file_appeal,
    "rumor": file_rumor,
    "feature_entry": file_feature_entry,
    "incident": file_incident,
    "rectification_order": file_rectification_order,
    "regulator_report": file_regulator_report,
    "personal_information_request": file_personal_information_request,
}
