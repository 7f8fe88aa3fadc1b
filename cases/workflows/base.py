"""How a case-kind workflow is written: django-fsm transitions that validate and record.

A transition method's body checks its arguments and returns the event data. The decorator
records the event (with the source and target states), and the applied event is what moves
the state; django-fsm then confirms the same target. Replay applies the events directly and
never calls these methods, so guards are not re-run on history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, cast

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed, has_transition_perm, transition

from cases.compiled_queries import CompiledQuery
from cases.errors import CommandInvalid, TransitionForbidden, TransitionNotAllowed

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from accounts.actors import Actor
    from cases.eventstore import Event
    from cases.models import Case

Permission = Callable[["Case", "Actor"], bool]


def staff_of_case_organisation(case: Case, actor: Actor) -> bool:
    return actor.is_system or actor.works_for(case.organisation_id)


def regulator_of_case(case: Case, actor: Actor) -> bool:
    """An officer of the regulator the case is addressed to (an order it issued)."""
    return actor.is_system or actor.addressed(case.counterpart_organisation_id)


def staff_or_tracking_public(case: Case, actor: Actor) -> bool:
    return staff_of_case_organisation(case, actor) or (actor.is_public and actor.tracks(case.id))


@dataclass(frozen=True)
class Argument:
    """What one argument of a transition asks of the person taking it, for forms and the API.

    `widget` is "text" (one line), "long" (free text), "choice" (one of `choices`), "measures"
    (enforcement measures), "reference" (another case's reference), "staff" (a member of
    staff), "urls" (web addresses, a list), "date" (a day, YYYY-MM-DD), "moment" (a date and
    time, Beijing time in forms, ISO 8601 in the API) or "files" (uploaded files, kept as the
    case's files once the step is recorded; through the web forms only)."""

    label: StrOrPromise
    widget: str = "text"
    choices: Sequence[tuple[str, StrOrPromise]] = ()
    help: StrOrPromise = ""
    # Choices that depend on who is asked (the providers a regulator supervises): the argument
    # is then a "choice" among these (see `cases.actions.for_actor`).
    choices_for: Callable[[Actor], Sequence[tuple[str, StrOrPromise]]] | None = None


@dataclass(frozen=True)
class Condition:
    """A rule a transition needs besides its source state, and the reason given to the person
    refused when the case does not meet it. A transition whose condition fails is not offered."""

    check: Callable[[Case], bool]
    reason: StrOrPromise

    def __call__(self, case: Case) -> bool:
        return self.check(case)


def choices_of(choices: type[models.Choices], only: Iterable[str] | None = None) -> list[tuple[str, StrOrPromise]]:
    """(value, label) pairs of `choices`, or of the values named in `only`."""
    wanted = set(only) if only is not None else None
    return [(value, label) for value, label in choices.choices if wanted is None or value in wanted]


def case_transition(
    *,
    source: str | Sequence[str],
    target: str | None,
    event: str,
    label: StrOrPromise,
    permission: Permission = staff_of_case_organisation,
    public_label: StrOrPromise | None = None,
    arguments: Mapping[str, Argument] | None = None,
    conditions: Sequence[Condition] = (),
) -> Callable[[Callable[..., dict[str, Any] | None]], Callable[..., Event]]:
    """Declare a workflow transition that records `event`.

    `target=None` validates the source state without changing it (e.g. assigning).
    `label` names the action for staff and for the published flow diagram. `arguments`
    describes each keyword argument of the body (besides `actor`), in the body's order.
    `conditions` must all hold besides the source state; the first that fails is the reason
    the step is refused.
    """

    def decorate(body: Callable[..., dict[str, Any] | None]) -> Callable[..., Event]:
        @wraps(body)
        def record_transition(self: Case, *, actor: Actor, **kwargs: Any) -> Event:
            data = body(self, actor=actor, **kwargs) or {}
            if target is not None:
                data = {**data, "from_state": self.state, "to_state": target}
            return self.record(event, data, actor=actor)

        # django-fsm types permissions and conditions for users and plain models; ours take an
        # Actor and a Case, which it hands through untouched.
        fsm_transition = transition(
            field="state",
            source=source,
            target=target,
            permission=cast("Any", permission),
            conditions=cast("Any", list(conditions)),
            custom={
                "event": event,
                "label": label,
                "public_label": public_label or label,
                "arguments": dict(arguments or {}),
            },
        )
        return cast("Callable[..., Event]", fsm_transition(record_transition))

    return decorate


MSG_ASSIGNEE_NOT_STAFF = _("The assignee must be an active member of staff of this organisation.")


def _assignable(organisation_id: int, user_id: int) -> models.QuerySet[Any]:
    from accounts.models import PROVIDER_ROLES, User

    staff = User.objects.filter(pk=user_id, organisation_id=organisation_id, role__in=PROVIDER_ROLES, is_active=True)
    return staff.values_list("pk", flat=True)[:1]


# Compiled once: every assignment asks it, and building the query cost more than running it.
_ASSIGNABLE = CompiledQuery(_assignable, organisation_id=int, user_id=int)


def is_assignable(*, organisation_id: int, user_id: int) -> bool:
    """Whether cases of the organisation may be given to this user: active staff of it."""
    return bool(_ASSIGNABLE.rows(organisation_id=organisation_id, user_id=user_id))


def assignment_check(case: Case, assignee_id: int | None) -> dict[str, Any]:
    """The data of an assignment, once the assignee is known to be staff of the case's organisation."""
    if assignee_id is not None and not is_assignable(organisation_id=case.organisation_id, user_id=assignee_id):
        raise CommandInvalid.single("assignee", MSG_ASSIGNEE_NOT_STAFF)
    return {"assignee_id": assignee_id}


def assignment_transition(open_states: Sequence[str]) -> Callable[..., Event]:
    """The assignment step every kind has, in its open states: to a member of staff of the
    case's organisation, or to nobody. In a workflow class: `assign = assignment_transition(…)`."""
    from cases.events import CaseEvent

    @case_transition(
        source=list(open_states),
        target=None,
        event=CaseEvent.ASSIGNED,
        label=_("Assign"),
        arguments={"assignee_id": Argument(_("Assignee"), "staff")},
    )
    def assign(self: Case, *, actor: Actor, assignee_id: int | None) -> dict[str, Any]:
        return assignment_check(self, assignee_id)

    return assign


def perform(case: Case, action: str, *, actor: Actor, **kwargs: Any) -> Event:
    """Run the transition named `action` for `actor`, with clear errors when it cannot run."""
    method = getattr(case, action)
    if not can_proceed(method):
        raise TransitionNotAllowed(action=action, state=case.state, reason=unmet_condition(case, action))
    if not has_transition_perm(method, cast("Any", actor)):
        raise TransitionForbidden()
    return cast("Event", method(actor=actor, **kwargs))


def unmet_condition(case: Case, action: str) -> str:
    """Why `action` cannot be taken now although the case is in one of its source states: the
    reason of its first failing condition ("" when the state is the problem)."""
    method = getattr(case, action)
    if not can_proceed(method, check_conditions=False):
        return ""
    transition = method._django_fsm.get_transition(case.state)
    for condition in transition.conditions if transition is not None else ():
        if not condition(case):
            return str(condition.reason) if isinstance(condition, Condition) else ""
    return ""


@dataclass(frozen=True)
class FlowStep:
    """One arrow of a workflow, as the published flow diagram draws it."""

    action: str
    source: str
    target: str | None
    event: str
    label: StrOrPromise
    public_label: StrOrPromise


def workflow_steps(case_class: type[Case]) -> list[FlowStep]:
    """Every transition of a case kind, read from its django-fsm definitions."""
    steps = [
        FlowStep(
            action=t.name,
            source=str(t.source),
            target=None if t.target is None else str(t.target),
            event=t.custom["event"],
            label=t.custom["label"],
            public_label=t.custom["public_label"],
        )
        for t in case_class._meta.get_field("state").get_all_transitions(case_class)
    ]
    return sorted(steps, key=lambda s: (s.action, s.source))


def event_targets(case_classes: Iterable[type[Case]]) -> dict[str, set[str | None]]:
    targets: dict[str, set[str | None]] = {}
    for case_class in case_classes:
        for step in workflow_steps(case_class):
            targets.setdefault(step.event, set()).add(step.target)
    return targets
