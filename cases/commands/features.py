"""Commands of the feature library: proposing an entry, and recording what a filing matched.

Approving, rejecting and retiring an entry are workflow steps, taken like any other through
`cases.commands.staff.case_act`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from cases import sla
from cases.commands.common import command, issue_reference, load_for_update
from cases.errors import CommandInvalid, TransitionForbidden
from cases.events import CaseEvent
from cases.feature_matching import Intake, Match, approved_entries, intake_matches
from cases.feature_patterns import MSG_VALUE_REQUIRED, EntrySort, EntryValue, entry_value_clean
from cases.kinds import as_kind
from cases.links import INVERSE, LinkType
from cases.models import Case, Priority
from cases.references import normalise_reference
from cases.workflows.complaint import Category
from cases.workflows.feature_entry import KIND, FeatureEntry, FeatureEntryEvent, FeatureEntryState
from cases.workflows.validation import MSG_UNKNOWN_CHOICE, optional_text, required_text

logger = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_RULE = 2000
MAX_SOURCE_REFERENCE = 40
# A filing records at most this many matches; more would only repeat the warning.
MAX_MATCHES_RECORDED = 20

MSG_STAFF_ONLY = _("Only staff of a service provider may propose entries of its feature library.")
MSG_CHOOSE_SORT = _("Choose what the entry matches.")
MSG_CHOOSE_CATEGORY = _("Choose the category of information the entry finds.")
MSG_RULE_REQUIRED = _("Name the rule or entry standard this entry implements.")
MSG_SOURCE_UNKNOWN = _("No case of your organisation has that reference.")
MSG_DUPLICATE = _("Entry %(reference)s already matches exactly this (it is %(state)s).")


def _default_title(value: EntryValue) -> str:
    first_line = value.value.split("\n", 1)[0]
    return first_line[:60] + ("…" if len(first_line) > 60 or "\n" in value.value else "")


@command
def feature_entry_propose(
    *,
    actor: Actor,
    sort: str,
    value: str | Sequence[str],
    category: str,
    rule: str,
    syntax: str = "",
    title: str = "",
    source_reference: str = "",
) -> FeatureEntry:
    """Propose an entry of the actor's organisation's library. It matches nothing until someone
    else approves it. A source case, when named, is linked to the entry both ways."""
    if not actor.is_provider_staff or actor.organisation_id is None:
        raise TransitionForbidden(MSG_STAFF_ONLY)
    errors: dict[str, list[Any]] = {}
    cleaned: dict[str, Any] = {}

    def check(name: str, clean: Any) -> None:
        try:
            cleaned[name] = clean()
        except CommandInvalid as exc:
            for field, messages in exc.errors.items():
                errors.setdefault(field, []).extend(messages)

    if sort not in EntrySort.values:
        errors["sort"] = [_choice_message(sort, MSG_CHOOSE_SORT)]
        if not (value if isinstance(value, str) else "".join(value)).strip():
            errors["value"] = [MSG_VALUE_REQUIRED]
    else:
        check("value", lambda: entry_value_clean(sort=sort, syntax=syntax or "", value=value))
    if category not in Category.values:
        errors["category"] = [_choice_message(category, MSG_CHOOSE_CATEGORY)]
    if not (rule or "").strip():
        errors["rule"] = [MSG_RULE_REQUIRED]
    else:
        check("rule", lambda: required_text("rule", rule, max_length=MAX_RULE))
    check("title", lambda: optional_text("title", title, max_length=MAX_TITLE))
    check("source", lambda: _source_case(actor, source_reference))
    if errors:
        raise CommandInvalid(errors)
    entry_value: EntryValue = cleaned["value"]
    _refuse_duplicate(actor, sort, entry_value)
    source: Case | None = cleaned["source"]
    time_limits = sla.time_limits(KIND, timezone.now())
    entry = FeatureEntry(id=uuid.uuid4())
    entry.record(
        FeatureEntryEvent.PROPOSED,
        {
            "organisation_id": actor.organisation_id,
            "reference": issue_reference(KIND),
            "title": cleaned["title"] or _default_title(entry_value),
            "category": category,
            "sort": sort,
            "syntax": entry_value.syntax,
            "value": entry_value.value,
            "rule": cleaned["rule"],
            "source_reference": source.reference if source else "",
            "source_case_id": str(source.id) if source else None,
            **time_limits,
            "to_state": FeatureEntryState.PROPOSED,
        },
        actor=actor,
    )
    if source is not None:
        _link_both_ways(entry, source, actor=actor)
    return entry


def _choice_message(value: Any, missing: Any) -> Any:
    return MSG_UNKNOWN_CHOICE % {"value": str(value)[:50]} if value else missing


def _source_case(actor: Actor, reference: str) -> Case | None:
    reference = optional_text("source_reference", reference, max_length=MAX_SOURCE_REFERENCE)
    if not reference:
        return None
    found = Case.objects.for_actor(actor).filter(reference=normalise_reference(reference))
    source = found.only("id", "reference").first()
    if source is None:
        raise CommandInvalid.single("source_reference", MSG_SOURCE_UNKNOWN)
    return source


def _refuse_duplicate(actor: Actor, sort: str, value: EntryValue) -> None:
    """One entry in force (or under review) per thing to match: a second would only match twice."""
    assert actor.organisation_id is not None  # only staff of an organisation propose entries
    existing = (
        FeatureEntry.objects.filter(
            organisation_id=actor.organisation_id,
            state__in=[FeatureEntryState.PROPOSED, FeatureEntryState.APPROVED],
            details__sort=sort,
            details__syntax=value.syntax,
            details__value=value.value,
        )
        .only("reference", "state", "kind")
        .first()
    )
    if existing is not None:
        message = MSG_DUPLICATE % {"reference": existing.reference, "state": existing.state_label}
        raise CommandInvalid.single("value", message)


def _link_both_ways(entry: Case, source: Case, *, actor: Actor) -> None:
    source = as_kind(load_for_update(Case, case_id=source.id, actor=actor, expected_version=None))
    entry.record(
        CaseEvent.LINKED,
        {"link": LinkType.RELATED, "linked_case_id": str(source.id), "linked_reference": source.reference},
        actor=actor,
    )
    source.record(
        CaseEvent.LINKED,
        {"link": INVERSE[LinkType.RELATED], "linked_case_id": str(entry.id), "linked_reference": entry.reference},
        actor=actor,
    )


# --- Matching a filing ----------------------------------------------------------------------


def feature_matches_record(case: Case, intake: Intake, *, request_id: str = "") -> list[Match]:
    """Match a case being filed against its organisation's approved entries, and record each
    match on it as the system, raising its priority by one step (at most to urgent).

    Runs inside the filing's transaction and never fails it for a fault of matching: whatever
    goes wrong is logged, and what was written undone, leaving the filing as it was. The writes
    are in a savepoint, taken only when there is something to write (two round trips every
    filing would otherwise pay); the read before them is one indexed SELECT, which a
    database error would fail like any other statement of the filing."""
    try:
        entries = approved_entries(organisation_id=case.organisation_id)
        matches = intake_matches(intake, entries, filing=case.reference) if entries else []
    except Exception:  # the filing must go through without its matches
        logger.exception("Feature-library matching of filing %s failed; filed without it", case.reference)
        return []
    if not matches:
        return []
    before = dict(case.__dict__)
    try:
        with transaction.atomic():
            _record_matches(case, matches[:MAX_MATCHES_RECORDED], Actor.system(request_id=request_id))
    except Exception:  # the filing must go through without its matches
        logger.exception("Feature-library matching of filing %s failed; filed without it", case.reference)
        case.__dict__.clear()
        case.__dict__.update(before)
        return []
    if len(matches) > MAX_MATCHES_RECORDED:
        logger.warning(
            "Filing %s matched %s feature-library entries; the first %s were recorded",
            case.reference,
            len(matches),
            MAX_MATCHES_RECORDED,
        )
    return matches


def _record_matches(case: Case, matches: list[Match], system: Actor) -> None:
    raised = min(case.priority + 1, Priority.URGENT)
    for number, match in enumerate(matches):
        data: dict[str, Any] = {
            "entry_id": str(match.entry.id),
            "entry_reference": match.entry.reference,
            "where": match.where,
            "matched": match.matched,
        }
        if match.evidence_id:
            data["evidence_id"] = match.evidence_id
        if number == 0 and raised != case.priority:
            data["priority"] = int(raised)
        case.record(CaseEvent.FEATURE_MATCHED, data, actor=system)
