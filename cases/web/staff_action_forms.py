"""Forms of the case page: one per workflow step the person may take, and the forms for notes,
links and assignment.

A step's form is built from what `cases.actions` says the step asks for, so no form here names
a kind or a step. Forms check the shape of what was sent (present, not too long, one of the
choices); the command checks the rules, and its CommandInvalid comes back onto the field it
names. Every form carries the case version it was shown at, so that a change made by someone
else in between is refused rather than overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.actions import Action, ActionArgument
from cases.commands.openings import MAX_ALSO_FROM, split_references
from cases.commands.staff import MAX_NOTE
from cases.errors import CommandInvalid
from cases.links import links_offered
from cases.measures import (
    MAX_ACCOUNT,
    MAX_DAYS,
    MSG_MEASURE_ACCOUNT_INVALID,
    MSG_MEASURE_ACCOUNT_REQUIRED,
    MSG_MEASURE_DAYS_INVALID,
    MSG_MEASURE_DAYS_NOT_TIMED,
    Measure,
    measure_items,
)
from cases.sla import CHINA_TIME
from cases.web.forms import MSG_TOO_LONG, MultipleFileField, evidence_help_text
from cases.workflows.validation import MAX_TEXT, MSG_DATE_INVALID

# Rows of the measures fieldset: enough for one decision; the API takes more.
MEASURE_ROWS = 5
MAX_REFERENCE = 40
# Above this many choices, a select is easier to use than a column of radio buttons.
MAX_RADIOS = 6

MSG_VERSION_MISSING = _("This form is incomplete. Reload the case and try again.")
MSG_MEASURE_MISSING = _("Choose the measure, or empty this row.")
MSG_CHOOSE_PERSON = _("Choose a member of staff.")
MSG_MOMENT_INVALID = _("Enter a date and time, for example 2025-01-10 14:00.")

MEASURE_PARTS = ("measure", "account", "days", "notify_email")

# Staff as (user id, user name), offered in "staff" fields.
StaffChoices = Sequence[tuple[int, str]]


def _without_maxlength(form: forms.Form) -> None:
    # A browser would silently cut a long paste short at `maxlength`; the server reports the
    # length instead, beside the field.
    for field in form.fields.values():
        field.widget.attrs.pop("maxlength", None)


def _text_field(label: Any, *, required: bool, long: bool, max_length: int = MAX_TEXT, hint: Any = "") -> forms.Field:
    widget = forms.Textarea(attrs={"rows": 4}) if long else forms.TextInput()
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=hint,
        widget=widget,
        error_messages={"max_length": MSG_TOO_LONG},
    )


def _staff_field(label: Any, staff: StaffChoices, *, required: bool, hint: Any = "") -> forms.Field:
    blank = _("Choose a member of staff") if required else _("Nobody")
    return forms.TypedChoiceField(
        label=label,
        required=required,
        choices=[("", blank), *[(str(pk), name) for pk, name in staff]],
        coerce=int,
        empty_value=None,
        help_text=hint,
        error_messages={"required": MSG_CHOOSE_PERSON},
    )


class WebAddressLinesField(forms.CharField):
    """Web addresses typed one per line, as a list. The command checks each address, and its
    message comes back beside this field."""

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"rows": 3, "autocapitalize": "off", "spellcheck": "false", "inputmode": "url"}
        super().__init__(widget=forms.Textarea(attrs=attrs), **kwargs)

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


def _date_field(label: Any, *, required: bool, hint: Any = "") -> forms.Field:
    return forms.DateField(
        label=label,
        required=required,
        help_text=hint,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": MSG_DATE_INVALID},
    )


class BeijingDateTimeField(forms.DateTimeField):
    """A date and time as staff type it: Beijing time, whatever the server's time zone."""

    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def to_python(self, value: Any) -> Any:
        with timezone.override(CHINA_TIME):
            return super().to_python(value)


def _moment_field(label: Any, *, required: bool, hint: Any = "") -> forms.Field:
    return BeijingDateTimeField(
        label=label,
        required=required,
        help_text=hint,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": MSG_MOMENT_INVALID},
    )


class StaffForm(forms.Form):
    """A form of the case page: it knows the version it was shown at, takes a command's
    errors onto its fields, and lists its errors for the page's summary."""

    expected_version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": MSG_VERSION_MISSING,
            "invalid": MSG_VERSION_MISSING,
            "min_value": MSG_VERSION_MISSING,
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _without_maxlength(self)

    def error_field(self, name: str) -> str | None:
        """The field an error the command names belongs on (None: the form as a whole)."""
        return name if name in self.fields and name != "expected_version" else None

    def add_command_errors(self, errors: dict[str, list[str]]) -> None:
        """Show what a command refused (field name → messages) beside the fields concerned."""
        for name, messages in errors.items():
            for message in messages:
                self.add_error(self.error_field(name), message)

    def field_label(self, bound: forms.BoundField) -> str:
        return str(bound.label)

    def error_summary(self) -> list[dict[str, str]]:
        """Every error, in the order of the form, with the id of the control to jump to."""
        summary = [{"target": "", "label": "", "message": str(m)} for m in self.non_field_errors()]
        for bound in self:
            if bound.is_hidden:
                summary += [{"target": "", "label": "", "message": str(m)} for m in bound.errors]
                continue
            target = f"{bound.auto_id}_0" if bound.use_fieldset else bound.auto_id
            summary += [{"target": target, "label": self.field_label(bound), "message": str(m)} for m in bound.errors]
        return summary

    def initial_from_data(self) -> dict[str, Any]:
        """What was typed into this (bound) form, to offer again in a fresh one."""
        return {name: self[name].value() for name in self.fields if name != "expected_version"}

    def command_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("expected_version", None)
        return data


class VersionForm(StaffForm):
    """A button that acts on the case as it was shown (claim, unassign)."""


class NoteForm(StaffForm):
    note = _text_field(_("Internal note"), required=True, long=True, max_length=MAX_NOTE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].help_text = _(
            "Seen by staff of your organisation only, never by the filer. At most %(max)s characters."
        ) % {"max": MAX_NOTE}


class LinkForm(StaffForm):
    link = forms.ChoiceField(label=_("This case is"), choices=[], widget=forms.RadioSelect)
    other_reference = forms.CharField(
        label=_("Reference of the other case"),
        max_length=MAX_REFERENCE,
        help_text=_("For example C-7K4M-9QHX."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}),
        error_messages={"max_length": MSG_TOO_LONG},
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The links a case of this kind may have: besides duplicates and related cases, those
        # that join it to the kinds it is opened from, or that are opened from it.
        self.fields["link"].choices = [(t.value, t.label) for t in links_offered(kind)]  # type: ignore[attr-defined]


class AssignForm(StaffForm):
    def __init__(self, *args: Any, staff: StaffChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = _staff_field(_("Assign to"), staff, required=True)
        self.staff = staff

    def error_field(self, name: str) -> str | None:
        # The command calls the person "assignee" and the step's argument "assignee_id".
        return "assignee" if name in {"assignee", "assignee_id"} else super().error_field(name)


# --- A workflow step --------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureRow:
    legend: str
    fields: list[forms.BoundField]


@dataclass(frozen=True)
class FormPart:
    """One piece of a step's form, as the template lays it out."""

    kind: str  # "field", "radios" or "measures"
    name: str = ""
    field: forms.BoundField | None = None
    label: str = ""
    hint: str = ""
    rows: tuple[MeasureRow, ...] = ()


def measure_field_name(argument: str, row: int, part: str) -> str:
    return f"{argument}_{row}_{part}"


class ActionForm(StaffForm):
    """The form of one workflow step, with a field for each argument the step takes."""

    def __init__(self, *args: Any, action: Action, staff: StaffChoices = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.staff = staff
        self._row_legends: dict[str, str] = {}
        for argument in action.arguments:
            self._add_argument(argument)
        _without_maxlength(self)

    def _add_argument(self, argument: ActionArgument) -> None:
        spec = argument.spec
        widget = spec.widget
        if widget == "measures":
            self._add_measure_rows(argument)
        elif widget == "choice":
            choices = list(spec.choices)
            radios = len(choices) <= MAX_RADIOS
            if not radios and not argument.required:
                choices = [("", "—"), *choices]  # a select always shows a value; this one is "none"
            self.fields[argument.name] = forms.ChoiceField(
                label=spec.label,
                required=argument.required,
                choices=choices,
                widget=forms.RadioSelect if radios else forms.Select,
                help_text=spec.help,
            )
        elif widget == "staff":
            self.fields[argument.name] = _staff_field(
                spec.label, self.staff, required=argument.required, hint=spec.help
            )
        elif widget == "moment":
            self.fields[argument.name] = _moment_field(spec.label, required=argument.required, hint=spec.help)
        elif widget == "reference":
            field = _text_field(
                spec.label, required=argument.required, long=False, max_length=MAX_REFERENCE, hint=spec.help
            )
            field.widget.attrs.update(autocapitalize="characters", spellcheck="false", autocomplete="off")
            self.fields[argument.name] = field
        elif widget == "urls":
            self.fields[argument.name] = WebAddressLinesField(
                label=spec.label, required=argument.required, help_text=spec.help
            )
        elif widget == "date":
            self.fields[argument.name] = _date_field(spec.label, required=argument.required, hint=spec.help)
        elif widget == "files":
            self.fields[argument.name] = MultipleFileField(
                label=spec.label, required=argument.required, help_text=spec.help or evidence_help_text()
            )
        else:
            self.fields[argument.name] = _text_field(
                spec.label, required=argument.required, long=widget == "long", hint=spec.help
            )

    def _add_measure_rows(self, argument: ActionArgument) -> None:
        for row in range(MEASURE_ROWS):
            names = {part: measure_field_name(argument.name, row, part) for part in MEASURE_PARTS}
            self.fields[names["measure"]] = forms.ChoiceField(
                label=_("Measure"),
                required=False,
                choices=[("", _("No measure")), *Measure.choices],
            )
            self.fields[names["account"]] = _text_field(
                _("Account identifier"),
                required=False,
                long=False,
                max_length=MAX_ACCOUNT,
                hint=_("Needed for a measure against an account."),
            )
            self.fields[names["account"]].widget.attrs.update(spellcheck="false", autocomplete="off")
            days_invalid = MSG_MEASURE_DAYS_INVALID % {"max": MAX_DAYS}
            self.fields[names["days"]] = forms.IntegerField(
                label=_("Duration in days (optional)"),
                required=False,
                min_value=1,
                max_value=MAX_DAYS,
                help_text=_("Only for a restriction or a suspension; empty means until lifted."),
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={"invalid": days_invalid, "min_value": days_invalid, "max_value": days_invalid},
            )
            self.fields[names["notify_email"]] = forms.EmailField(
                label=_("Account holder's e-mail for the notice (optional)"),
                required=False,
                max_length=254,
                widget=forms.EmailInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
                error_messages={"max_length": MSG_TOO_LONG},
            )
            legend = str(_("Measure %(number)s") % {"number": row + 1})
            for name in names.values():
                self._row_legends[name] = legend

    def _measure_arguments(self) -> list[ActionArgument]:
        return [a for a in self.action.arguments if a.spec.widget == "measures"]

    def error_field(self, name: str) -> str | None:
        # A command's error about the measures as a whole is shown beside the first one.
        if any(a.name == name for a in self._measure_arguments()):
            return measure_field_name(name, 0, "measure")
        return super().error_field(name)

    def field_label(self, bound: forms.BoundField) -> str:
        legend = self._row_legends.get(bound.name)
        return f"{legend} – {bound.label}" if legend else str(bound.label)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for argument in self._measure_arguments():
            cleaned[argument.name] = self._clean_measures(argument.name, cleaned)
        return cleaned

    def _clean_measures(self, argument: str, cleaned: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows that name a measure, each checked by the rules measures follow, with a
        problem shown beside the part of the row it is about."""
        entries = []
        for row in range(MEASURE_ROWS):
            names = {part: measure_field_name(argument, row, part) for part in MEASURE_PARTS}
            if any(name in self.errors for name in names.values()):
                continue
            values = {part: cleaned.get(name) for part, name in names.items()}
            if not values["measure"]:
                if any(values[part] not in (None, "") for part in ("account", "days", "notify_email")):
                    self.add_error(names["measure"], MSG_MEASURE_MISSING)
                continue
            entry = {
                "measure": values["measure"],
                "account": values["account"] or "",
                "days": values["days"],
                "notify_email": values["notify_email"] or "",
            }
            try:
                measure_items([entry])
            except CommandInvalid as exc:
                for message in exc.errors.get("measures", []):
                    self.add_error(names[_measure_part_of(message)], message)
                continue
            entries.append(entry)
        return entries

    def command_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments = {}
        for argument in self.action.arguments:
            value = data.get(argument.name)
            # An optional argument left empty is not sent: the step's own default applies.
            if not argument.required and value in (None, "", []):
                continue
            arguments[argument.name] = value
        return arguments

    @property
    def parts(self) -> list[FormPart]:
        parts = []
        for argument in self.action.arguments:
            if argument.spec.widget == "measures":
                rows = tuple(
                    MeasureRow(
                        legend=self._row_legends[measure_field_name(argument.name, row, "measure")],
                        fields=[self[measure_field_name(argument.name, row, part)] for part in MEASURE_PARTS],
                    )
                    for row in range(MEASURE_ROWS)
                )
                help_text = _("Up to %(max)s measures, one per row. Leave unused rows empty.") % {"max": MEASURE_ROWS}
                parts.append(
                    FormPart(
                        "measures", name=argument.name, label=str(argument.spec.label), hint=str(help_text), rows=rows
                    )
                )
                continue
            bound = self[argument.name]
            parts.append(FormPart("radios" if bound.use_fieldset else "field", field=bound))
        return parts


def _measure_part_of(message: str) -> str:
    """Which part of a measure row a message of `measure_items` is about."""
    if message in {str(MSG_MEASURE_ACCOUNT_REQUIRED), str(MSG_MEASURE_ACCOUNT_INVALID % {"max": MAX_ACCOUNT})}:
        return "account"
    if message in {str(MSG_MEASURE_DAYS_NOT_TIMED), str(MSG_MEASURE_DAYS_INVALID % {"max": MAX_DAYS})}:
        return "days"
    return "measure"


# --- Opening a case of another kind -----------------------------------------------------------


class OpeningForm(ActionForm):
    """The form that opens a case of another kind: the arguments its opening asks for, and the
    references of further cases it answers (unless it answers none: `linked` false). Opened from
    a case, it carries that case's version; opened on its own (`standalone`), there is none."""

    def __init__(self, *args: Any, standalone: bool = False, linked: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if standalone:
            del self.fields["expected_version"]
        if not linked:
            return
        self.fields["also_from"] = forms.CharField(
            label=_("Other cases about the same thing (optional)")
            if not standalone
            else _("Cases about the same thing (optional)"),
            required=False,
            max_length=MAX_ALSO_FROM * (MAX_REFERENCE + 2),
            help_text=_("Their references, one per line. Each is linked to the new case."),
            widget=forms.Textarea(attrs={"rows": 2, "autocapitalize": "characters", "spellcheck": "false"}),
            error_messages={"max_length": MSG_TOO_LONG},
        )
        _without_maxlength(self)

    @property
    def parts(self) -> list[FormPart]:
        if "also_from" not in self.fields:
            return super().parts
        return [*super().parts, FormPart("field", field=self["also_from"])]

    def also_from(self) -> list[str]:
        return split_references(self.cleaned_data.get("also_from") or "")


class ErasureForm(StaffForm):
    """A supervisor erases the personal data of the case's filer: a reason, and a confirmation."""

    reason = _text_field(
        _("Reason for the erasure"),
        required=True,
        long=True,
        max_length=500,
        hint=_("Recorded on each of the person's cases. Name no one in it."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that this cannot be undone: the person's data will never be readable again."),
        required=True,
        error_messages={"required": _("Tick the box to confirm the erasure.")},
    )
