"""Forms of the staff workspace: the queue's filters, assigning cases from the queue, and
finding an account's measures."""

from __future__ import annotations

import unicodedata
import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.kinds import declarations
from cases.measures import MAX_ACCOUNT, MSG_MEASURE_ACCOUNT_INVALID
from cases.staff_queries import DUE_AT_RISK, DUE_OVERDUE, QUEUE_PAGE_SIZE, QueueFilters

if TYPE_CHECKING:
    from accounts.models import User

MSG_STATE_OF_OTHER_KIND = _("Choose a state of the kind you selected, or choose all kinds.")
MSG_MINE_OR_UNASSIGNED = _("Choose cases assigned to you or unassigned cases, not both.")
MSG_CHOOSE_ASSIGNEE = _("Choose whom to assign the selected cases to.")
MSG_ASSIGNEE_OUTSIDE = _("Cases can only be assigned to a member of your organisation's staff.")
MSG_SELECT_CASES = _("Select at least one case to assign.")
MSG_TOO_MANY_CASES = _("Assign at most %(max)s cases at once.")
MSG_SELECTION_INVALID = _("The selection could not be read. Reload the queue and select the cases again.")
MSG_ACCOUNT_REQUIRED = _("Enter the account identifier.")


class StaffForm(forms.Form):
    """A staff form that lists its errors for the summary at the top of the page."""

    def error_summary(self) -> list[dict[str, str]]:
        """Every error, in the order of the form, with the id of the control to jump to."""
        summary = [{"target": "", "label": "", "message": str(m)} for m in self.non_field_errors()]
        for bound in self:
            summary += [{"target": bound.auto_id, "label": str(bound.label), "message": str(m)} for m in bound.errors]
        return summary


# A state is named with its kind ("appeal:closed"): two kinds may share a state's name.
STATE_SEPARATOR = ":"


class QueueFilterForm(StaffForm):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    mine = forms.BooleanField(label=_("Only cases assigned to me"), required=False)
    unassigned = forms.BooleanField(label=_("Only unassigned cases"), required=False)
    due = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("Any")), (DUE_AT_RISK, _("At risk: due soon")), (DUE_OVERDUE, _("Overdue"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = declarations()
        self.fields["kind"].choices = [("", _("All kinds"))] + [(d.kind, str(d.label)) for d in kinds]
        groups = [
            (
                d.kind,
                str(d.label),
                [(f"{d.kind}{STATE_SEPARATOR}{state}", str(wording.staff)) for state, wording in d.states.items()],
            )
            for d in kinds
        ]
        everything = [("", _("All states"))] + [(label, states) for _kind, label, states in groups]
        self.fields["state"].choices = everything
        # Once a kind is chosen, only its states are offered. The page works without scripts,
        # so the list narrows when the form is sent; any state is still accepted and checked
        # against the kind in clean().
        chosen = self.data.get("kind", "") if self.is_bound else ""
        if chosen in {d.kind for d in kinds}:
            self.fields["state"].widget.choices = [("", _("All states"))] + [
                (label, states) for kind, label, states in groups if kind == chosen
            ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind, state = cleaned.get("kind"), cleaned.get("state")
        if kind and state and state.split(STATE_SEPARATOR, 1)[0] != kind:
            self.add_error("state", MSG_STATE_OF_OTHER_KIND)
        if cleaned.get("mine") and cleaned.get("unassigned"):
            self.add_error("unassigned", MSG_MINE_OR_UNASSIGNED)
        return cleaned

    def filters(self) -> QueueFilters:
        """The filters to apply; call after is_valid()."""
        kind = self.cleaned_data.get("kind") or ""
        state = self.cleaned_data.get("state") or ""
        if state:
            kind, state = state.split(STATE_SEPARATOR, 1)
        return QueueFilters(
            kind=kind,
            state=state,
            assigned_to_me=bool(self.cleaned_data.get("mine")),
            unassigned=bool(self.cleaned_data.get("unassigned")),
            due=self.cleaned_data.get("due") or "",
        )


class BulkAssignForm(StaffForm):
    """Cases ticked in the queue ("case", repeated), each with the version its row showed
    ("version-<id>"), and the member of staff to give them to."""

    assignee = forms.TypedChoiceField(
        label=_("Assign to"),
        coerce=int,
        empty_value=None,
        error_messages={"required": MSG_CHOOSE_ASSIGNEE, "invalid_choice": MSG_ASSIGNEE_OUTSIDE},
    )
    # Where the queue was: its filters and page, sent back to it afterwards.
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args: Any, staff: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the organisation's staff are offered; anyone else is refused as not a choice.
        self.fields["assignee"].choices = [("", _("Choose a member of staff"))] + [
            (user.pk, user.get_username()) for user in staff
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = self.ticked()
        if not chosen:
            raise forms.ValidationError(MSG_SELECT_CASES)
        if len(chosen) > QUEUE_PAGE_SIZE:
            raise forms.ValidationError(MSG_TOO_MANY_CASES % {"max": QUEUE_PAGE_SIZE})
        versions: dict[uuid.UUID, int] = {}
        for raw in chosen:
            try:
                versions[uuid.UUID(raw)] = int(self.data.get(f"version-{raw}", ""))
            except ValueError as exc:
                raise forms.ValidationError(MSG_SELECTION_INVALID) from exc
        if any(version < 0 for version in versions.values()):
            raise forms.ValidationError(MSG_SELECTION_INVALID)
        cleaned["versions"] = versions
        return cleaned

    def ticked(self) -> list[str]:
        """The ticked cases as sent, each once, in the order of the page."""
        return list(dict.fromkeys(self.data.getlist("case"))) if hasattr(self.data, "getlist") else []


class AccountSearchForm(StaffForm):
    account = forms.CharField(
        label=_("Account identifier"),
        strip=True,
        error_messages={"required": MSG_ACCOUNT_REQUIRED},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    def clean_account(self) -> str:
        account = self.cleaned_data["account"]
        # The rule measures are recorded with: nothing else can be found.
        if len(account) > MAX_ACCOUNT or any(unicodedata.category(ch)[0] == "C" for ch in account):
            raise forms.ValidationError(MSG_MEASURE_ACCOUNT_INVALID % {"max": MAX_ACCOUNT})
        return account
