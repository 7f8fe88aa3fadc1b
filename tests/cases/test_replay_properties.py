"""Random command sequences, valid and invalid, on several complaints: whatever happens, the
projections equal a replay of the events, and every stream's versions run 1..n."""

from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.actors import Actor
from cases import commands
from cases.errors import DomainError
from cases.eventstore import Event
from cases.models import Case

# The complaint life as the requirements state it, written independently of the workflow
# module: action -> (states it may start from, state it leads to; None = unchanged).
EXPECTED_MOVES = {
    "accept": ({"submitted"}, "triaged"),
    "reject": ({"submitted"}, "rejected"),
    "start_investigation": ({"triaged"}, "investigating"),
    "request_information": ({"investigating"}, "awaiting_complainant"),
    "receive_information": ({"awaiting_complainant"}, "investigating"),
    "resolve": ({"investigating"}, "resolved"),
    "close": ({"resolved", "rejected"}, "closed"),
    "assign": ({"submitted", "triaged", "investigating", "awaiting_complainant"}, None),
}
WITHOUT_ARGUMENTS = {"start_investigation", "close"}


def _arguments(action: str, valid: bool, assignee_id: int) -> dict:
    if action == "reject":
        return {"reason": "invalid", "explanation": "Not a complaint."} if valid else {"reason": "", "explanation": ""}
    if action == "request_information":
        return {"question": "When did you see it?" if valid else ""}
    if action == "receive_information":
        return {"text": "Yesterday at noon." if valid else " "}
    if action == "resolve":
        if valid:
            return {"outcome": "violation", "measures": ["content_removed"], "summary": "Removed."}
        return {"outcome": "violation", "measures": [], "summary": "Removed."}
    if action == "assign":
        return {"assignee_id": assignee_id if valid else -1}
    if action == "accept":
        return {"note": "ok" if valid else "x" * 6000}
    return {}


steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),  # which complaint
        st.sampled_from(sorted(EXPECTED_MOVES)),
        # Mostly well-formed and current, so that sequences reach the later states too.
        st.sampled_from([True, True, True, False]),  # valid arguments?
        st.sampled_from([False, False, False, True]),  # stale expected version?
        st.sampled_from([False, False, False, True]),  # act as the tracking complainant?
    ),
    max_size=40,
)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_any_command_sequence_replays_to_the_same_projections(sequence, submit_complaint, agent):
    complaints = [submit_complaint().case for _ in range(3)]
    model = {c.id: {"state": "submitted", "version": 1} for c in complaints}

    for index, action, valid, stale, as_complainant in sequence:
        case = complaints[index]
        expected = model[case.id]
        actor = Actor.public(tracked_case_ids=frozenset({case.id})) if as_complainant else agent
        version = expected["version"] - 1 if stale else expected["version"]
        sources, target = EXPECTED_MOVES[action]
        should_succeed = (
            (valid or action in WITHOUT_ARGUMENTS)
            and not stale
            and expected["state"] in sources
            and (not as_complainant or action == "receive_information")
        )
        try:
            commands.COMPLAINT_COMMANDS[action](
                case_id=case.id, actor=actor, expected_version=version, **_arguments(action, valid, agent.user_id)
            )
        except DomainError:
            succeeded = False
        else:
            succeeded = True
        assert succeeded == should_succeed, (action, expected, valid, stale, as_complainant)
        if succeeded:
            expected["version"] += 1
            expected["state"] = target or expected["state"]
        stored = Case.objects.get(pk=case.id)
        assert (stored.state, stored.version) == (expected["state"], expected["version"])

    out = StringIO()
    call_command("rebuild_projections", "--check", stdout=out, stderr=StringIO())
    assert "Projections match the events." in out.getvalue()
    for case in complaints:
        versions = list(
            Event.objects.filter(stream_id=case.id).order_by("position").values_list("stream_version", flat=True)
        )
        assert versions == list(range(1, model[case.id]["version"] + 1))
