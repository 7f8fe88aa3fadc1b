"""The staff case page: what it shows of the case, and the forms that act on it.

The page is drawn by the case page view and again by every form's view when a command refuses
(a form with errors, a stale form, a step that is no longer possible), so that the person sees
the refusal beside the case as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Role
from cases.actions import Action, BlockedAction, available_actions, available_openings, blocked_actions
from cases.exports import case_checkpoint
from cases.holds import case_holds
from cases.models import Case
from cases.scope import colleagues
from cases.staff_queries import (
    HISTORY_PAGE_SIZE,
    case_contact,
    case_evidence,
    case_history,
    label_checks,
    personal_data_revealed,
    related_cases,
    revealed_to,
)
from cases.web.staff_action_forms import (
    ActionForm,
    AssignForm,
    ErasureForm,
    LinkForm,
    NoteForm,
    OpeningForm,
    StaffChoices,
    StaffForm,
    VersionForm,
)
from cases.web.staff_display import case_facts, evidence_rows, kind_text, label_check_events, related_facts
from cases.web.staff_history import history_pages, history_rows

# Form prefixes: many forms share the page, and each field's id must be unique on it.
NOTE = "note"
LINK = "link"
CLAIM = "claim"
ASSIGN = "assign"
UNASSIGN = "unassign"
ERASE = "erase"
REVEAL = "reveal"


def action_prefix(action: str) -> str:
    return f"action-{action}"


def opening_prefix(kind: str) -> str:
    return f"open-{kind}"


def needs_staff(action: Action) -> bool:
    return any(argument.spec.widget == "staff" for argument in action.arguments)


def staff_choices(actor: Actor) -> StaffChoices:
    """Whom the actor may give a case of their organisation to."""
    return list(colleagues(actor).values_list("pk", "username"))


@dataclass(frozen=True)
class ActionPanel:
    """A step of the workflow: its form, or, while the form is folded, the link that opens it."""

    action: Action
    form: ActionForm | None
    url: str
    prefix: str
    # Whether the form has fields, and so is folded into a link until opened.
    foldable: bool


@dataclass(frozen=True)
class OpeningPanel:
    """The form that opens a case of another kind from this one (folded like a step's)."""

    kind: str
    action: Action
    form: OpeningForm | None
    url: str
    prefix: str
    foldable: bool = True  # every opening asks for the cases it answers


@dataclass
class CaseControls:
    """Every form of the page, for the case as it stands and the person looking at it."""

    actions: list[ActionPanel]
    note: NoteForm
    link: LinkForm
    openings: list[OpeningPanel] = field(default_factory=list)
    claim: VersionForm | None = None
    assign: AssignForm | None = None
    unassign: VersionForm | None = None
    # A supervisor's form to erase the personal data of the case's filer.
    erase: ErasureForm | None = None
    # The button that reveals the masked personal data of the case's subject.
    reveal: VersionForm | None = None
    # Why the person may not take this case on (the four-eyes rule of appeals), if so.
    may_not_handle: str = ""
    # Steps the state allows but a rule does not yet, with the reason (closing an incident
    # before its report), so that nobody wonders where the step went.
    blocked: list[BlockedAction] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    # Whether the person works for the case's organisation: assignment, internal notes and
    # links are theirs alone (a regulator's officer sees the order's steps, not these).
    internal: bool = False

    @property
    def invalid(self) -> StaffForm | None:
        """The form sent back with errors, if any (only one form is sent at a time)."""
        forms: list[StaffForm | None] = [
            *(panel.form for panel in self.actions),
            *(panel.form for panel in self.openings),
            self.note,
            self.link,
            self.claim,
            self.assign,
            self.unassign,
            self.reveal,
        ]
        return next((form for form in forms if form is not None and form.is_bound and form.errors), None)


class _Forms:
    """Builds the page's forms: fresh at the case's version, except the one sent back with
    errors (shown as sent) and the one refused as stale (its typed text offered again)."""

    def __init__(
        self, case: Case, actor: Actor, bound: StaffForm | None, retyped: StaffForm | None, opened: str
    ) -> None:
        self.case = case
        self.actor = actor
        self.bound = bound
        self.retyped = retyped
        self.opened = opened
        self._staff: StaffChoices | None = None

    def unfolded(self, prefix: str, *, foldable: bool) -> bool:
        """Whether a step's form is drawn: one without fields always (it is a button), one with
        fields when the person opened it or it comes back to them (with errors, or stale).
        Drawing every step's fields on every view cost more than the rest of the page."""
        return (
            not foldable
            or prefix == self.opened
            or any(form is not None and form.prefix == prefix for form in (self.bound, self.retyped))
        )

    def staff(self) -> StaffChoices:
        if self._staff is None:
            self._staff = staff_choices(self.actor)
        return self._staff

    def make(self, form_class: type[StaffForm], prefix: str, **kwargs: Any) -> Any:
        if self.bound is not None and self.bound.prefix == prefix:
            return self.bound
        initial: dict[str, Any] = {}
        if self.retyped is not None and self.retyped.prefix == prefix:
            initial = self.retyped.initial_from_data()
        return form_class(initial={**initial, "expected_version": self.case.version}, prefix=prefix, **kwargs)


def case_controls(
    case: Case,
    actor: Actor,
    *,
    bound: StaffForm | None = None,
    retyped: StaffForm | None = None,
    opened: str = "",
) -> CaseControls:
    """The page's forms. `opened` is the prefix of the step form the person unfolded (the
    page's `?form=`); the other forms with fields are links that unfold them."""
    forms = _Forms(case, actor, bound, retyped, opened)
    actions = []
    for action in available_actions(case, actor):
        prefix = action_prefix(action.name)
        foldable = bool(action.arguments)
        form = None
        if forms.unfolded(prefix, foldable=foldable):
            staff = forms.staff() if needs_staff(action) else ()
            form = forms.make(ActionForm, prefix, action=action, staff=staff)
        url = reverse("web:staff_case_act", kwargs={"case_id": case.id, "action": action.name})
        actions.append(ActionPanel(action=action, form=form, url=url, prefix=prefix, foldable=foldable))
    openings = []
    for offer in available_openings(case, actor):
        prefix = opening_prefix(offer.kind)
        opening = None
        if forms.unfolded(prefix, foldable=True):
            opening = forms.make(OpeningForm, prefix, action=offer.action)
        url = reverse("web:staff_case_open", kwargs={"case_id": case.id, "kind": offer.kind})
        openings.append(OpeningPanel(kind=offer.kind, action=offer.action, form=opening, url=url, prefix=prefix))
    controls = CaseControls(
        actions=actions,
        openings=openings,
        blocked=blocked_actions(case, actor),
        note=forms.make(NoteForm, NOTE),
        link=forms.make(LinkForm, LINK, kind=case.kind),
        urls={
            name: reverse(f"web:staff_case_{name}", kwargs={"case_id": case.id})
            for name in (NOTE, LINK, CLAIM, ASSIGN, UNASSIGN, ERASE, REVEAL)
        },
        internal=actor.works_for(case.organisation_id),
    )
    if controls.internal and case.subject_id is not None and actor.role == Role.SUPERVISOR:
        controls.erase = forms.make(ErasureForm, ERASE)
    if controls.internal and case.subject_id is not None:
        controls.reveal = forms.make(VersionForm, REVEAL)
    declaration = case.declaration
    if controls.internal and case.state in declaration.open_states:
        may_handle = declaration.may_handle(case, actor)
        if not may_handle:
            controls.may_not_handle = str(declaration.may_not_handle_message)
        if case.assignee_id is None and may_handle:
            controls.claim = forms.make(VersionForm, CLAIM)
        controls.assign = forms.make(AssignForm, ASSIGN, staff=forms.staff())
        if case.assignee_id is not None:
            controls.unassign = forms.make(VersionForm, UNASSIGN)
    return controls


def _before(request: HttpRequest) -> int | None:
    """The `?before=` of a page of older history: a version number, or None for the latest."""
    value = request.GET.get("before", "")
    # Nothing comes before the first event: such a link shows the latest ones.
    return int(value) if value.isdigit() and len(value) <= 9 and int(value) > 1 else None


def render_case_page(
    request: HttpRequest,
    actor: Actor,
    case: Case,
    *,
    controls: CaseControls,
    status: int = 200,
    refusal: str = "",
) -> HttpResponse:
    """Everything the organisation's staff may see of one case, its verified history, and the
    forms the person may use on it now."""
    evidence = case_evidence(actor=actor, case=case)
    history = case_history(actor=actor, case=case, before=_before(request), size=HISTORY_PAGE_SIZE)
    # What the last check of each file's label found, which may lie outside the events shown.
    checks = label_check_events(history) if history.complete or not evidence else label_checks(actor=actor, case=case)
    contact = case_contact(actor=actor, case=case)
    if contact is not None:
        case.personal_reader().remember(contact)  # the same subject opens the filer's text
    # Personal data stays masked until this member of staff chose to see it (and that is
    # recorded); a reveal older than the events shown is looked up in the log.
    revealed = revealed_to(history, actor) or (not history.complete and personal_data_revealed(actor=actor, case=case))
    context = {
        "case": case,
        "kind_label": kind_text(case.kind),
        "facts": case_facts(case, now=timezone.now()),
        "related": related_facts(case, related_cases(actor=actor, case=case)),
        "content_urls": case.details.get("content_urls", []),
        "revealed": revealed,
        "contact": contact,
        "masked_description": case.declaration.personal_description and not revealed,
        "evidence": evidence_rows(case, evidence, checks),
        "history": history,
        "history_pages": history_pages(history, size=HISTORY_PAGE_SIZE),
        "rows": history_rows(case, history, evidence),
        "controls": controls,
        # The form sent back with errors: the page's error summary lists them.
        "form": controls.invalid,
        "refusal": refusal,
        "checkpoint": case_checkpoint(case),
        # What keeps the filer's personal data from being erased now, and until when.
        "holds": case_holds(case) if case.subject_id is not None else [],
    }
    return render(request, "staff/case.html", context, status=status)
