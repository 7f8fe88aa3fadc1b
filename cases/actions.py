"""Which workflow transitions a person may take on a case now, and what each asks of them.

Computed in one place from the django-fsm definitions and the kind's declaration, for the
case page's forms and the staff API alike. Internal transitions (consequences another command
takes, such as reversing a measure after an appeal) and assignment (it has controls of its
own) are never offered.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django_fsm import can_proceed, has_transition_perm

from cases.events import CaseEvent
from cases.kinds import declaration_of, openable_from
from cases.workflows.base import Argument, unmet_condition

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from accounts.actors import Actor
    from cases.kinds import KindDeclaration
    from cases.models import Case


@dataclass(frozen=True)
class ActionArgument:
    name: str
    required: bool
    spec: Argument


@dataclass(frozen=True)
class Action:
    name: str
    label: StrOrPromise
    target: str | None
    arguments: list[ActionArgument]


@dataclass(frozen=True)
class BlockedAction:
    """A step the case's state allows but one of its rules does not yet, and why."""

    action: Action
    reason: str


def arguments_of(
    function: Any, declared: Mapping[str, Argument], *, besides: Iterable[str] = ("actor",)
) -> list[ActionArgument]:
    """What a transition body or a command asks for: each keyword-only parameter but those
    `besides`, required when it has no default, described by `declared`."""
    body = inspect.unwrap(function)
    skipped = set(besides)
    found = []
    for parameter in inspect.signature(body).parameters.values():
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY or parameter.name in skipped:
            continue
        spec = declared.get(parameter.name) or Argument(parameter.name)
        found.append(ActionArgument(parameter.name, parameter.default is inspect.Parameter.empty, spec))
    return found


def staff_transitions(case_class: type[Case]) -> list[Action]:
    """Every transition of the kind that staff take through a form, whatever the state."""
    declaration = declaration_of(case_class.objects.kind)  # type: ignore[attr-defined]
    field = case_class._meta.get_field("state")
    actions: dict[str, Action] = {}
    for transition in field.get_all_transitions(case_class):
        if transition.name in declaration.internal_transitions or transition.custom["event"] == CaseEvent.ASSIGNED:
            continue
        if transition.name not in actions:
            actions[transition.name] = Action(
                name=transition.name,
                label=transition.custom["label"],
                target=transition.target,
                arguments=arguments_of(getattr(case_class, transition.name), transition.custom.get("arguments", {})),
            )
    return list(actions.values())


def available_actions(case: Case, actor: Actor) -> list[Action]:
    """The transitions `actor` may take on `case` in its current state: each transition's own
    permission says which party to the case takes it."""
    if not actor.is_party_to(case):
        return []
    if not case.declaration.may_handle(case, actor):
        return []  # e.g. an appeal against their own decision: someone else must handle it
    offered = {action.name: action for action in staff_transitions(type(case))}
    available = []
    for transition in case.get_available_state_transitions():  # type: ignore[attr-defined]
        action = offered.get(transition.name)
        if action is not None and has_transition_perm(getattr(case, transition.name), actor):
            available.append(action)
    return sorted(available, key=lambda a: list(offered).index(a.name))


def blocked_actions(case: Case, actor: Actor) -> list[BlockedAction]:
    """The steps `actor` could take in this state but for a rule the case does not meet yet
    (closing an incident before its report is recorded), each with the rule's reason."""
    if not actor.is_party_to(case):
        return []
    if not case.declaration.may_handle(case, actor):
        return []
    blocked = []
    for action in staff_transitions(type(case)):
        method = getattr(case, action.name)
        if can_proceed(method) or not can_proceed(method, check_conditions=False):
            continue
        reason = unmet_condition(case, action.name)
        # Asked of the transition directly: django-fsm's has_transition_perm checks the
        # conditions too, which are what fails here.
        if reason and method._django_fsm.has_transition_perm(case, case.state, actor):
            blocked.append(BlockedAction(action=action, reason=reason))
    return blocked


def action_named(case: Case, name: str) -> Action | None:
    """The staff transition of this kind called `name`, in any state (None if there is none)."""
    return next((a for a in staff_transitions(type(case)) if a.name == name), None)


def argument_values(action: Action, given: dict[str, Any]) -> dict[str, Any]:
    """Only the arguments the action takes, from what a form or a request sent."""
    return {argument.name: given[argument.name] for argument in action.arguments if argument.name in given}


# --- Opening a case of another kind ---------------------------------------------------------

# Keyword arguments an opening's body gets from the command, never from the person opening.
OPENING_GIVEN = ("actor", "organisation", "sources")


def opening_action(declaration: KindDeclaration, actor: Actor | None = None) -> Action:
    """What opening a case of the kind asks of staff, as a step for forms and the API. With
    `actor`, choices that depend on who opens (the providers a regulator supervises) are filled in."""
    opening = declaration.opening
    if opening is None:
        raise ValueError(f"cases of kind {declaration.kind!r} are not opened by staff")
    arguments = arguments_of(opening.body, opening.arguments, besides=OPENING_GIVEN)
    if actor is not None:
        arguments = [for_actor(argument, actor) for argument in arguments]
    return Action(name=f"open_{declaration.kind}", label=opening.label, target=opening.state, arguments=arguments)


def for_actor(argument: ActionArgument, actor: Actor) -> ActionArgument:
    """The argument with the choices it offers this person, when they depend on who asks."""
    spec = argument.spec
    if spec.choices_for is None:
        return argument
    return replace(argument, spec=replace(spec, widget="choice", choices=list(spec.choices_for(actor))))


@dataclass(frozen=True)
class OpeningOffer:
    """A kind of case `actor` may open from a case, and what opening it asks."""

    kind: str
    action: Action


def available_openings(case: Case, actor: Actor) -> list[OpeningOffer]:
    """The kinds of case `actor` may open from `case` (a refutation from a complaint)."""
    if not (actor.is_provider_staff and actor.works_for(case.organisation_id)):
        return []
    offers = [OpeningOffer(d.kind, opening_action(d, actor)) for d in openable_from(case.kind)]
    return [offer for offer in offers if possible(offer.action)]


def possible(action: Action) -> bool:
    """Whether the step can be taken at all: a required choice with nothing to choose (a
    report, when no regulator supervises the organisation) cannot."""
    return all(
        argument.spec.choices or not argument.required
        for argument in action.arguments
        if argument.spec.widget == "choice"
    )
