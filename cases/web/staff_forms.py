"""Forms of the staff workspace: the queue's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.kinds import declarations
from cases.staff_queries import QueueFilters

MSG_STATE_OF_OTHER_KIND = _("Choose a state of the kind you selected, or choose all kinds.")

# A state is named with its kind ("appeal:closed"): two kinds may share a state's name.
STATE_SEPARATOR = ":"


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    mine = forms.BooleanField(label=_("Only cases assigned to me"), required=False)

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
        return cleaned

    def filters(self) -> QueueFilters:
        """The filters to apply; call after is_valid()."""
        kind = self.cleaned_data.get("kind") or ""
        state = self.cleaned_data.get("state") or ""
        if state:
            kind, state = state.split(STATE_SEPARATOR, 1)
        return QueueFilters(kind=kind, state=state, assigned_to_me=bool(self.cleaned_data.get("mine")))

    def error_summary(self) -> list[dict[str, str]]:
        summary = [{"target": "", "label": "", "message": str(m)} for m in self.non_field_errors()]
        for bound in self:
            summary += [{"target": bound.auto_id, "label": str(bound.label), "message": str(m)} for m in bound.errors]
        return summary
