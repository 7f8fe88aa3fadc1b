"""Shared set-up of the staff API tests: people with tokens, clients that speak for them, cases
of every kind, and requests with the version they read."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.actors import Actor
from accounts.models import Organisation, Role, User
from cases import commands
from cases.models import Case
from tests.conftest import make_staff
from tests.kinds import FILERS

STAFF = "/api/v1/staff/"
CASES = STAFF + "cases/"
NEXT_CASE = STAFF + "next-case/"
MEASURES = STAFF + "measures/"


def case_path(case_id, *rest: str) -> str:
    return CASES + f"{case_id}/" + "".join(f"{part}/" for part in rest)


def client_for(user: User) -> APIClient:
    client = APIClient(headers={"Accept-Language": "en"})
    client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(user=user).key)
    return client


def if_match(version: int) -> dict[str, str]:
    return {"HTTP_IF_MATCH": f'"{version}"'}


def post(client: APIClient, path: str, data: dict | None = None, *, version: int | None = None):
    """POST JSON, with If-Match when a version is given."""
    headers = if_match(version) if version is not None else {}
    return client.post(path, data if data is not None else {}, format="json", **headers)


def version_of(case_id) -> int:
    return Case.objects.values_list("version", flat=True).get(pk=case_id)


@pytest.fixture
def supervisor_user(provider: Organisation) -> User:
    return make_staff(provider, "supervisor", role=Role.SUPERVISOR)


@pytest.fixture
def supervisor(supervisor_user: User) -> Actor:
    return Actor.for_user(supervisor_user, request_id="test-request")


@pytest.fixture
def agent_api(agent_user: User) -> APIClient:
    return client_for(agent_user)


@pytest.fixture
def supervisor_api(supervisor_user: User) -> APIClient:
    return client_for(supervisor_user)


@pytest.fixture
def other_api(other_provider: Organisation) -> APIClient:
    """Staff of another provider: none of `provider`'s cases exist for them."""
    return client_for(make_staff(other_provider, "other-agent"))


# --- Cases of every kind --------------------------------------------------------------------


def decided_complaint(submit_complaint: Callable, decider: Actor) -> Case:
    """A complaint resolved by `decider` with one measure against an account."""
    case = submit_complaint(contact_email="person@example.com", consent=True).case
    commands.complaint_accept(case_id=case.id, actor=decider, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=decider, expected_version=2)
    commands.complaint_resolve(
        case_id=case.id,
        actor=decider,
        expected_version=3,
        outcome="violation",
        measures=[{"measure": "warning", "account": "user-42"}],
        summary="Decided.",
    )
    return Case.objects.get(pk=case.id)


def appeal_against(complaint: Case) -> Case:
    """The complainant appeals the decision on their complaint."""
    complainant = Actor.public(tracked_case_ids=frozenset({complaint.id}))
    return commands.appeal_file_against_decision(
        case_id=complaint.id, actor=complainant, statement="Please look again."
    ).case


@pytest.fixture
def file_case(provider, agent) -> Callable[[str], Case]:
    """File a new case of a kind, as its filer would (`tests/kinds.py`). An appeal is against
    a decision `agent` made, so that anyone else may review it."""

    def file(kind: str) -> Case:
        assert kind in FILERS, f"tests/kinds.py cannot file a case of kind {kind!r} yet"
        return FILERS[kind](provider, agent)

    return file
