"""Every workflow, driven through the staff API from every state staff can reach: each step the
case offers succeeds, every other step of its kind is refused, and the log replays to the
same projections afterwards."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections import deque
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from cases.actions import Action, staff_transitions
from cases.kinds import KindDeclaration, declarations
from cases.models import Case
from tests.api.staff.conftest import case_path, client_for, post, version_of
from tests.kinds import regulator_officer_of

pytestmark = pytest.mark.django_db

TEXT = "Written for the record."
MEASURES = [{"measure": "warning", "account": "user-1"}]
URLS = ["https://claims.example.com/p/1"]
DAY = "2025-01-10"
_LATER = itertools.count()
# Where the first choice is not what the test wants, or another argument depends on it.
CHOICES = {
    ("complaint", "reject", "reason"): "invalid",
    ("complaint", "resolve", "outcome"): "violation",
}


def arguments_for(kind: str, action: Action, other_reference: str) -> dict[str, Any]:
    """Valid arguments for a step, by the widget each argument declares."""
    values: dict[str, Any] = {}
    for argument in action.arguments:
        widget = argument.spec.widget
        if widget == "choice":
            values[argument.name] = CHOICES.get((kind, action.name, argument.name), argument.spec.choices[0][0])
        elif widget == "measures":
            values[argument.name] = MEASURES
        elif widget == "reference":
            values[argument.name] = other_reference
        elif widget in ("text", "long"):
            values[argument.name] = TEXT
        elif widget == "urls":
            values[argument.name] = URLS
        elif widget == "date":
            values[argument.name] = DAY
        elif widget == "files":
            continue  # files go through the web forms only
        elif widget == "moment":
            # A moment staff may leave out (when a report went out) is left out; one they must
            # give is a deadline: later than any before it.
            if argument.required:
                values[argument.name] = (timezone.now() + dt.timedelta(days=30 + next(_LATER))).isoformat()
        else:
            raise AssertionError(f"no test value for the {widget!r} widget of {kind}.{action.name}")
    return values


@pytest.mark.parametrize("declaration", declarations(), ids=lambda d: d.kind)
def test_every_offered_step_succeeds_from_every_reachable_state_and_every_other_is_refused(
    declaration: KindDeclaration, file_case, supervisor_api, provider
):
    # The supervisor acts (for an appeal, someone other than the original decider), and for a
    # case with two parties, an officer of the regulator it is addressed to takes its steps.
    kind = declaration.kind
    steps = {action.name: action for action in staff_transitions(declaration.model)}
    other_reference = file_case("complaint").reference
    officer_api = client_for(User.objects.get(pk=regulator_officer_of(provider).user_id))
    parties = (supervisor_api, officer_api)

    def offered_to(case_id) -> dict[str, object]:
        """Each step offered now, and the party it is offered to."""
        found = {}
        for party in parties:
            shown = party.get(case_path(case_id))
            if shown.status_code == 200:
                found.update(
                    {action["name"]: party for action in shown.json()["actions"] if action["name"] not in found}
                )
        return found

    def take(case_id, name: str, party=supervisor_api):
        arguments = arguments_for(kind, steps[name], other_reference)
        return post(party, case_path(case_id, "transitions", name), arguments, version=version_of(case_id))

    def case_at(path: list[str]) -> Case:
        case = file_case(kind)
        for name in path:
            assert take(case.id, name, offered_to(case.id)[name]).status_code == 200, (path, name)
        return case

    paths = {file_case(kind).state: []}
    to_visit = deque(paths)
    taken: set[str] = set()
    while to_visit:
        state = to_visit.popleft()
        case = case_at(paths[state])
        shown = supervisor_api.get(case_path(case.id)).json()
        assert shown["state"] == state
        offered = offered_to(case.id)

        for name in sorted(set(steps) - set(offered)):
            refused = take(case.id, name)
            assert refused.status_code == 409, (state, name, refused.json())
            assert refused.json()["code"] == "transition_not_allowed"
            assert name in refused.json()["detail"]
        assert version_of(case.id) == shown["version"]  # nothing was recorded

        for name, party in offered.items():
            fresh = case_at(paths[state])
            response = take(fresh.id, name, party)
            assert response.status_code == 200, (state, name, response.json())
            body = response.json()
            assert body["state"] == (steps[name].target or state)
            assert response["ETag"] == f'"{body["version"]}"' == f'"{version_of(fresh.id)}"'
            taken.add(name)
            if body["state"] not in paths:
                paths[body["state"]] = [*paths[state], name]
                to_visit.append(body["state"])

    assert taken == set(steps), "every staff step of the kind is reachable"
    assert set(paths) == set(declaration.states)
    call_command("rebuild_projections", "--check", stdout=io.StringIO(), stderr=io.StringIO())
