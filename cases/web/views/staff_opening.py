"""Staff opening a new case of a kind they open themselves (an incident, say): the form its
opening asks for, and sending it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.actors import Actor
from accounts.selectors import active_staff
from cases.commands.opening import OPEN, case_open, opening_step
from cases.errors import DomainError
from cases.kinds import declaration_of
from cases.web.domain_errors import refusal_for
from cases.web.staff_access import staff_member_required
from cases.web.staff_action_forms import OpeningForm
from cases.web.staff_case_page import needs_staff
from cases.web.staff_display import case_url

TEMPLATE = "staff/case_new.html"


@never_cache
@require_http_methods(["GET", "POST"])
@staff_member_required
def staff_case_new(request: HttpRequest, actor: Actor, kind: str) -> HttpResponse:
    """The form that opens a case of `kind`; once sent, the new case's page."""
    step = opening_step(kind)
    if step is None:
        raise Http404
    staff = (
        list(active_staff(organisation_id=actor.organisation_id).values_list("pk", "username"))  # type: ignore[arg-type]
        if needs_staff(step)
        else []
    )
    status = 200
    if request.method == "POST":
        form = OpeningForm(request.POST, action=step, staff=staff, prefix=OPEN)
        if form.is_valid():
            try:
                case = case_open(actor=actor, kind=kind, arguments=form.command_arguments())
            except DomainError as error:
                refusal = refusal_for(error)
                if refusal.not_found:
                    raise Http404 from error
                form.add_command_errors(refusal.errors or {"": [refusal.message]})
            else:
                messages.success(
                    request,
                    _("%(kind)s %(reference)s is open.")
                    % {"kind": declaration_of(kind).label, "reference": case.reference},
                )
                return redirect(case_url(case.id))
        status = 400
    else:
        form = OpeningForm(action=step, staff=staff, prefix=OPEN)
    context = {
        "form": form,
        "step": step,
        "opening": declaration_of(kind).opening,
        "kind_label": declaration_of(kind).label,
    }
    return render(request, TEMPLATE, context, status=status)
