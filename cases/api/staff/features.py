"""The feature library in the staff API: list and search its entries, and propose one.

Approving, rejecting and retiring an entry are steps of its workflow, taken through the case
endpoints like any other (transitions/approve/, transitions/reject/, transitions/retire/)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from cases.api.staff import preconditions, schema
from cases.api.staff.base import StaffApi
from cases.api.staff.inputs import MAX_CURSOR, NamedChoice, StrictInput
from cases.api.staff.outputs import case_address
from cases.commands import feature_entry_propose
from cases.commands.features import MAX_RULE, MAX_SOURCE_REFERENCE, MAX_TITLE
from cases.feature_patterns import MAX_VALUE, EntrySort, TextSyntax
from cases.feature_queries import MAX_SEARCH, FeatureFilters, entry_people, feature_page
from cases.kinds import choice_text
from cases.models import Case
from cases.workflows.complaint import Category
from cases.workflows.feature_entry import FeatureEntryState

MSG_UNKNOWN_SORT = _("“%(value)s” is not a sort of entry (text, file or account).")
MSG_UNKNOWN_ENTRY_STATE = _("“%(value)s” is not a state of an entry.")
MSG_UNKNOWN_CATEGORY = _("“%(value)s” is not a category.")


class FeatureQuery(serializers.Serializer):
    cursor = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_CURSOR,
        default="",
        help_text="From the `next` link of a page; leave out for the first page.",
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_SEARCH,
        default="",
        help_text="Text within a pattern, keyword, rule or title; a file's SHA-256; an account identifier.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["sort"] = NamedChoice(["", *EntrySort.values], MSG_UNKNOWN_SORT, help_text="text, file or account.")
        fields["state"] = NamedChoice(["", *FeatureEntryState.values], MSG_UNKNOWN_ENTRY_STATE)
        fields["category"] = NamedChoice(["", *Category.values], MSG_UNKNOWN_CATEGORY)
        return fields

    def filters(self) -> FeatureFilters:
        data = self.validated_data
        return FeatureFilters(sort=data["sort"], state=data["state"], category=data["category"], text=data["q"])


class FeatureProposalInput(StrictInput):
    sort = serializers.ChoiceField(choices=EntrySort.choices)
    syntax = serializers.ChoiceField(
        choices=TextSyntax.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="For a text pattern only: keywords or regex.",
    )
    value = serializers.CharField(
        max_length=MAX_VALUE,
        trim_whitespace=False,
        help_text=(
            "Keywords one per line (any of them matches); a regular expression (at most 300 characters, no "
            "repeat inside a repeated group); a file's SHA-256 in hexadecimal; an account identifier."
        ),
    )
    category = serializers.ChoiceField(choices=Category.choices)
    rule = serializers.CharField(max_length=MAX_RULE, help_text="The entry standard or rule the entry applies.")
    title = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TITLE, default="")
    source_reference = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_SOURCE_REFERENCE,
        default="",
        help_text="The case it was found in; the two are linked both ways.",
    )


class FeatureEntryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    reference = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="The entry as a case: its history and the steps you may take.")
    title = serializers.CharField()
    sort = serializers.CharField(source="details.sort")
    sort_label = serializers.SerializerMethodField()
    syntax = serializers.CharField(
        source="details.syntax", help_text="keywords or regex; empty for files and accounts."
    )
    value = serializers.CharField(source="details.value", help_text="Keywords come one per line.")
    category = serializers.CharField()
    category_label = serializers.SerializerMethodField()
    rule = serializers.CharField(source="description")
    state = serializers.ChoiceField(choices=FeatureEntryState.choices)
    state_label = serializers.CharField(help_text="The state as staff read it.")
    source_reference = serializers.CharField(source="details.source_reference", help_text="Empty when none.")
    proposed_by = serializers.SerializerMethodField(help_text="A username.")
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text="Send it back in If-Match to take a step on the entry.")

    def get_url(self, entry: Case) -> str:
        return case_address(self.context, entry.id)

    def get_sort_label(self, entry: Case) -> str:
        return choice_text(EntrySort, entry.details.get("sort"))

    def get_category_label(self, entry: Case) -> str:
        return choice_text(Category, entry.category)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_proposed_by(self, entry: Case) -> str | None:
        person = self.context["people"].get(entry.details.get("proposed_by"))
        return person.username if person is not None else None


class FeaturePageOutput(serializers.Serializer):
    results = FeatureEntryOutput(source="entries", many=True)
    next = serializers.SerializerMethodField(help_text="The next page, or null on the last.")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_next(self, page: Any) -> str | None:
        if not page.next_cursor:
            return None
        return replace_query_param(self.context["request"].build_absolute_uri(), "cursor", page.next_cursor)


_PROPOSAL_EXAMPLES = [
    OpenApiExample(
        "Keywords",
        value={
            "sort": "text",
            "syntax": "keywords",
            "value": "冒充客服\n官方退款专员",
            "category": "impersonation_fraud",
            "rule": "Impersonating customer service, rule 4.2.",
        },
    ),
    OpenApiExample(
        "Regular expression",
        value={
            "sort": "text",
            "syntax": "regex",
            "value": r"(?i)deep\s?fake\s(教程|tutorial)",
            "category": "illegal_harmful",
            "rule": "Face-swap tutorials, rule 7.",
            "source_reference": "C-7K4M-9QHX",
        },
    ),
    OpenApiExample(
        "A file",
        value={
            "sort": "file",
            "value": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "category": "false_information",
            "rule": "A known fake video.",
        },
    ),
]


class FeatureLibraryApi(StaffApi):
    @extend_schema(
        operation_id="staff_feature_list",
        summary="The feature library",
        description=(
            "Your organisation's entries, newest first, 50 a page, filtered by sort, state and category and "
            "searched with `q`. Follow `next` to page; it keeps the filters."
        ),
        tags=schema.TAGS,
        parameters=[FeatureQuery, *schema.READ_PARAMETERS],
        responses={200: FeaturePageOutput, **schema.error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        query = FeatureQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = feature_page(actor=self.actor, filters=query.filters(), cursor=query.validated_data["cursor"])
        context = {"request": request, "people": entry_people(page.entries)}
        return Response(FeaturePageOutput(page, context=context).data)

    @extend_schema(
        operation_id="staff_feature_propose",
        summary="Propose an entry",
        description=(
            "The entry is proposed, and matches nothing until someone other than you approves it "
            "(transitions/approve/ on the case at `url`). Regular expressions are refused when they do not "
            "compile, repeat a group that itself repeats, use fuzzy matching or match empty text."
        ),
        tags=schema.TAGS,
        request=FeatureProposalInput,
        parameters=schema.READ_PARAMETERS,
        responses={201: FeatureEntryOutput, **schema.error_responses(400)},
        examples=_PROPOSAL_EXAMPLES,
    )
    def post(self, request: Request) -> Response:
        proposal = FeatureProposalInput(data=request.data)
        proposal.is_valid(raise_exception=True)
        entry = feature_entry_propose(actor=self.actor, **proposal.validated_data)
        context = {"request": request, "people": entry_people([entry])}
        response = Response(FeatureEntryOutput(entry, context=context).data, status=status.HTTP_201_CREATED)
        response["Location"] = case_address(context, entry.id)
        return preconditions.tagged(response, entry.version)
