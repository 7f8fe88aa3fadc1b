"""What the staff API answers: queue rows, a case with what surrounds it, its history, measures.

Codes (kind, state, category, …) come with their labels in the request's language; states
read as staff read them. Addresses of cases are absolute, so that a client can follow them.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.urls import replace_query_param

from cases.events import event_label
from cases.kinds import choice_text, kind_label, kind_of_event
from cases.links import LinkType
from cases.measures import Measure, MeasureState, measure_state
from cases.models import Case, EnforcementMeasure, Priority
from cases.sealing import Reader
from cases.staff_queries import VERIFIED, HistoryEntry, LinkedCase

# What the API shows in place of personal text the member of staff has not chosen to see.
MASKED = "[masked]"


def personal_keys(event_type: str) -> tuple[str, ...]:
    """The keys of an event type's data that hold a person's own text."""
    declaration = kind_of_event(event_type)
    return declaration.personal_text.get(event_type, ()) if declaration else ()


def case_address(context: dict[str, Any], case_id: Any) -> str:
    path = reverse("api:staff:case", kwargs={"case_id": case_id})
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class CaseSummaryOutput(serializers.Serializer):
    """Another case, as a case names it: an appeal, an appealed case, a linked case."""

    id = serializers.UUIDField()
    reference = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.SerializerMethodField()
    state = serializers.CharField()
    state_label = serializers.CharField(help_text="The state as staff read it.")
    title = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_kind_label(self, case: Case) -> str:
        return kind_label(case.kind)

    def get_url(self, case: Case) -> str:
        return case_address(self.context, case.id)


class CaseRowOutput(CaseSummaryOutput):
    """One case in the queue."""

    category = serializers.CharField()
    category_label = serializers.SerializerMethodField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    priority_label = serializers.SerializerMethodField()
    assignee = serializers.CharField(source="assignee.username", allow_null=True, help_text="A username, or null.")
    due_at = serializers.DateTimeField(
        allow_null=True, help_text="The deadline running now; null while paused or done."
    )
    overdue = serializers.SerializerMethodField()
    version = serializers.IntegerField(help_text="Send it back in If-Match to change the case.")
    feature_matched = serializers.SerializerMethodField(
        help_text="Whether an entry of the feature library matched the case when it was filed."
    )

    def get_feature_matched(self, case: Case) -> bool:
        return bool(case.details.get("feature_matches"))

    def get_category_label(self, case: Case) -> str:
        return case.declaration.category_text(case.category)

    def get_priority_label(self, case: Case) -> str:
        return choice_text(Priority, case.priority)

    def get_overdue(self, case: Case) -> bool:
        return case.due_at is not None and case.due_at < timezone.now()


class QueuePageOutput(serializers.Serializer):
    results = CaseRowOutput(source="cases", many=True)
    next = serializers.SerializerMethodField(help_text="The next page, or null on the last.")
    previous = serializers.SerializerMethodField(help_text="The previous page, or null on the first.")

    def get_next(self, page: Any) -> str | None:
        return self._page_address(page.next_cursor)

    def get_previous(self, page: Any) -> str | None:
        return self._page_address(page.previous_cursor)

    def _page_address(self, cursor: str) -> str | None:
        if not cursor:
            return None
        return replace_query_param(self.context["request"].build_absolute_uri(), "cursor", cursor)


# --- One case -------------------------------------------------------------------------------


class CaseFactsOutput(serializers.Serializer):
    """The case as it stands, besides its state: what was asked, the clock, the outcome."""

    description_heading = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField(
        help_text=(
            "The filer's own text; “[erased]” once their data is erased, and “[masked]” while it is personal "
            "data (a personal-information request) this member of staff has not revealed on the case page."
        )
    )
    outcome = serializers.CharField(help_text="Empty until the case is decided.")
    outcome_label = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    first_responded_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)
    paused_at = serializers.DateTimeField(allow_null=True, help_text="Set while the case waits for its filer.")
    paused_seconds = serializers.IntegerField(
        help_text="Working time (seconds of business hours) the clock stood still while the case waited for its filer."
    )
    sla_policy_version = serializers.IntegerField(
        allow_null=True,
        help_text="The time-limit policy version the case was filed under (0: its kind's declared defaults).",
    )
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_description_heading(self, case: Case) -> str:
        return str(case.declaration.description_heading)

    def get_description(self, case: Case) -> str:
        return MASKED if self.context.get("masked") else case.description_text

    def get_outcome_label(self, case: Case) -> str:
        return case.declaration.outcome_text(case.outcome) if case.outcome else ""


class RelatedCaseOutput(serializers.Serializer):
    relation = serializers.SerializerMethodField(
        help_text="appealed_case: the case this appeal is against; appeal: an appeal against this case."
    )
    case = CaseSummaryOutput(source="*")

    @extend_schema_field(serializers.ChoiceField(choices=["appealed_case", "appeal"]))
    def get_relation(self, other: Case) -> str:
        return "appealed_case" if other.id == self.context["case"].related_case_id else "appeal"


class LinkedCaseOutput(serializers.Serializer):
    link = serializers.ChoiceField(choices=LinkType.choices, help_text="What the other case is to this one.")
    link_label = serializers.SerializerMethodField()
    case = CaseSummaryOutput()

    def get_link_label(self, linked: LinkedCase) -> str:
        return choice_text(LinkType, linked.link)


class MeasureOutput(serializers.Serializer):
    reference = serializers.CharField(help_text="As printed on the notice of the measure.")
    measure = serializers.ChoiceField(choices=Measure.choices)
    measure_label = serializers.SerializerMethodField()
    account = serializers.CharField(help_text="Empty for measures on content only.")
    taken_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True, help_text="Null: until lifted.")
    reversed_at = serializers.DateTimeField(allow_null=True)
    reversed_by = serializers.CharField(help_text="The reference of the appeal that reversed it, if any.")
    state = serializers.SerializerMethodField()
    state_label = serializers.SerializerMethodField()
    case_id = serializers.UUIDField()
    case_reference = serializers.CharField(source="case.reference")
    case_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=MeasureState.choices))
    def get_state(self, measure: EnforcementMeasure) -> str:
        return measure_state(measure.ends_at, measure.reversed_at)

    def get_state_label(self, measure: EnforcementMeasure) -> str:
        return choice_text(MeasureState, self.get_state(measure))

    def get_measure_label(self, measure: EnforcementMeasure) -> str:
        return choice_text(Measure, measure.measure)

    def get_case_url(self, measure: EnforcementMeasure) -> str:
        return case_address(self.context, measure.case_id)


class MeasureListOutput(serializers.Serializer):
    account = serializers.CharField()
    results = MeasureOutput(many=True)


class ChoiceOutput(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class ArgumentOutput(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField(source="spec.label")
    help = serializers.CharField(source="spec.help")
    required = serializers.BooleanField()
    widget = serializers.ChoiceField(
        choices=["text", "long", "choice", "measures", "reference", "staff", "urls", "date", "moment"],
        source="spec.widget",
        help_text=(
            "text: one line; long: free text; choice: one of `choices`; measures: a list of "
            '{"measure", "account", "days", "notify_email"}; reference: another case\'s reference; '
            "staff: a user id; urls: a list of http(s) addresses; date: a day, YYYY-MM-DD; moment: an ISO 8601 "
            "date and time (Beijing time without an offset)."
        ),
    )
    choices = serializers.SerializerMethodField()

    @extend_schema_field(ChoiceOutput(many=True))
    def get_choices(self, argument: Any) -> list[dict[str, str]]:
        return [{"value": value, "label": str(label)} for value, label in argument.spec.choices]


class ActionOutput(serializers.Serializer):
    name = serializers.CharField(help_text="POST to transitions/{name}/ to take it.")
    label = serializers.CharField()
    target = serializers.CharField(allow_null=True, help_text="The state the case will be in.")
    arguments = ArgumentOutput(many=True)


class OpeningOutput(serializers.Serializer):
    """A kind of case that may be opened from this one (a refutation from a complaint)."""

    kind = serializers.CharField()
    kind_label = serializers.SerializerMethodField()
    label = serializers.CharField(source="action.label")
    url = serializers.SerializerMethodField(help_text="POST the arguments here, with this case's ETag in If-Match.")
    arguments = ArgumentOutput(source="action.arguments", many=True)

    def get_kind_label(self, offer: Any) -> str:
        return kind_label(offer.kind)

    def get_url(self, offer: Any) -> str:
        path = reverse("api:staff:case-opening", kwargs={"case_id": self.context["case_id"], "kind": offer.kind})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class CaseOutput(CaseRowOutput):
    """A case, with what staff may see of it and what the caller may do with it now."""

    assignee_id = serializers.IntegerField(allow_null=True)
    facts = CaseFactsOutput(source="*")
    details = serializers.JSONField(help_text="The kind's own facts, in the shape its declaration validates.")
    related = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    measures = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text="The steps the caller may take now.")
    openings = serializers.SerializerMethodField(help_text="The kinds of case the caller may open from this one.")

    @extend_schema_field(RelatedCaseOutput(many=True))
    def get_related(self, case: Case) -> Any:
        context = {**self.context, "case": case}
        return RelatedCaseOutput(self.context["detail"].related, many=True, context=context).data

    @extend_schema_field(LinkedCaseOutput(many=True))
    def get_links(self, case: Case) -> Any:
        return LinkedCaseOutput(self.context["detail"].links, many=True, context=self.context).data

    @extend_schema_field(MeasureOutput(many=True))
    def get_measures(self, case: Case) -> Any:
        return MeasureOutput(self.context["detail"].measures, many=True, context=self.context).data

    @extend_schema_field(ActionOutput(many=True))
    def get_actions(self, case: Case) -> Any:
        return ActionOutput(self.context["detail"].actions, many=True, context=self.context).data

    @extend_schema_field(OpeningOutput(many=True))
    def get_openings(self, case: Case) -> Any:
        context = {**self.context, "case_id": case.id}
        return OpeningOutput(self.context["detail"].openings, many=True, context=context).data


# --- The history ----------------------------------------------------------------------------


class EventActorOutput(serializers.Serializer):
    role = serializers.CharField(allow_null=True)
    user_id = serializers.IntegerField(allow_null=True)
    username = serializers.CharField(allow_null=True)


class EventOutput(serializers.Serializer):
    position = serializers.IntegerField(source="event.position", help_text="Place in the whole log.")
    version = serializers.IntegerField(source="event.stream_version", help_text="The case's version after it.")
    type = serializers.CharField(source="event.type")
    type_label = serializers.SerializerMethodField()
    occurred_at = serializers.DateTimeField(source="event.occurred_at")
    actor = serializers.SerializerMethodField()
    data = serializers.SerializerMethodField(
        help_text=(
            "The event's data. The filer's own text is stored sealed under their key and shown here as text, "
            "or as “[erased]” once their personal data is erased, or “[masked]” while it is personal data this "
            "member of staff has not revealed; the verifiable export carries the ciphertext."
        )
    )
    hash = serializers.CharField(source="event.hash")
    previous_hash = serializers.CharField(source="event.previous_hash")
    verified = serializers.SerializerMethodField(help_text="Whether the hash chain holds up to and including it.")
    verification = serializers.ChoiceField(
        choices=["verified", "broken", "unverified"],
        help_text="broken: the first event whose hash fails; unverified: any event after it.",
    )

    def get_type_label(self, entry: HistoryEntry) -> str:
        return event_label(entry.event.type)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_data(self, entry: HistoryEntry) -> Any:
        context: Any = self.context  # the root serializer's own dict, shared by every entry
        reader = context.setdefault("personal_reader", Reader())
        data = reader.data(entry.event.data)
        if context.get("masked") and isinstance(data, dict):
            personal = personal_keys(entry.event.type)
            data = {key: MASKED if key in personal else value for key, value in data.items()}
        return data

    @extend_schema_field(EventActorOutput)
    def get_actor(self, entry: HistoryEntry) -> dict[str, Any]:
        # Read defensively: an altered event may hold anything, and must still be shown.
        metadata = entry.event.metadata if isinstance(entry.event.metadata, dict) else {}
        actor = metadata.get("actor") if isinstance(metadata.get("actor"), dict) else {}
        user_id = actor.get("user_id")
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            user_id = None
        person = self.context["people"].get(user_id) if user_id is not None else None
        role = actor.get("role")
        return {
            "role": role if isinstance(role, str) else None,
            "user_id": user_id,
            "username": person.username if person is not None else None,
        }

    def get_verified(self, entry: HistoryEntry) -> bool:
        return entry.verification == VERIFIED


class HistoryOutput(serializers.Serializer):
    results = EventOutput(source="entries", many=True)
    intact = serializers.BooleanField(
        help_text="Every event verified, and the last one is where the case says its history ends."
    )
