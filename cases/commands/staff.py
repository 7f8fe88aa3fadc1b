"""Commands staff take on a case of any kind: a workflow step by name, internal notes, links
between cases, claiming and assigning (one case or several), and handing out the next case."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from cases.actions import action_named, argument_values
from cases.commands.common import CaseT, Files, attach_evidence, command, files_apart, load_for_update
from cases.errors import (
    CaseNotFound,
    CommandInvalid,
    ConcurrencyConflict,
    DomainError,
    TransitionForbidden,
    TransitionNotAllowed,
)
from cases.events import CaseEvent
from cases.kinds import as_kind, declaration_of, kind_label
from cases.links import INVERSE, LinkType, case_links, link_allowed
from cases.models import Case
from cases.references import normalise_reference
from cases.staff_queries import open_cases
from cases.workflows.base import MSG_ASSIGNEE_NOT_STAFF, is_assignable, perform
from cases.workflows.validation import MSG_REQUIRED, choice, required_text

MAX_NOTE = 5000

MSG_LINK_SELF = _("A case cannot be linked to itself.")
MSG_LINK_UNKNOWN = _("No case of this organisation has that reference.")
MSG_LINK_EXISTS = _("These cases are already linked.")
MSG_LINK_KINDS = _("“%(link)s” cannot link these two kinds of case (%(kind)s, %(other_kind)s).")
MSG_ALREADY_CLAIMED = _("This case is already assigned to someone else.")
MSG_NOT_ASSIGNED_TO_YOU = _("This case is not assigned to you.")
MSG_UNKNOWN_ACTION = _("“%(action)s” is not a step of this kind of case.")
MSG_UNKNOWN_ARGUMENT = _("This step takes no “%(name)s”.")
MSG_STAFF_ONLY = _("Only staff of the case's organisation may do this.")

# Workflow steps that need more than the transition: a command that also does what follows
# from them (an overturned appeal undoes the decision), keyed by (kind, action).
_STEP_COMMANDS: dict[tuple[str, str], Callable[..., Case]] = {}


def step_command(kind: str, action: str) -> Callable[[Callable[..., CaseT]], Callable[..., CaseT]]:
    """Register the command that takes `action` on cases of `kind` instead of the bare step."""

    def register(func: Callable[..., CaseT]) -> Callable[..., CaseT]:
        _STEP_COMMANDS[(kind, action)] = func
        return func

    return register


def _staff_case(actor: Actor, case_id: uuid.UUID) -> Case:
    if not actor.may_use_workspace:
        raise CaseNotFound()
    case = Case.objects.for_actor(actor).filter(pk=case_id).only("kind").first()
    if case is None:
        raise CaseNotFound()
    return case


def case_act(
    *, case_id: uuid.UUID, actor: Actor, expected_version: int, action: str, arguments: dict[str, Any]
) -> Case:
    """Take the workflow step `action` on a case of any kind, with the arguments it asks for."""
    kind = _staff_case(actor, case_id).kind
    model = declaration_of(kind).model
    offered = action_named(model(kind=kind), action)
    if offered is None:
        raise TransitionNotAllowed(action=action, state="")
    unknown = sorted(set(arguments) - {a.name for a in offered.arguments})
    if unknown:
        raise CommandInvalid.single(unknown[0], MSG_UNKNOWN_ARGUMENT % {"name": unknown[0]})
    missing = {a.name: [MSG_REQUIRED] for a in offered.arguments if a.required and a.name not in arguments}
    if missing:
        raise CommandInvalid(missing)
    values = argument_values(offered, arguments)
    special = _STEP_COMMANDS.get((kind, action))
    if special is not None:
        return special(case_id=case_id, actor=actor, expected_version=expected_version, **values)
    values, files = files_apart(offered, values)
    return _run_step(
        model=model,
        case_id=case_id,
        actor=actor,
        expected_version=expected_version,
        action=action,
        values=values,
        files=files,
    )


@command
def _run_step(
    *,
    model: type[Case],
    case_id: uuid.UUID,
    actor: Actor,
    expected_version: int,
    action: str,
    values: dict[str, Any],
    files: Files,
) -> Case:
    case = load_for_update(model, case_id=case_id, actor=actor, expected_version=expected_version)
    perform(case, action, actor=actor, **values)
    if files:
        attach_evidence(case, files, actor=actor)
    return case


@command
def case_note_add(*, case_id: uuid.UUID, actor: Actor, expected_version: int, note: str) -> Case:
    """An internal note: kept in the history for staff, never shown to the public."""
    _staff_case(actor, case_id)
    case = as_kind(load_for_update(Case, case_id=case_id, actor=actor, expected_version=expected_version))
    case.record(CaseEvent.NOTE_ADDED, {"note": required_text("note", note, max_length=MAX_NOTE)}, actor=actor)
    return case


MSG_NOTHING_TO_REVEAL = _("This case holds no personal data of a filer.")


@command
def case_personal_data_reveal(*, case_id: uuid.UUID, actor: Actor, expected_version: int) -> Case:
    """Show the masked personal data of the case's subject to this member of staff, recording
    that they saw it (their identity and the time are the event's; the data is not in it)."""
    _staff_case(actor, case_id)
    case = as_kind(load_for_update(Case, case_id=case_id, actor=actor, expected_version=expected_version))
    if case.subject_id is None:
        raise CommandInvalid.single("case", MSG_NOTHING_TO_REVEAL)
    if not actor.is_provider_staff or not actor.works_for(case.organisation_id):
        raise TransitionForbidden(MSG_STAFF_ONLY)
    case.record(CaseEvent.PERSONAL_DATA_REVEALED, {}, actor=actor)
    return case


@command
def case_link(*, case_id: uuid.UUID, actor: Actor, expected_version: int, link: str, other_reference: str) -> Case:
    """Link the case to another of the organisation's; both record the link (a duplicate's
    original records that it has one)."""
    _staff_case(actor, case_id)
    link = choice("link", link, LinkType)
    case = as_kind(load_for_update(Case, case_id=case_id, actor=actor, expected_version=expected_version))
    reference = normalise_reference(other_reference)
    other = Case.objects.for_actor(actor).filter(reference=reference).only("id").first()
    if other is None:
        raise CommandInvalid.single("other_reference", MSG_LINK_UNKNOWN)
    if other.id == case.id:
        raise CommandInvalid.single("other_reference", MSG_LINK_SELF)
    if any(existing["case_id"] == str(other.id) for existing in case_links(case)):
        raise CommandInvalid.single("other_reference", MSG_LINK_EXISTS)
    other = as_kind(load_for_update(Case, case_id=other.id, actor=actor, expected_version=None))
    if not link_allowed(link, case.kind, other.kind):
        message = MSG_LINK_KINDS % {
            "link": LinkType(link).label,
            "kind": kind_label(case.kind),
            "other_kind": kind_label(other.kind),
        }
        raise CommandInvalid.single("link", message)
    link_both(case, other, link=link, actor=actor)
    return case


def link_both(case: Case, other: Case, *, link: str, actor: Actor) -> None:
    """Record on `case` that it is `link` to `other`, and the inverse on `other`. Both must be
    loaded for this write (the command's transaction holds them)."""
    case.record(
        CaseEvent.LINKED,
        {"link": link, "linked_case_id": str(other.id), "linked_reference": other.reference},
        actor=actor,
    )
    other.record(
        CaseEvent.LINKED,
        {"link": INVERSE[LinkType(link)], "linked_case_id": str(case.id), "linked_reference": case.reference},
        actor=actor,
    )


# --- Claiming and assigning -----------------------------------------------------------------


def _assign(case: Case, *, actor: Actor, assignee_id: int | None) -> Case:
    try:
        perform(case, "assign", actor=actor, assignee_id=assignee_id)
    except TransitionNotAllowed as exc:
        raise TransitionNotAllowed(action="assign", state=case.state_label) from exc
    return case


@command
def case_assign(*, case_id: uuid.UUID, actor: Actor, expected_version: int, assignee_id: int | None) -> Case:
    """Give the case to a member of staff of its organisation (or to nobody)."""
    _staff_case(actor, case_id)
    case = as_kind(load_for_update(Case, case_id=case_id, actor=actor, expected_version=expected_version))
    return _assign(case, actor=actor, assignee_id=assignee_id)


@command
def case_claim(*, case_id: uuid.UUID, actor: Actor, expected_version: int) -> Case:
    """Take an unassigned case for oneself."""
    _staff_case(actor, case_id)
    case = as_kind(load_for_update(Case, case_id=case_id, actor=actor, expected_version=expected_version))
    if case.assignee_id is not None and case.assignee_id != actor.user_id:
        raise TransitionForbidden(MSG_ALREADY_CLAIMED)
    if not case.declaration.may_handle(case, actor):
        raise TransitionForbidden(case.declaration.may_not_handle_message)
    return _assign(case, actor=actor, assignee_id=actor.user_id)


@command
def case_unassign(*, case_id: uuid.UUID, actor: Actor, expected_version: int) -> Case:
    """Give a case back to the queue."""
    _staff_case(actor, case_id)
    case = as_kind(load_for_update(Case, case_id=case_id, actor=actor, expected_version=expected_version))
    return _assign(case, actor=actor, assignee_id=None)


def unclaimed_open_cases(actor: Actor) -> QuerySet[Case]:
    """The organisation's cases still being handled that nobody has taken."""
    return open_cases(actor).filter(assignee_id__isnull=True)


# How many candidates "next case" reads at a time before locking one of them.
NEXT_CASE_BATCH = 50


@command
def case_take_next(*, actor: Actor) -> Case | None:
    """Assign the most urgent unclaimed open case the actor may handle to them, or None.

    Candidates are read without locks and sifted by their kind's handler rule; then only the
    first that passes and that no other request holds is locked (SKIP LOCKED). Locking every
    candidate read would make agents who ask at the same moment skip cases nobody is taking,
    and tell them that none is waiting. The locking query repeats the "open and unassigned"
    conditions, which PostgreSQL checks again on the row it locks, so a case taken since it
    was read is passed over. SQLite serialises writers instead."""
    if not actor.is_provider_staff:
        raise TransitionForbidden(MSG_STAFF_ONLY)
    unclaimed = unclaimed_open_cases(actor).order_by(F("due_at").asc(nulls_last=True), "created_at", "id")
    passed_over: list[uuid.UUID] = []
    while True:
        batch = [as_kind(case) for case in unclaimed.exclude(pk__in=passed_over)[:NEXT_CASE_BATCH]]
        eligible = [case.pk for case in batch if case.declaration.may_handle(case, actor)]
        passed_over += [case.pk for case in batch]
        if eligible:
            lockable = unclaimed.filter(pk__in=eligible)
            if connection.features.has_select_for_update_skip_locked:
                lockable = lockable.select_for_update(skip_locked=True, of=("self",))
            locked = lockable.first()
            # The rule is asked again of the row as locked, in case it changed since the read.
            if locked is not None and as_kind(locked).declaration.may_handle(locked, actor):
                return _assign(locked, actor=actor, assignee_id=actor.user_id)
        if len(batch) < NEXT_CASE_BATCH:
            return None


@dataclass(frozen=True)
class AssignmentOutcome:
    """What became of each case of a bulk assignment, by reference."""

    assigned: list[str] = field(default_factory=list)
    # Changed since the version the caller saw: left as they are.
    changed: list[str] = field(default_factory=list)
    # No longer being handled, so no longer assignable.
    finished: list[str] = field(default_factory=list)
    # Refused for another reason: (reference, why).
    refused: list[tuple[str, str]] = field(default_factory=list)


def case_assign_many(*, actor: Actor, assignee_id: int, versions: Mapping[uuid.UUID, int]) -> AssignmentOutcome:
    """Assign several cases to one member of staff, each at the version the caller saw.

    Each case is assigned by `case_assign` in its own transaction, never one spanning them
    all: a case that changed meanwhile is left alone and reported, and undoes nothing for
    the others, while no case is ever half assigned."""
    if not actor.is_provider_staff or actor.organisation_id is None:
        raise TransitionForbidden(MSG_STAFF_ONLY)
    if not is_assignable(organisation_id=actor.organisation_id, user_id=assignee_id):
        raise CommandInvalid.single("assignee", MSG_ASSIGNEE_NOT_STAFF)
    references = dict(Case.objects.for_actor(actor).filter(pk__in=list(versions)).values_list("id", "reference"))
    outcome = AssignmentOutcome()
    for case_id, version in versions.items():
        reference = references.get(case_id)
        if reference is None:
            outcome.refused.append((str(case_id), str(CaseNotFound())))
            continue
        try:
            case_assign(case_id=case_id, actor=actor, expected_version=version, assignee_id=assignee_id)
        except ConcurrencyConflict:
            outcome.changed.append(reference)
        except TransitionNotAllowed:
            outcome.finished.append(reference)
        except DomainError as exc:
            outcome.refused.append((reference, str(exc)))
        else:
            outcome.assigned.append(reference)
    return outcome
