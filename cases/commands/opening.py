"""Staff opening a new case of a kind they open themselves (an incident, say), from the
workspace or the staff API.

A kind says in its declaration (`KindDeclaration.opening`) what an opening asks for; the
command that records its first event registers here with `opening_command`. `case_open` is
the one way in: it checks who is asking and what they sent, then runs that command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from accounts.models import Organisation
from cases.actions import Action, argument_values, arguments_of
from cases.commands.common import command
from cases.commands.staff import MSG_STAFF_ONLY, MSG_UNKNOWN_ARGUMENT
from cases.errors import CommandInvalid, TransitionForbidden
from cases.kinds import declaration_of, declared
from cases.models import Case
from cases.workflows.validation import MSG_REQUIRED

MSG_NOT_OPENED_BY_STAFF = _("Staff do not open cases of the kind “%(kind)s”.")

# The command that opens a case of each kind staff open, keyed by kind. Each takes the
# organisation, the actor and the arguments its kind's opening declares.
_OPENERS: dict[str, Callable[..., Case]] = {}

# What the opening of a case is called, as a step (the API and the forms use steps).
OPEN = "open"


def opening_command(kind: str) -> Callable[[Callable[..., Case]], Callable[..., Case]]:
    """Register the command that opens a case of `kind`."""

    def register(func: Callable[..., Case]) -> Callable[..., Case]:
        _OPENERS[kind] = func
        return func

    return register


def opener_of(kind: str) -> Callable[..., Case] | None:
    return _OPENERS.get(kind)


def opening_step(kind: str) -> Action | None:
    """Opening a case of `kind` as a step with its arguments (None if staff do not open one)."""
    if not declared(kind):
        return None
    opening = declaration_of(kind).opening
    opener = _OPENERS.get(kind)
    if opening is None or opener is None:
        return None
    arguments = arguments_of(opener, opening.arguments, besides=("actor", "organisation"))
    return Action(name=OPEN, label=opening.label, target=None, arguments=arguments)


@command
def case_open(*, actor: Actor, kind: str, arguments: dict[str, Any]) -> Case:
    """Open a new case of `kind` in the actor's organisation, with the arguments its opening
    asks for."""
    if not actor.is_provider_staff or actor.organisation_id is None:
        raise TransitionForbidden(MSG_STAFF_ONLY)
    step = opening_step(kind)
    if step is None:
        raise CommandInvalid.single("kind", MSG_NOT_OPENED_BY_STAFF % {"kind": kind})
    unknown = sorted(set(arguments) - {a.name for a in step.arguments})
    if unknown:
        raise CommandInvalid.single(unknown[0], MSG_UNKNOWN_ARGUMENT % {"name": unknown[0]})
    missing = {a.name: [MSG_REQUIRED] for a in step.arguments if a.required and a.name not in arguments}
    if missing:
        raise CommandInvalid(missing)
    organisation = Organisation.objects.get(pk=actor.organisation_id)
    return _OPENERS[kind](organisation=organisation, actor=actor, **argument_values(step, arguments))
