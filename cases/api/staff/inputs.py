"""What requests to the staff API may contain.

Serializers check shape only (types, lengths, counts, known names); commands check the rules.
Every text is a DRF CharField, which refuses NUL characters and lone surrogates; every number
has bounds, so that nothing a database cannot store reaches a command. A field the endpoint
does not know is refused rather than ignored: a misspelt optional argument is a mistake the
caller wants to hear about.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.actions import Action, ActionArgument
from cases.api.serializers import MAX_REFERENCE, StrictInput, WebAddressListField, quoted
from cases.commands.openings import MAX_ALSO_FROM
from cases.commands.staff import MAX_NOTE, MSG_UNKNOWN_ARGUMENT
from cases.kinds import declarations
from cases.links import LinkType
from cases.measures import MAX_ACCOUNT, MAX_DAYS, MAX_MEASURES, Measure
from cases.sla import CHINA_TIME
from cases.staff_queries import QueueFilters
from cases.workflows.validation import MAX_TEXT

MSG_UNKNOWN_KIND = _("“%(value)s” is not a kind of case.")
MSG_UNKNOWN_STATE = _("“%(value)s” is not a state of any kind of case.")
MSG_STATE_OF_OTHER_KIND = _("“%(value)s” is not a state of this kind of case.")

MAX_CURSOR = 400
# The largest id a database column of users can hold; larger numbers are refused here rather
# than by the database driver.
MAX_ID = 2**63 - 1

ASSIGNED_ME = "me"
ASSIGNED_UNASSIGNED = "unassigned"
ASSIGNED_ANYONE = "anyone"


# --- The queue ------------------------------------------------------------------------------


class NamedChoice(serializers.ChoiceField):
    """One of a list of names, optional; a wrong one is quoted back shortened and printable."""

    def __init__(self, choices: list[str], message: Any, **kwargs: Any) -> None:
        super().__init__(choices=choices, required=False, default="", **kwargs)
        self.message = message

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) or data not in self.choice_strings_to_values:
            raise serializers.ValidationError(str(self.message % {"value": quoted(data)}))
        return data


class QueueQuery(serializers.Serializer):
    kind = serializers.CharField(
        required=False, allow_blank=True, max_length=40, default="", help_text="Only cases of this kind."
    )
    state = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        default="",
        help_text="Only cases in this state (of the kind given, or of any kind).",
    )
    assigned = serializers.ChoiceField(
        choices=[
            (ASSIGNED_ANYONE, _("Assigned to anyone or no one")),
            (ASSIGNED_ME, _("Assigned to me")),
            (ASSIGNED_UNASSIGNED, _("Assigned to no one")),
        ],
        required=False,
        default=ASSIGNED_ANYONE,
    )
    cursor = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_CURSOR,
        default="",
        help_text="From the `next` or `previous` link of a page; leave out for the first page.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The registered kinds and their states, read when a request (or the schema) asks, so
        # that the schema lists exactly what the API accepts.
        kinds = declarations()
        self.fields["kind"] = NamedChoice(
            ["", *(d.kind for d in kinds)], MSG_UNKNOWN_KIND, help_text="Only cases of this kind."
        )
        self.fields["state"] = NamedChoice(
            ["", *sorted({state for d in kinds for state in d.states})],
            MSG_UNKNOWN_STATE,
            help_text="Only cases in this state (of the kind given, or of any kind).",
        )

    def validate_kind(self, value: str) -> str:
        if value and value not in {d.kind for d in declarations()}:
            raise serializers.ValidationError(str(MSG_UNKNOWN_KIND % {"value": quoted(value)}))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind, state = attrs["kind"], attrs["state"]
        if state:
            kinds = [d for d in declarations() if d.kind == kind] if kind else declarations()
            if not any(state in d.states for d in kinds):
                message = MSG_STATE_OF_OTHER_KIND if kind else MSG_UNKNOWN_STATE
                raise serializers.ValidationError({"state": [str(message % {"value": quoted(state)})]})
        return attrs

    def filters(self) -> QueueFilters:
        data = self.validated_data
        return QueueFilters(
            kind=data["kind"],
            state=data["state"],
            assigned_to_me=data["assigned"] == ASSIGNED_ME,
            unassigned=data["assigned"] == ASSIGNED_UNASSIGNED,
        )


class MeasuresQuery(serializers.Serializer):
    account = serializers.CharField(
        max_length=MAX_ACCOUNT, help_text="The account identifier, exactly as the measures name it."
    )


# --- Writes ---------------------------------------------------------------------------------


class NoInput(StrictInput):
    """No body, or an empty object."""


class NoteInput(StrictInput):
    note = serializers.CharField(
        min_length=1, max_length=MAX_NOTE, help_text="Kept in the history for staff; never shown to the public."
    )


class LinkInput(StrictInput):
    link = serializers.ChoiceField(choices=LinkType.choices)
    other_reference = serializers.CharField(
        min_length=1, max_length=MAX_REFERENCE, help_text="A case of your organisation."
    )


class AssignmentInput(StrictInput):
    assignee = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, allow_null=True, help_text="A user id of your organisation's staff, or null."
    )


class MeasureInput(StrictInput):
    measure = serializers.ChoiceField(choices=Measure.choices)
    account = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_ACCOUNT, help_text="Required for measures on an account."
    )
    days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DAYS,
        help_text="Only for a restriction or suspension.",
    )
    notify_email = serializers.EmailField(
        required=False,
        allow_blank=True,
        max_length=254,
        help_text="Where to send the notice of the measure, if anywhere.",
    )


class ArgumentsInput(StrictInput):
    """The arguments of one workflow step; `for_action` makes the serializer of a step."""

    unknown_message = MSG_UNKNOWN_ARGUMENT
    action: Action

    @classmethod
    def for_action(cls, action: Action) -> type[ArgumentsInput]:
        return type(f"{action.name.title()}ArgumentsInput", (cls,), {"action": action})

    def get_fields(self) -> dict[str, serializers.Field]:
        # Built per instance rather than as class attributes, so that an argument may have any
        # name, even one a serializer uses itself ("data", "errors").
        # Files go through the web forms (multipart); a JSON body names none.
        return {
            argument.name: _argument_field(argument)
            for argument in self.action.arguments
            if argument.spec.widget != "files"
        }


class OpeningInput(ArgumentsInput):
    """What opening a case of a kind takes: its opening's arguments, and the references of
    further cases it answers; `for_action` makes the serializer of one kind's opening."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            **super().get_fields(),
            "also_from": serializers.ListField(
                child=serializers.CharField(max_length=MAX_REFERENCE),
                max_length=MAX_ALSO_FROM,
                required=False,
                default=list,
                help_text="References of further cases it answers; each is linked to the new case.",
            ),
        }


def _argument_field(argument: ActionArgument) -> serializers.Field:
    """The field for one argument, by the widget its workflow declares for it."""
    spec, required = argument.spec, argument.required
    if spec.widget == "choice":
        return serializers.ChoiceField(choices=[value for value, _label in spec.choices], required=required)
    if spec.widget == "measures":
        return serializers.ListField(child=MeasureInput(), max_length=MAX_MEASURES, required=required)
    if spec.widget == "reference":
        return serializers.CharField(max_length=MAX_REFERENCE, allow_blank=not required, required=required)
    if spec.widget == "staff":
        return serializers.IntegerField(min_value=1, max_value=MAX_ID, allow_null=True, required=required)
    if spec.widget == "urls":
        return WebAddressListField(required=required, allow_empty=not required)
    if spec.widget == "date":
        return serializers.DateField(input_formats=["iso-8601"], allow_null=not required, required=required)
    if spec.widget == "moment":
        # Without an offset, a time is Beijing time, as the forms take it.
        return serializers.DateTimeField(required=required, allow_null=not required, default_timezone=CHINA_TIME)
    return serializers.CharField(max_length=MAX_TEXT, allow_blank=not required, required=required)
