"""Who may use each staff route, generated from the URL configuration so that a new route
cannot be left out: every route under /staff/, /regulator/ and /api/v1/staff/ must have a rule
below, and is tried by every role against a case of their own organisation and of another one,
and, for the routes both parties to an order use, against an order addressed to the officer's
regulator and one addressed to another regulator.

A foreign organisation's case is always "not found", never "forbidden": nothing tells an
outsider that it exists. The same holds for a regulator's officer and a provider's own cases.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from accounts.actors import Actor
from accounts.models import Organisation, Role, User
from cases import commands
from cases.kinds import opened_on_their_own
from cases.models import Case, Evidence
from tests.conftest import make_staff
from tests.kinds import issue_order
from tests.web.conftest import png_upload

pytestmark = pytest.mark.django_db

STAFF_PREFIXES = ("staff/", "regulator/", "api/v1/staff/")
PROVIDER_ROLES = (Role.AGENT, Role.SUPERVISOR)
ROLES = ("anonymous", Role.AGENT, Role.SUPERVISOR, Role.REGULATOR_OFFICER)

# Routes open to anyone: signing in and out.
OPEN = "open"
# Routes for provider staff; on a case, only their own organisation's.
STAFF = "staff"
# Routes both parties to a case use (the case page, its steps): provider staff on their own
# organisation's cases, a regulator's officer on the cases addressed to their regulator.
WORKSPACE = "workspace"
# The regulator's console: its officers only.
REGULATOR = "regulator"


@dataclass(frozen=True)
class Rule:
    access: str
    methods: tuple[str, ...]
    # The route works on one case (and answers "not found" for another organisation's).
    on_case: bool
    # The route serves what a case carries to its counterpart (a report, the history it is
    # about): the matrix's complaint carries nothing, so it is "not found" there even for its
    # own staff; `tests/api/staff/test_regulator_reports.py` tries it on reports.
    carrying: bool = False


RULES: dict[str, Rule] = {}


def staff_routes() -> list[tuple[str, str]]:
    """(route name, path pattern) of every staff route, from the URL configuration."""
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                space = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), space)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if route.startswith(STAFF_PREFIXES) and pattern.name:
                    found.append((namespace + pattern.name, route))

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_staff_route_has_a_rule():
    names = {name for name, _route in staff_routes()}
    assert names, "no staff routes found"
    assert names <= set(RULES), f"routes without a rule: {sorted(names - set(RULES))}"


RULES.update(
    {
        "web:staff_login": Rule(OPEN, ("GET",), on_case=False),
        "web:staff_logout": Rule(OPEN, ("POST",), on_case=False),
        "web:staff_queue": Rule(STAFF, ("GET",), on_case=False),
        "web:workspace_home": Rule(WORKSPACE, ("GET",), on_case=False),
        "web:staff_inbox": Rule(WORKSPACE, ("GET",), on_case=False),
        "web:staff_inbox_read": Rule(WORKSPACE, ("POST",), on_case=False),
        "web:staff_inbox_settings": Rule(WORKSPACE, ("GET", "POST"), on_case=False),
        "web:staff_reports": Rule(STAFF, ("GET",), on_case=False),
        "web:regulator_dashboard": Rule(REGULATOR, ("GET",), on_case=False),
        "web:staff_case": Rule(WORKSPACE, ("GET",), on_case=True),
        "web:staff_evidence": Rule(WORKSPACE, ("GET",), on_case=True),
        "web:staff_case_act": Rule(WORKSPACE, ("POST",), on_case=True),
        "web:staff_case_note": Rule(STAFF, ("POST",), on_case=True),
        "web:staff_case_link": Rule(STAFF, ("POST",), on_case=True),
        "web:staff_case_open": Rule(STAFF, ("POST",), on_case=True),
        "web:staff_open": Rule(WORKSPACE, ("GET",), on_case=False),
        "web:staff_case_claim": Rule(STAFF, ("POST",), on_case=True),
        "web:staff_case_erase": Rule(STAFF, ("POST",), on_case=True),
        "web:staff_case_assign": Rule(STAFF, ("POST",), on_case=True),
        "web:staff_case_unassign": Rule(STAFF, ("POST",), on_case=True),
        "web:staff_case_reveal": Rule(STAFF, ("POST",), on_case=True),
        "web:staff_subject_export": Rule(STAFF, ("GET",), on_case=True),
        "web:staff_subject_export_json": Rule(STAFF, ("GET",), on_case=True),
        "web:staff_take_next": Rule(STAFF, ("POST",), on_case=False),
        "web:staff_assign": Rule(STAFF, ("POST",), on_case=False),
        "web:staff_account_search": Rule(STAFF, ("GET",), on_case=False),
        "web:staff_account": Rule(STAFF, ("GET",), on_case=False),
        "api:staff:cases": Rule(STAFF, ("GET",), on_case=False),
        "api:staff:case": Rule(WORKSPACE, ("GET",), on_case=True),
        "api:staff:case-events": Rule(WORKSPACE, ("GET",), on_case=True),
        "api:staff:case-export": Rule(STAFF, ("GET",), on_case=True),
        "web:staff_case_export": Rule(WORKSPACE, ("GET",), on_case=True),
        "web:staff_case_export_page": Rule(WORKSPACE, ("GET",), on_case=True),
        "web:staff_carried_history": Rule(WORKSPACE, ("GET",), on_case=True, carrying=True),
        "api:staff:case-transition": Rule(WORKSPACE, ("POST",), on_case=True),
        "api:staff:case-notes": Rule(STAFF, ("POST",), on_case=True),
        "api:staff:case-links": Rule(STAFF, ("POST",), on_case=True),
        "api:staff:case-opening": Rule(STAFF, ("POST",), on_case=True),
        "api:staff:opening": Rule(WORKSPACE, ("POST",), on_case=False),
        "api:staff:case-assignment": Rule(STAFF, ("POST",), on_case=True),
        "api:staff:case-claim": Rule(STAFF, ("POST",), on_case=True),
        "api:staff:next-case": Rule(STAFF, ("POST",), on_case=False),
        "api:staff:measures": Rule(STAFF, ("GET",), on_case=False),
        "web:staff_features": Rule(STAFF, ("GET", "POST"), on_case=False),
        "api:staff:features": Rule(STAFF, ("GET", "POST"), on_case=False),
        "api:staff:notification-settings": Rule(WORKSPACE, ("GET", "PUT"), on_case=False),
    }
)

# What "got through" looks like: anything but being refused, not found or a server error.
# (A POST with no body is refused by validation, 400, after access was granted.)
REFUSED = {401, 403, 404, 405}


@dataclass
class World:
    own_case: Case
    foreign_case: Case
    own_evidence: Evidence
    foreign_evidence: Evidence
    people: dict[str, User | None]


def _complaint_with_evidence(organisation: Organisation) -> tuple[Case, Evidence]:
    submission = commands.complaint_submit(
        organisation=organisation,
        actor=Actor.public(),
        category="unlabelled_synthetic",
        description="A synthetic video without a label.",
        evidence=[png_upload()],
        contact_email="filer@example.com",
        consent=True,
    )
    return submission.case, Evidence.objects.get(case=submission.case)


@pytest.fixture
def world(provider: Organisation, other_provider: Organisation) -> World:
    regulator = Organisation.objects.create(slug="regulator", name="Regulator", kind=Organisation.Kind.REGULATOR)
    own_case, own_evidence = _complaint_with_evidence(provider)
    foreign_case, foreign_evidence = _complaint_with_evidence(other_provider)
    people: dict[str, User | None] = {
        "anonymous": None,
        Role.AGENT: make_staff(provider, "matrix-agent"),
        Role.SUPERVISOR: make_staff(provider, "matrix-supervisor", role=Role.SUPERVISOR),
        Role.REGULATOR_OFFICER: make_staff(regulator, "matrix-officer", role=Role.REGULATOR_OFFICER),
    }
    return World(own_case, foreign_case, own_evidence, foreign_evidence, people)


def _kwargs(route: str, world: World, foreign: bool) -> dict[str, str]:
    case = world.foreign_case if foreign else world.own_case
    evidence = world.foreign_evidence if foreign else world.own_evidence
    fillers = {
        "case_id": str(case.id),
        "evidence_id": str(evidence.id),
        "action": "accept",
        "account": "user-1",
        # A kind staff may open from a complaint (the case of the matrix), or on its own.
        "kind": next(d.kind for d in opened_on_their_own() if "complaint" in d.opening.from_kinds),
    }
    names = [part.split(":")[-1].split(">")[0] for part in route.split("<")[1:]]
    missing = [name for name in names if name not in fillers]
    assert not missing, f"add a value for {missing} of {route} to the permission matrix"
    return {name: fillers[name] for name in names}


def _client(world: World, role: str, api: bool) -> Client:
    person = world.people[role]
    if person is None:
        return Client()
    if api:
        token, _created = Token.objects.get_or_create(user=person)
        return Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    client = Client()
    client.force_login(person)
    return client


def _path(route: str, kwargs: dict[str, str]) -> str:
    path = "/" + route
    for name, value in kwargs.items():
        path = path.replace(next(p for p in _placeholders(route) if p.endswith(f":{name}>") or p == f"<{name}>"), value)
    return path


def _placeholders(route: str) -> list[str]:
    return ["<" + part.split(">")[0] + ">" for part in route.split("<")[1:]]


def _about_one_case(name: str) -> bool:
    rule = RULES.get(name)
    return rule is None or rule.on_case


# Every route × role × organisation; "another organisation" only where the route is about a case.
CASES = [
    (name, route, role, foreign)
    for (name, route), role, foreign in itertools.product(staff_routes(), ROLES, (False, True))
    if not foreign or _about_one_case(name)
]


@pytest.mark.parametrize(
    ("name", "route", "role", "foreign"),
    CASES,
    ids=[f"{name}-{role}-{'foreign' if foreign else 'own'}" for name, _route, role, foreign in CASES],
)
def test_each_role_gets_exactly_what_it_may_on_each_staff_route(world, name, route, role, foreign):
    rule = RULES[name]
    api = route.startswith("api/")
    client = _client(world, role, api)
    path = _path(route, _kwargs(route, world, foreign))
    for method in rule.methods:
        response = getattr(client, method.lower())(path, **({"content_type": "application/json"} if api else {}))
        status = response.status_code
        if rule.access == OPEN:
            assert status not in REFUSED and status < 500, (method, path, status)
        elif role == "anonymous":
            expected = {401} if api else {302}
            assert status in expected, (method, path, status)
            if not api:
                assert "/staff/login/" in response["Location"]
        elif role in PROVIDER_ROLES and rule.access == REGULATOR:
            assert status == 403, (method, path, status)
        elif role in PROVIDER_ROLES and not foreign and rule.carrying:
            assert status == 404, (method, path, status)
        elif role in PROVIDER_ROLES and not foreign:
            assert status not in REFUSED and status < 500, (method, path, status)
        elif role in PROVIDER_ROLES and foreign:
            assert status == 404, (method, path, status)  # never "forbidden": it does not exist for them
        elif rule.access == REGULATOR or (rule.access == WORKSPACE and not _names_something(route)):
            assert status not in REFUSED and status < 500, (method, path, status)
        elif rule.access == WORKSPACE:
            # A provider's own case, or a kind only providers open: it does not exist for them.
            assert status == 404, (method, path, status)
        else:
            assert status == 403, (method, path, status)


def _names_something(route: str) -> bool:
    """The route is about one case, or one kind of case."""
    return "<" in route


# --- Orders: the routes both parties use, on a case addressed to a regulator ------------------


@dataclass
class OrderWorld:
    order: Case
    foreign_order: Case
    people: dict[str, User]


@pytest.fixture
def order_world(provider: Organisation, other_provider: Organisation) -> OrderWorld:
    regulator = Organisation.objects.create(slug="cac-a", name="Regulator A", kind=Organisation.Kind.REGULATOR)
    regulator.supervised_providers.add(provider)
    elsewhere = Organisation.objects.create(slug="cac-b", name="Regulator B", kind=Organisation.Kind.REGULATOR)
    elsewhere.supervised_providers.add(other_provider)
    people = {
        "agent": make_staff(provider, "order-agent"),
        "other agent": make_staff(other_provider, "other-agent"),
        "officer": make_staff(regulator, "officer-a", role=Role.REGULATOR_OFFICER),
        "other officer": make_staff(elsewhere, "officer-b", role=Role.REGULATOR_OFFICER),
    }
    order = issue_order(Actor.for_user(people["officer"]), provider)
    foreign = issue_order(Actor.for_user(people["other officer"]), other_provider)
    return OrderWorld(order, foreign, people)


PARTY_ROUTES = [
    (name, route)
    for name, route in staff_routes()
    if RULES[name].access == WORKSPACE and RULES[name].on_case and "evidence_id" not in route
]
ORDER_CASES = [
    (name, route, person, foreign)
    for (name, route), person, foreign in itertools.product(
        PARTY_ROUTES, ("agent", "other agent", "officer", "other officer"), (False, True)
    )
    if not RULES[name].carrying
]


@pytest.mark.parametrize(
    ("name", "route", "person", "foreign"),
    ORDER_CASES,
    ids=[f"{name}-{person}-{'foreign' if foreign else 'own'}" for name, _r, person, foreign in ORDER_CASES],
)
def test_an_order_exists_only_for_its_two_parties(order_world, name, route, person, foreign):
    """The provider it is issued to and the regulator that issued it reach an order; every
    other provider and regulator is told it does not exist."""
    case = order_world.foreign_order if foreign else order_world.order
    user = order_world.people[person]
    api = route.startswith("api/")
    if api:
        token, _created = Token.objects.get_or_create(user=user)
        client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    else:
        client = Client()
        client.force_login(user)
    fillers = {"case_id": str(case.id), "action": "withdraw"}
    path = _path(route, {name: value for name, value in fillers.items() if f":{name}>" in route})
    is_party = (person in ("agent", "officer")) != foreign
    for method in RULES[name].methods:
        response = getattr(client, method.lower())(path, **({"content_type": "application/json"} if api else {}))
        if is_party:
            assert response.status_code not in {401, 404, 405} and response.status_code < 500, (method, path)
        else:
            assert response.status_code == 404, (method, path, response.status_code)
