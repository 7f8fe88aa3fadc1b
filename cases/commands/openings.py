"""Opening a case of a kind that staff open themselves (a rumor refutation, an incident), from
the cases it answers or on its own, and linking newly filed cases to the cases that already answer them.

Both work from the kinds' declarations (`KindDeclaration.opening`, `intake_links`); nothing
here names a kind.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from accounts.models import Organisation
from cases import sla
from cases.actions import argument_values, opening_action
from cases.commands.common import attach_evidence, command, files_apart, issue_reference, load_for_update
from cases.commands.staff import MSG_STAFF_ONLY, MSG_UNKNOWN_ARGUMENT, link_both
from cases.errors import CaseNotFound, CommandInvalid, TransitionForbidden
from cases.kinds import KindDeclaration, as_kind, declaration_of, declarations, declared, kind_label
from cases.links import case_links
from cases.models import Case
from cases.references import normalise_reference
from cases.workflows.validation import MSG_REQUIRED

MAX_ALSO_FROM = 20

MSG_NOT_OPENED_BY_STAFF = _("Staff do not open cases of this kind.")
MSG_NOT_OPENED_FROM = _("A %(kind)s cannot be opened from a case of this kind.")
MSG_NEEDS_A_CASE = _("A %(kind)s is opened from another case.")
MSG_OTHER_UNKNOWN = _("No case of this organisation has the reference “%(reference)s”.")
MSG_OTHER_OF_WRONG_KIND = _("%(reference)s is a %(other_kind)s: a %(kind)s cannot be opened from it.")
MSG_TOO_MANY_OTHERS = _("At most %(max)s other cases.")
MSG_OTHER_SIDE = _("You may not open a %(kind)s.")

# What separates references typed into one box: new lines, commas (of either width),
# semicolons. Spaces do not: people type a reference with spaces in it.
_REFERENCE_SEPARATORS = re.compile(r"[\n\r,，、;；]+")


def split_references(text: str) -> list[str]:
    """The references typed into one box, one per line or separated by commas."""
    return [part.strip() for part in _REFERENCE_SEPARATORS.split(text or "") if part.strip()]


def _opening_of(kind: str) -> KindDeclaration:
    if not declared(kind) or declaration_of(kind).opening is None:
        raise CommandInvalid.single("kind", MSG_NOT_OPENED_BY_STAFF)
    return declaration_of(kind)


def _checked_arguments(declaration: KindDeclaration, arguments: dict[str, Any], actor: Actor) -> dict[str, Any]:
    action = opening_action(declaration, actor)
    unknown = sorted(set(arguments) - {a.name for a in action.arguments})
    if unknown:
        raise CommandInvalid.single(unknown[0], MSG_UNKNOWN_ARGUMENT % {"name": unknown[0]})
    missing = {a.name: [MSG_REQUIRED] for a in action.arguments if a.required and a.name not in arguments}
    if missing:
        raise CommandInvalid(missing)
    return argument_values(action, arguments)


def _other_sources(
    declaration: KindDeclaration, actor: Actor, references: Sequence[str], known: set[uuid.UUID]
) -> list[Case]:
    """The further cases named by reference, each of a kind this one is opened from, locked."""
    if len(references) > MAX_ALSO_FROM:
        raise CommandInvalid.single("also_from", MSG_TOO_MANY_OTHERS % {"max": MAX_ALSO_FROM})
    found = []
    for typed in references:
        reference = normalise_reference(typed)
        other = Case.objects.for_actor(actor).filter(reference=reference).only("id", "kind").first()
        if other is None:
            raise CommandInvalid.single("also_from", MSG_OTHER_UNKNOWN % {"reference": typed.strip()[:40]})
        if other.kind not in declaration.opening.from_kinds:  # type: ignore[union-attr]
            message = MSG_OTHER_OF_WRONG_KIND % {
                "reference": reference,
                "other_kind": kind_label(other.kind),
                "kind": kind_label(declaration.kind),
            }
            raise CommandInvalid.single("also_from", message)
        if other.id in known:
            continue
        known.add(other.id)
        found.append(as_kind(load_for_update(Case, case_id=other.id, actor=actor, expected_version=None)))
    return found


@command
def case_open(
    *,
    kind: str,
    actor: Actor,
    arguments: dict[str, Any],
    case_id: uuid.UUID | None = None,
    expected_version: int | None = None,
    also_from: Sequence[str] = (),
) -> Case:
    """Open a case of `kind`: from the case `case_id` (at the version the caller saw) and the
    further cases named in `also_from`, or from none when the kind allows it. The new case and
    each case it is opened from record the link between them."""
    if not actor.may_use_workspace or actor.organisation_id is None:
        raise TransitionForbidden(MSG_STAFF_ONLY)
    declaration = _opening_of(kind)
    opening = declaration.opening
    assert opening is not None  # checked by _opening_of
    if opening.opened_by != actor.side:
        raise TransitionForbidden(MSG_OTHER_SIDE % {"kind": kind_label(kind)})
    values, files = files_apart(opening_action(declaration, actor), _checked_arguments(declaration, arguments, actor))
    sources: list[Case] = []
    if case_id is not None:
        source = Case.objects.for_actor(actor).filter(pk=case_id).only("kind").first()
        if source is None:
            raise CaseNotFound()
        if source.kind not in opening.from_kinds:
            raise CommandInvalid.single("kind", MSG_NOT_OPENED_FROM % {"kind": kind_label(kind)})
        sources.append(as_kind(load_for_update(Case, case_id=case_id, actor=actor, expected_version=expected_version)))
    sources += _other_sources(declaration, actor, also_from, {source.id for source in sources})
    if not sources and not opening.standalone:
        raise CommandInvalid.single("also_from", MSG_NEEDS_A_CASE % {"kind": kind_label(kind)})

    case = declaration.model(id=uuid.uuid4())
    organisation = Organisation.objects.get(pk=actor.organisation_id)
    data = opening.body(case, actor=actor, organisation=organisation, sources=sources, **values)
    time_limits = sla.time_limits(kind, timezone.now(), priority=int(data.get("priority") or 0))
    # The body names the organisation the case belongs to when it is not the opener's (an
    # order a regulator issues belongs to the provider it is issued to).
    case.record(
        opening.event,
        {
            "organisation_id": actor.organisation_id,
            "reference": issue_reference(kind),
            **time_limits,
            # A kind whose deadline is set by whoever opens it (an order's) gives its own.
            **data,
            "to_state": opening.state,
        },
        actor=actor,
    )
    for source in sources:
        link_both(case, source, link=opening.link, actor=actor)
    if opening.after is not None:
        opening.after(case, sources, actor)
    if files:
        attach_evidence(case, files, actor=actor)
    return case


def link_on_intake(case: Case, *, request_id: str = "") -> list[Case]:
    """Link a case just filed to the cases of other kinds that already answer it (a published
    refutation of the claim at the address it names), on both streams, as the system. Runs
    inside the filing's transaction. Returns the cases it was linked to."""
    system = Actor.system(request_id=request_id)
    linked: list[Case] = []
    already = {link["case_id"] for link in case_links(case)}
    for declaration in declarations():
        opening = declaration.opening
        if declaration.intake_links is None or opening is None or case.kind not in opening.from_kinds:
            continue
        for found in declaration.intake_links(case):
            if str(found.id) in already:
                continue
            answering = as_kind(load_for_update(Case, case_id=found.id, actor=system, expected_version=None))
            link_both(answering, case, link=opening.link, actor=system)
            already.add(str(found.id))
            linked.append(answering)
    return linked
