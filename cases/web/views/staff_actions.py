"""What staff do on a case page: take a workflow step, add an internal note, link the case to
another, open a case of another kind from it, claim it, assign it or give it back.

Each view checks the form, calls one command, and redirects to the case page (POST, redirect,
GET) with a message saying what was done. A refusal is shown on the case page as it is now:
the form's errors (400), a change someone else made first or a step no longer possible (409),
a rule that keeps this person from the step (403). Another organisation's case is a 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.actors import Actor
from cases.actions import action_named, available_openings
from cases.commands import (
    case_act,
    case_assign,
    case_claim,
    case_link,
    case_note_add,
    case_open,
    case_personal_data_reveal,
    case_unassign,
)
from cases.errors import MSG_TRANSITION_NOT_ALLOWED, MSG_TRANSITION_REFUSED, DomainError, TransitionNotAllowed
from cases.kinds import kind_label
from cases.models import Case
from cases.staff_queries import staff_case
from cases.web.domain_errors import refusal_for
from cases.web.staff_access import staff_member_required, workspace_member_required
from cases.web.staff_action_forms import (
    ActionForm,
    AssignForm,
    ErasureForm,
    LinkForm,
    NoteForm,
    OpeningForm,
    StaffForm,
    VersionForm,
)
from cases.web.staff_case_page import (
    ASSIGN,
    CLAIM,
    ERASE,
    LINK,
    NOTE,
    REVEAL,
    UNASSIGN,
    action_prefix,
    case_controls,
    needs_staff,
    opening_prefix,
    render_case_page,
    staff_choices,
)


def _case_or_404(actor: Actor, case_id: uuid.UUID) -> Case:
    case = staff_case(actor=actor, case_id=case_id)
    if case is None:
        raise Http404
    return case


def _submit(
    request: HttpRequest,
    actor: Actor,
    case: Case,
    form: StaffForm,
    *,
    run: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], str],
    step_label: str,
    goto: Callable[[Any], uuid.UUID] | None = None,
) -> HttpResponse:
    """Check the form, run the command with its data, and answer: the case page again with
    the refusal, or a redirect with what was done, to the case (or to the one `goto` names)."""
    if not form.is_valid():
        return render_case_page(request, actor, case, controls=case_controls(case, actor, bound=form), status=400)
    try:
        result = run(form.cleaned_data)
    except DomainError as error:
        refusal = refusal_for(error)
        if refusal.not_found:
            raise Http404 from error
        if refusal.invalid:
            form.add_command_errors(refusal.errors or {"": [refusal.message]})
            return render_case_page(request, actor, case, controls=case_controls(case, actor, bound=form), status=400)
        fresh = _case_or_404(actor, case.id)
        message = refusal.message
        if isinstance(error, TransitionNotAllowed):
            # The command names the step and the state by their codes; the page has their words.
            if error.reason:
                message = str(MSG_TRANSITION_REFUSED % {"action": step_label, "reason": error.reason})
            else:
                message = str(MSG_TRANSITION_NOT_ALLOWED % {"action": step_label, "state": fresh.state_label})
        return render_case_page(
            request,
            actor,
            fresh,
            controls=case_controls(fresh, actor, retyped=form),
            status=refusal.status,
            refusal=message,
        )
    messages.success(request, done(result))
    return redirect("web:staff_case", case_id=goto(result) if goto is not None else case.id)


@never_cache
@require_POST
@workspace_member_required
def staff_case_act(request: HttpRequest, actor: Actor, case_id: uuid.UUID, action: str) -> HttpResponse:
    """Take one workflow step, with the arguments its form asked for."""
    case = _case_or_404(actor, case_id)
    step = action_named(case, action)
    if step is None:
        raise Http404
    form = ActionForm(
        request.POST,
        request.FILES,
        action=step,
        staff=staff_choices(actor) if needs_staff(step) else (),
        prefix=action_prefix(step.name),
    )
    return _submit(
        request,
        actor,
        case,
        form,
        run=lambda data: case_act(
            case_id=case.id,
            actor=actor,
            expected_version=data["expected_version"],
            action=step.name,
            arguments=form.command_arguments(),
        ),
        done=lambda changed: (
            _("Done: %(action)s. The case is now “%(state)s”.") % {"action": step.label, "state": changed.state_label}
        ),
        step_label=str(step.label),
    )


@never_cache
@require_POST
@staff_member_required
def staff_case_note(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> HttpResponse:
    """Add an internal note, kept in the case's history for staff only."""
    case = _case_or_404(actor, case_id)
    return _submit(
        request,
        actor,
        case,
        NoteForm(request.POST, prefix=NOTE),
        run=lambda data: case_note_add(
            case_id=case.id, actor=actor, expected_version=data["expected_version"], note=data["note"]
        ),
        done=lambda changed: _("Internal note added."),
        step_label=_("Add the note"),
    )


@never_cache
@require_POST
@staff_member_required
def staff_case_link(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> HttpResponse:
    """Link the case to another of the organisation's, as a duplicate or as related."""
    case = _case_or_404(actor, case_id)
    return _submit(
        request,
        actor,
        case,
        LinkForm(request.POST, prefix=LINK, kind=case.kind),
        run=lambda data: case_link(
            case_id=case.id,
            actor=actor,
            expected_version=data["expected_version"],
            link=data["link"],
            other_reference=data["other_reference"],
        ),
        done=lambda changed: _("Linked to %(reference)s.") % {"reference": changed.details["links"][-1]["reference"]},
        step_label=_("Link"),
    )


@never_cache
@require_POST
@staff_member_required
def staff_case_open(request: HttpRequest, actor: Actor, case_id: uuid.UUID, kind: str) -> HttpResponse:
    """Open a case of another kind from this one (a refutation of the claim a complaint
    reports), and go to it."""
    case = _case_or_404(actor, case_id)
    offer = next((offer for offer in available_openings(case, actor) if offer.kind == kind), None)
    if offer is None:
        raise Http404
    form = OpeningForm(request.POST, action=offer.action, prefix=opening_prefix(kind))
    return _submit(
        request,
        actor,
        case,
        form,
        run=lambda data: case_open(
            kind=kind,
            actor=actor,
            case_id=case.id,
            expected_version=data["expected_version"],
            arguments=form.command_arguments(),
            also_from=form.also_from(),
        ),
        done=lambda opened: opened_message(opened),
        step_label=str(offer.action.label),
        goto=lambda opened: opened.id,
    )


def opened_message(opened: Case) -> str:
    return _("Opened %(kind)s %(reference)s.") % {"kind": kind_label(opened.kind), "reference": opened.reference}


@never_cache
@require_POST
@staff_member_required
def staff_case_claim(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> HttpResponse:
    """Take the case for oneself."""
    case = _case_or_404(actor, case_id)
    return _submit(
        request,
        actor,
        case,
        VersionForm(request.POST, prefix=CLAIM),
        run=lambda data: case_claim(case_id=case.id, actor=actor, expected_version=data["expected_version"]),
        done=lambda changed: _("The case is now assigned to you."),
        step_label=_("Take this case"),
    )


@never_cache
@require_POST
@staff_member_required
def staff_case_reveal(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> HttpResponse:
    """Show the masked personal data of the case's subject, recording who chose to see it."""
    case = _case_or_404(actor, case_id)
    return _submit(
        request,
        actor,
        case,
        VersionForm(request.POST, prefix=REVEAL),
        run=lambda data: case_personal_data_reveal(
            case_id=case.id, actor=actor, expected_version=data["expected_version"]
        ),
        done=lambda changed: _("The personal data is shown below. That you saw it is recorded in the history."),
        step_label=_("Reveal"),
    )


@never_cache
@require_POST
@staff_member_required
def staff_case_assign(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> HttpResponse:
    """Give the case to a colleague (or to oneself)."""
    case = _case_or_404(actor, case_id)
    form = AssignForm(request.POST, prefix=ASSIGN, staff=staff_choices(actor))
    names = dict(form.staff)
    return _submit(
        request,
        actor,
        case,
        form,
        run=lambda data: case_assign(
            case_id=case.id, actor=actor, expected_version=data["expected_version"], assignee_id=data["assignee"]
        ),
        done=lambda changed: _("The case is now assigned to %(name)s.") % {"name": names.get(changed.assignee_id, "")},
        step_label=_("Assign"),
    )


@never_cache
@require_POST
@staff_member_required
def staff_case_unassign(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> HttpResponse:
    """Give the case back to the queue, assigned to nobody."""
    case = _case_or_404(actor, case_id)
    return _submit(
        request,
        actor,
        case,
        VersionForm(request.POST, prefix=UNASSIGN),
        run=lambda data: case_unassign(case_id=case.id, actor=actor, expected_version=data["expected_version"]),
        done=lambda changed: _("The case is back in the queue, assigned to nobody."),
        step_label=_("Give back to the queue"),
    )


@never_cache
@require_POST
@staff_member_required
def staff_case_erase(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> HttpResponse:
    """Erase the personal data of the case's filer (a supervisor, with a reason): refused,
    with the holds named, while a legal hold applies."""
    from cases.commands.erasure import erase_subject

    case = _case_or_404(actor, case_id)
    if case.subject_id is None:
        raise Http404
    subject_id = case.subject_id
    return _submit(
        request,
        actor,
        case,
        ErasureForm(request.POST, prefix=ERASE),
        run=lambda data: erase_subject(actor, subject_id, reason=data["reason"]),
        done=lambda erasure: (
            _("The personal data of this case's filer has been erased (cases: %(cases)s).")
            % {"cases": ", ".join(erasure.case_references)}
        ),
        step_label=_("Erase personal data"),
    )
