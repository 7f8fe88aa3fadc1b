"""Every registered case kind is declared completely: a forgotten piece fails here instead of
showing a raw code to staff or the public.

Each kind is walked through its whole workflow as staff would take it (every transition the
actions module offers, from every state it reaches), in both languages, and checked: every
state worded, every event named and its fields in words, every public event titled, every
transition on the flow page, an SLA default, valid details, and replay identical.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from accounts.actors import Actor
from accounts.models import Organisation, Role
from cases import commands
from cases.actions import available_actions, staff_transitions
from cases.events import event_label
from cases.eventstore import Event
from cases.kinds import KindDeclaration, as_kind, declarations
from cases.models import Case
from cases.projections import registered_event_types
from cases.selectors import public_events_of
from cases.sla import Limit
from cases.web.staff_history import unworded_fields
from cases.workflows.base import workflow_steps
from tests.conftest import make_staff
from tests.kinds import FILERS, file_complaint, regulator_officer_of

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "zh-hans")
_LATER = itertools.count()
CJK = re.compile(r"[\u4e00-\u9fff]")

KINDS = declarations()


def _arguments(action, other_reference: str) -> dict:
    values = {}
    for argument in action.arguments:
        widget = argument.spec.widget
        if not argument.required and widget != "measures":
            continue
        if widget == "choice":
            values[argument.name] = argument.spec.choices[0][0]
        elif widget == "measures":
            values[argument.name] = [{"measure": "warning", "account": "user-1"}]
        elif widget == "reference":
            values[argument.name] = other_reference
        elif widget == "urls":
            values[argument.name] = ["https://claims.example.com/p/1"]
        elif widget == "moment":
            # Each later than the one before: an extended deadline must move forward.
            values[argument.name] = (timezone.now() + dt.timedelta(days=30 + next(_LATER))).isoformat()
        elif widget == "date":
            values[argument.name] = "2025-01-10"
        else:
            values[argument.name] = "Written for the record."
    return values


def _walk(declaration: KindDeclaration, organisation: Organisation, staff: list[Actor]) -> tuple[set, set]:
    """Take every offered transition from every reachable state, each path on a new case.
    Returns the (state, action) pairs taken and the states reached."""
    filer = FILERS[declaration.kind]
    other = file_complaint(organisation, staff[0])
    taken: set[tuple[str, str]] = set()
    reached: set[str] = set()
    frontier: list[list[str]] = [[]]
    while frontier:
        path = frontier.pop()
        case = filer(organisation, staff[0])
        for action_name in path:
            case = _take(case, action_name, staff, other.reference)
        reached.add(case.state)
        for action in [a for actor in staff for a in available_actions(case, actor)]:
            if (case.state, action.name) not in taken:
                taken.add((case.state, action.name))
                frontier.append([*path, action.name])
    return taken, reached


def _take(case: Case, action_name: str, staff: list[Actor], other_reference: str) -> Case:
    for actor in staff:
        offered = {a.name: a for a in available_actions(case, actor)}
        if action_name in offered:
            try:
                return commands.case_act(
                    case_id=case.id,
                    actor=actor,
                    expected_version=case.version,
                    action=action_name,
                    arguments=_arguments(offered[action_name], other_reference),
                )
            except Exception as exc:  # noqa: BLE001 - try the next member of staff (four eyes)
                error = exc
    raise AssertionError(f"{action_name} could not be taken from {case.state}: {error}")


@pytest.fixture
def staff(provider):
    """Who takes the steps: an agent, a supervisor (four eyes), and an officer of a regulator
    supervising the provider (the regulator's side of two-party kinds)."""
    return [
        Actor.for_user(make_staff(provider, "decider")),
        Actor.for_user(make_staff(provider, "reviewer", role=Role.SUPERVISOR)),
        regulator_officer_of(provider),
    ]


def test_kinds_are_registered_when_the_app_is_ready():
    assert {d.kind for d in KINDS} >= {"complaint", "appeal"}


@pytest.mark.parametrize("declaration", KINDS, ids=lambda d: d.kind)
def test_every_kind_can_be_filed_by_the_tests(declaration):
    assert declaration.kind in FILERS, f"add an example filing of {declaration.kind!r} to tests/kinds.py"


@pytest.mark.parametrize("declaration", KINDS, ids=lambda d: d.kind)
def test_every_state_is_worded_for_staff_and_the_public_in_both_languages(declaration):
    assert set(declaration.states) == set(declaration.model.States.values)
    for language in LANGUAGES:
        with translation.override(language):
            for state, wording in declaration.states.items():
                for text in (wording.staff, wording.public, wording.explanation):
                    assert str(text).strip(), f"{declaration.kind}.{state} has an empty wording"
                    if language == "zh-hans":
                        assert CJK.search(str(text)), f"{declaration.kind}.{state}: {text!s} is not translated"
            assert CJK.search(str(declaration.label)) or language == "en"


@pytest.mark.parametrize("declaration", KINDS, ids=lambda d: d.kind)
def test_every_event_type_has_a_name_an_apply_function_and_public_titles(declaration):
    applied = registered_event_types()
    for event_type in declaration.events.values:
        assert event_type in applied, f"{event_type} has no apply function"
        with translation.override("zh-hans"):
            assert CJK.search(event_label(event_type)), f"{event_type} has no Chinese name"
    public = public_events_of(declaration.kind)
    assert set(declaration.public_events) <= set(declaration.events.values)
    assert set(declaration.filer_notified) <= set(declaration.events.values)
    with translation.override("zh-hans"):
        assert all(CJK.search(str(p.title)) for p in public.values())


@pytest.mark.parametrize("declaration", KINDS, ids=lambda d: d.kind)
def test_every_kind_has_time_limits_a_reference_prefix_and_known_transitions(declaration):
    first, resolution = declaration.sla_defaults
    assert isinstance(first, Limit) and isinstance(resolution, Limit)
    assert re.fullmatch(r"[A-Z]", declaration.reference_prefix)
    names = {step.action for step in workflow_steps(declaration.model)}
    assert declaration.internal_transitions <= names
    assert declaration.model.objects.kind == declaration.kind
    assert declaration.open_states <= set(declaration.states)
    assert declaration.appealable_states <= set(declaration.states)


@pytest.mark.parametrize("declaration", [d for d in KINDS if d.opening is not None], ids=lambda d: d.kind)
def test_every_kind_staff_open_describes_each_argument_of_its_opening(declaration):
    from cases.actions import opening_action

    step = opening_action(declaration)
    assert {a.name for a in step.arguments} == set(declaration.opening.arguments)


def test_reference_prefixes_are_unique():
    prefixes = [d.reference_prefix for d in KINDS]
    assert len(prefixes) == len(set(prefixes))


@pytest.mark.parametrize("declaration", KINDS, ids=lambda d: d.kind)
def test_every_transition_is_on_the_flow_page(client, declaration):
    with translation.override("zh-hans"):
        page = client.get("/flow/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        for step in workflow_steps(declaration.model):
            assert str(step.public_label) in page.replace("&#x27;", "'"), step.action


@pytest.mark.parametrize("declaration", KINDS, ids=lambda d: d.kind)
def test_walking_the_whole_workflow_reads_in_words_and_replays_identically(declaration, provider, staff):
    taken, reached = _walk(declaration, provider, staff)

    offered = {a.name for a in staff_transitions(declaration.model)}
    assert {action for _state, action in taken} == offered, "some staff transitions were never reachable"
    assert reached == set(declaration.states) - _only_reached_internally(declaration)

    cases = [as_kind(c) for c in Case.objects.filter(kind=declaration.kind)]
    for case in cases:
        details = declaration.details(data=case.details)
        assert details.is_valid(), (case.state, details.errors)
        if case.outcome:
            assert declaration.outcomes is not None and case.outcome in declaration.outcomes.values
    for event in Event.objects.filter(stream_id__in=[c.id for c in cases]):
        assert not unworded_fields(declaration, event.data), (event.type, unworded_fields(declaration, event.data))
    call_command("rebuild_projections", "--check")


def _only_reached_internally(declaration: KindDeclaration) -> set[str]:
    """States only an internal transition leads to (none of today's kinds has one)."""
    staff_targets = {a.target for a in staff_transitions(declaration.model)}
    internal_targets = {
        step.target for step in workflow_steps(declaration.model) if step.action in declaration.internal_transitions
    }
    return {state for state in internal_targets - staff_targets if state is not None}
