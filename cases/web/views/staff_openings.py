"""Opening a case of a kind staff open themselves, on its own rather than from another case
(an incident, or a rumor refutation of a claim staff found without a complaint)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.actors import Actor
from cases.actions import opening_action
from cases.commands import case_open
from cases.errors import DomainError
from cases.kinds import declaration_of, declared, opened_on_their_own
from cases.web.domain_errors import refusal_for
from cases.web.staff_access import workspace_member_required
from cases.web.staff_action_forms import OpeningForm
from cases.web.views.staff_actions import opened_message

TEMPLATE = "staff/open.html"


@never_cache
@require_http_methods(["GET", "POST"])
@workspace_member_required
def staff_open(request: HttpRequest, actor: Actor, kind: str) -> HttpResponse:
    """The form that opens a case of `kind`, and its answer: the new case, or the form again
    with what was refused."""
    declaration = declaration_of(kind) if declared(kind) else None
    if declaration is None or declaration not in opened_on_their_own(actor.side):
        raise Http404
    action = opening_action(declaration, actor)
    linked = bool(declaration.opening.from_kinds)  # type: ignore[union-attr]
    if request.method != "POST":
        form = OpeningForm(action=action, standalone=True, linked=linked, prefix="open")
        return render(request, TEMPLATE, {"declaration": declaration, "action": action, "form": form})
    form = OpeningForm(request.POST, request.FILES, action=action, standalone=True, linked=linked, prefix="open")
    status = 400
    if form.is_valid():
        try:
            opened = case_open(kind=kind, actor=actor, arguments=form.command_arguments(), also_from=form.also_from())
        except DomainError as error:
            refusal = refusal_for(error)
            refusal.show_on(form)
            status = refusal.status
        else:
            messages.success(request, opened_message(opened))
            return redirect("web:staff_case", case_id=opened.id)
    return render(request, TEMPLATE, {"declaration": declaration, "action": action, "form": form}, status=status)
