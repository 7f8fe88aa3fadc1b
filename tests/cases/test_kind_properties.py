"""Random sequences of staff steps on every registered kind, valid or not, taken by different
people and sometimes from a stale version: whatever happens, every case equals a replay of
its events, its versions run 1..n, and a refused step leaves no trace."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.actors import Actor
from accounts.models import Organisation, Role
from cases import commands
from cases.actions import staff_transitions
from cases.errors import DomainError
from cases.eventstore import Event
from cases.kinds import declarations
from cases.models import Case
from tests.cases.test_kind_declarations import _arguments
from tests.conftest import make_staff
from tests.kinds import FILERS, file_complaint

pytestmark = pytest.mark.django_db(transaction=True)

KINDS = declarations()


def _step_strategy(kind: str) -> st.SearchStrategy:
    names = sorted(a.name for a in staff_transitions(next(d.model for d in KINDS if d.kind == kind)))
    return st.tuples(
        st.sampled_from(names),
        st.integers(min_value=0, max_value=1),  # who takes it: the one who filed or a supervisor
        st.booleans(),  # arguments as a form would send them, or none at all
        st.booleans(),  # at the version just read, or one behind
    )


@pytest.mark.parametrize("declaration", KINDS, ids=lambda d: d.kind)
def test_any_sequence_of_steps_replays_to_the_same_case(declaration):
    organisation = Organisation.objects.create(
        slug=f"p-{declaration.kind}", name="Provider", kind=Organisation.Kind.PROVIDER
    )
    staff = [
        Actor.for_user(make_staff(organisation, f"{declaration.kind}-agent")),
        Actor.for_user(make_staff(organisation, f"{declaration.kind}-super", role=Role.SUPERVISOR)),
    ]
    other = file_complaint(organisation, staff[0])

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(steps=st.lists(_step_strategy(declaration.kind), max_size=8))
    def run(steps: list[tuple[str, int, bool, bool]]) -> None:
        case = FILERS[declaration.kind](organisation, staff[0])
        for name, who, with_arguments, current in steps:
            case.refresh_from_db()
            action = next(a for a in staff_transitions(type(case)) if a.name == name)
            events_before = Event.objects.filter(stream_id=case.id).count()
            try:
                commands.case_act(
                    case_id=case.id,
                    actor=staff[who],
                    expected_version=case.version if current else max(case.version - 1, 0),
                    action=name,
                    arguments=_arguments(action, other.reference) if with_arguments else {},
                )
            except DomainError:
                # Refused: nothing of it was kept.
                assert Event.objects.filter(stream_id=case.id).count() == events_before
        versions = list(Event.objects.filter(stream_id=case.id).values_list("stream_version", flat=True))
        assert versions == list(range(1, len(versions) + 1))
        assert Case.objects.get(pk=case.id).version == len(versions)

    run()
    call_command("rebuild_projections", "--check", stdout=StringIO(), stderr=StringIO())
