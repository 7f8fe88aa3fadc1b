"""Entries of the feature library (特征库) of illegal and harmful information (article 10).

An entry says what to look for in what the public files: a text pattern (keywords, or a
regular expression), the SHA-256 of a file, or an account identifier. Each names its category,
the rule it implements and, when there is one, the case it was found in. proposed → approved
by someone other than the proposer (four eyes) or rejected; an approved entry is retired when
it no longer applies. Only approved entries match (`cases.feature_matching`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rest_framework import serializers

from cases import sla
from cases.display import DisplayContext, Fact, Item, case_url, choice_field, fact, linked_reference_field, text_field
from cases.errors import TransitionForbidden
from cases.feature_patterns import EntrySort, TextSyntax
from cases.kinds import KindDeclaration, StateWording, choice_text, register
from cases.models import Case, KindManager
from cases.projections import applies, when
from cases.workflows.base import Argument, assignment_transition, case_transition
from cases.workflows.complaint import Category
from cases.workflows.validation import required_text

if TYPE_CHECKING:
    from accounts.actors import Actor
    from cases.eventstore import Event

KIND = "feature_entry"


class FeatureEntryState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved, in force")
    REJECTED = "rejected", pgettext_lazy("feature-library entry", "Rejected")
    RETIRED = "retired", _("Retired")


class FeatureEntryEvent(models.TextChoices):
    PROPOSED = "feature_entry.proposed", _("Feature-library entry proposed")
    APPROVED = "feature_entry.approved", _("Feature-library entry approved")
    REJECTED = "feature_entry.rejected", _("Feature-library entry rejected")
    RETIRED = "feature_entry.retired", _("Feature-library entry retired")


class FeatureEntryOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", pgettext_lazy("feature-library entry", "Rejected")


OPEN_STATES = [FeatureEntryState.PROPOSED]

MSG_PROPOSER = _("Someone other than the person who proposed this entry must review it.")


def _someone_else_proposed(entry: Case, actor: Actor) -> bool:
    """Four eyes: the proposer may not decide on their own proposal (anyone may retire an
    approved entry, which only stops it matching)."""
    if entry.state != FeatureEntryState.PROPOSED:
        return True
    proposer = entry.details.get("proposed_by")
    return proposer is None or actor.user_id != proposer


def _not_the_proposer(entry: Case, actor: Actor) -> None:
    if not _someone_else_proposed(entry, actor):
        raise TransitionForbidden(MSG_PROPOSER)


class FeatureEntry(Case):
    objects = KindManager(KIND)  # type: ignore[assignment, misc]  # a narrower manager than Case's
    States = FeatureEntryState

    class Meta:
        proxy = True
        verbose_name = _("feature-library entry")
        verbose_name_plural = _("feature-library entries")

    @case_transition(
        source=FeatureEntryState.PROPOSED,
        target=FeatureEntryState.APPROVED,
        event=FeatureEntryEvent.APPROVED,
        label=_("Approve the entry"),
        public_label=_("Approved by a second person"),
    )
    def approve(self, *, actor: Actor) -> dict[str, Any]:
        _not_the_proposer(self, actor)
        return {}

    @case_transition(
        source=FeatureEntryState.PROPOSED,
        target=FeatureEntryState.REJECTED,
        event=FeatureEntryEvent.REJECTED,
        label=_("Reject the entry"),
        arguments={"reason": Argument(_("Why it is rejected"), "long")},
    )
    def reject(self, *, actor: Actor, reason: str) -> dict[str, Any]:
        _not_the_proposer(self, actor)
        return {"reason": required_text("reason", reason)}

    @case_transition(
        source=FeatureEntryState.APPROVED,
        target=FeatureEntryState.RETIRED,
        event=FeatureEntryEvent.RETIRED,
        label=_("Retire the entry"),
        arguments={"reason": Argument(_("Why it no longer applies"), "long")},
    )
    def retire(self, *, actor: Actor, reason: str) -> dict[str, Any]:
        return {"reason": required_text("reason", reason)}

    assign = assignment_transition(OPEN_STATES)


# --- Apply functions ------------------------------------------------------------------------


@applies(FeatureEntryEvent.PROPOSED)
def _proposed(case: Case, data: dict[str, Any], event: Event) -> None:
    case.kind = KIND
    case.organisation_id = data["organisation_id"]
    case.reference = data["reference"]
    case.title = data["title"]
    case.category = data["category"]
    case.description = data["rule"]
    case.details = {
        "sort": data["sort"],
        "syntax": data["syntax"],
        "value": data["value"],
        "source_reference": data["source_reference"],
        "source_case_id": data["source_case_id"],
        "proposed_by": event.metadata["actor"]["user_id"],
    }
    case.first_response_due_at = when(data["first_response_due_at"])
    case.resolution_due_at = when(data["resolution_due_at"])
    case.due_at = case.resolution_due_at


def _decided(case: Case, event: Event, outcome: str) -> None:
    case.first_responded_at = event.occurred_at
    case.resolved_at = event.occurred_at
    case.due_at = None
    case.outcome = outcome
    case.details = {**case.details, "decided_by": event.metadata["actor"]["user_id"]}


@applies(FeatureEntryEvent.APPROVED)
def _approved(case: Case, data: dict[str, Any], event: Event) -> None:
    _decided(case, event, FeatureEntryOutcome.APPROVED)


@applies(FeatureEntryEvent.REJECTED)
def _rejected(case: Case, data: dict[str, Any], event: Event) -> None:
    _decided(case, event, FeatureEntryOutcome.REJECTED)


@applies(FeatureEntryEvent.RETIRED)
def _retired(case: Case, data: dict[str, Any], event: Event) -> None:
    case.closed_at = event.occurred_at


# --- How it reads ---------------------------------------------------------------------------


def value_label(sort: str, syntax: str) -> str:
    if sort == EntrySort.FILE:
        return str(_("SHA-256 of the file"))
    if sort == EntrySort.ACCOUNT:
        return str(_("Account identifier"))
    if syntax == TextSyntax.KEYWORDS:
        return str(_("Keywords"))
    return str(_("Regular expression"))


def value_fact(sort: str, syntax: str, value: str) -> Fact:
    """What the entry matches: each keyword on its own, anything else as code."""
    items = [Item(line, style="code") for line in value.split("\n")] if syntax == TextSyntax.KEYWORDS else []
    return Fact(value_label(sort, syntax), items or [Item(value, style="code")])


def _render_value(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    data = event.data
    return [value_fact(str(data.get("sort", "")), str(data.get("syntax", "")), str(value))]


def _entry_facts(case: Case) -> list[Fact]:
    details = case.details
    facts = [
        fact(_("Sort of entry"), choice_text(EntrySort, details.get("sort"))),
        value_fact(details.get("sort", ""), details.get("syntax", ""), details.get("value", "")),
    ]
    if details.get("source_reference"):
        href = case_url(details["source_case_id"]) if details.get("source_case_id") else ""
        facts.append(fact(_("Source case"), details["source_reference"], href=href, style="code"))
    return facts


class FeatureEntryDetails(serializers.Serializer):
    sort = serializers.ChoiceField(choices=EntrySort.choices)
    syntax = serializers.ChoiceField(choices=TextSyntax.choices, allow_blank=True)
    value = serializers.CharField()
    source_reference = serializers.CharField(allow_blank=True)
    source_case_id = serializers.UUIDField(allow_null=True)
    proposed_by = serializers.IntegerField(allow_null=True)
    decided_by = serializers.IntegerField(required=False, allow_null=True)


DECLARATION = register(
    KindDeclaration(
        kind=KIND,
        label=_("Feature-library entry"),
        model=FeatureEntry,
        reference_prefix="F",
        order=40,
        events=FeatureEntryEvent,
        states={
            FeatureEntryState.PROPOSED: StateWording(
                staff=_("Proposed, awaiting a second person"),
                public=_("Proposed"),
                explanation=_(
                    "The entry has been proposed. Someone other than its proposer will approve or reject it by %(due)s."
                ),
            ),
            FeatureEntryState.APPROVED: StateWording(
                staff=_("Approved, in force"),
                public=_("In force"),
                explanation=_("The entry is in force: every complaint filed is checked against it."),
            ),
            FeatureEntryState.REJECTED: StateWording(
                staff=pgettext_lazy("feature-library entry", "Rejected"),
                public=pgettext_lazy("feature-library entry", "Rejected"),
                explanation=_("The entry was rejected and never came into force. The reason is in the history."),
            ),
            FeatureEntryState.RETIRED: StateWording(
                staff=_("Retired"),
                public=_("Retired"),
                explanation=_("The entry no longer applies: complaints are no longer checked against it."),
            ),
        },
        # The review of a proposal is its first response and its decision alike.
        sla_defaults=(sla.Limit(3, sla.TimeUnit.WORKING_DAYS), sla.Limit(3, sla.TimeUnit.WORKING_DAYS)),
        public_events={},
        filer_notified=frozenset(),
        details=FeatureEntryDetails,
        categories=Category,
        category_label=_("Category"),
        outcomes=FeatureEntryOutcome,
        field_renders={
            "category": choice_field(_("Category"), Category),
            "sort": choice_field(_("Sort of entry"), EntrySort),
            "syntax": choice_field(_("Syntax"), TextSyntax),
            "value": _render_value,
            "rule": text_field(_("Rule it implements"), style="long"),
            "source_reference": linked_reference_field(_("Source case"), "source_case_id"),
            "reason": text_field(_("Reason"), style="long"),
        },
        field_order=("sort", "syntax", "value", "category", "rule", "source_reference", "reason"),
        folded_fields=frozenset({"source_case_id"}),
        open_states=frozenset(OPEN_STATES),
        handler_rule=_someone_else_proposed,
        may_not_handle_message=MSG_PROPOSER,
        description_heading=_("The rule it implements"),
        facts=_entry_facts,
    )
)
