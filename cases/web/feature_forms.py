"""Forms of the feature-library page: filtering and searching the entries, and proposing one.

The proposal form checks shape only (not too long, one of the choices). What is missing,
whether a pattern is safe, a digest well formed or a source case known is the command's to
say, all at once, and its errors come back beside the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.commands.features import MAX_RULE, MAX_SOURCE_REFERENCE, MAX_TITLE
from cases.feature_patterns import MAX_PATTERN, MAX_VALUE, EntrySort, TextSyntax
from cases.feature_queries import MAX_SEARCH, FeatureFilters
from cases.web.forms import MSG_TOO_LONG
from cases.web.staff_forms import StaffForm
from cases.workflows.complaint import Category
from cases.workflows.feature_entry import DECLARATION


def _text(
    label: Any, *, max_length: int, required: bool, hint: Any = "", rows: int = 0, strip: bool = True
) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows, "spellcheck": "false"}) if rows else forms.TextInput()
    field = forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        strip=strip,
        help_text=hint,
        widget=widget,
        error_messages={"max_length": MSG_TOO_LONG},
    )
    # A browser would silently cut a long paste short at `maxlength`; the server says so instead.
    field.widget.attrs.pop("maxlength", None)
    return field


class FeatureFilterForm(StaffForm):
    sort = forms.ChoiceField(label=_("Sort of entry"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_SEARCH,
        help_text=_("Text within a pattern, a keyword or a rule; a file's SHA-256; an account identifier."),
        error_messages={"max_length": MSG_TOO_LONG},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sort"].choices = [("", _("All sorts")), *EntrySort.choices]
        self.fields["state"].choices = [("", _("All states"))] + [
            (state, str(wording.staff)) for state, wording in DECLARATION.states.items()
        ]
        self.fields["category"].choices = [("", _("All categories")), *Category.choices]
        self.fields["q"].widget.attrs.pop("maxlength", None)

    def filters(self) -> FeatureFilters:
        """The filters to apply; call after is_valid()."""
        data = self.cleaned_data
        return FeatureFilters(
            sort=data.get("sort") or "",
            state=data.get("state") or "",
            category=data.get("category") or "",
            text=data.get("q") or "",
        )

    @property
    def filtered(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields) if hasattr(self, "cleaned_data") else False


class FeatureProposalForm(StaffForm):
    sort = forms.ChoiceField(
        label=_("What the entry matches"), choices=EntrySort.choices, required=False, widget=forms.RadioSelect
    )
    syntax = forms.ChoiceField(
        label=_("For a text pattern: how it is written"),
        choices=TextSyntax.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Leave empty for a file or an account."),
    )
    value = _text(
        _("Keywords, regular expression, SHA-256 or account"),
        max_length=MAX_VALUE,
        required=False,
        rows=4,
        # Kept as typed: the command reads keywords line by line.
        strip=False,
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    rule = _text(
        _("Rule it implements"),
        max_length=MAX_RULE,
        required=False,
        rows=3,
        hint=_("The entry standard or rule this entry applies, as your management rules name it."),
    )
    title = _text(
        _("Short name (optional)"),
        max_length=MAX_TITLE,
        required=False,
        hint=_("Shown in lists. Left empty, the start of what it matches is used."),
    )
    source_reference = _text(
        _("Source case (optional)"),
        max_length=MAX_SOURCE_REFERENCE,
        required=False,
        hint=_("The reference of the case this was found in, for example C-7K4M-9QHX. Both are linked."),
    )

    # The filters on the same page have fields of the same names; ids must be unique.
    prefix = "proposal"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Required, though the command says what is missing so that every problem is named at once.
        for name in ("value", "category", "rule"):
            self.fields[name].widget.attrs["aria-required"] = "true"
        self.fields["value"].help_text = _(
            "Keywords: one per line, any of them matches, whatever the case. A regular expression: at most "
            "%(max)s characters, and no repeat inside a repeated group such as (a+)+. A file: its SHA-256 in "
            "hexadecimal. An account: its identifier as it appears in addresses and text."
        ) % {"max": MAX_PATTERN}
        self.fields["category"].choices = [("", _("Choose a category")), *Category.choices]
        self.fields["source_reference"].widget.attrs.update(autocapitalize="characters", autocomplete="off")

    def error_summary(self) -> list[dict[str, str]]:
        summary = [{"target": "", "label": "", "message": str(m)} for m in self.non_field_errors()]
        for bound in self:
            # A group of radio buttons is reached through its first button.
            target = f"{bound.auto_id}_0" if bound.use_fieldset else bound.auto_id
            summary += [{"target": target, "label": str(bound.label), "message": str(m)} for m in bound.errors]
        return summary

    def add_command_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)

    def command_arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}
