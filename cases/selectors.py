"""Reads: tracking access, what the public may see of a case, evidence for staff."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from cases.events import PUBLIC_EVENT_TYPES, EventType
from cases.eventstore import Event
from cases.evidence import open_evidence
from cases.models import Case, CaseKind, Evidence, TrackingCredential, kind_class
from cases.references import normalise_reference, token_hash, token_matches
from cases.workflows.appeal import OPEN_STATES as OPEN_APPEAL_STATES
from cases.workflows.appeal import Appeal
from cases.workflows.complaint import (
    DECIDED_STATES,
    ComplaintState,
    Measure,
    Outcome,
    RejectionReason,
    measure_reference,
)

# Compared against when the reference is unknown, so that a wrong reference and a wrong token
# take the same time and look the same.
_NO_SUCH_TOKEN_HASH = token_hash("no such tracking token")


def case_for_tracking(reference: str, token: str) -> Case | None:
    """The case whose reference and private token these are, or None; never says which was wrong."""
    credential = (
        TrackingCredential.objects.select_related("case").filter(case__reference=normalise_reference(reference)).first()
    )
    matches = token_matches(token or "", credential.token_hash if credential else _NO_SUCH_TOKEN_HASH)
    if credential is None or not matches:
        return None
    return as_kind(credential.case)


def as_kind(case: Case) -> Case:
    """The same row as an instance of its kind's class, with that kind's workflow."""
    case.__class__ = kind_class(case.kind)
    return case


def tracked_case(case_id: uuid.UUID | str) -> Case | None:
    case = Case.objects.filter(pk=case_id).first()
    return as_kind(case) if case else None


def public_provider(slug: str = "") -> Organisation | None:
    """The service provider a public filing goes to: the one named by `slug`; else the one set
    in settings.PUBLIC_PROVIDER; else the only provider there is. None when that is ambiguous
    or unknown: with several providers the product does not guess."""
    providers = Organisation.objects.filter(kind=Organisation.Kind.PROVIDER)
    slug = slug or settings.PUBLIC_PROVIDER
    if slug:
        return providers.filter(slug=slug).first()
    candidates = list(providers.order_by("pk")[:2])
    return candidates[0] if len(candidates) == 1 else None


def open_appeal(complaint: Case, *, measure_number: int | None = None) -> Case | None:
    """The appeal still being handled against this complaint's decision (measure_number None)
    or against one of its measures, if any."""
    appeals = Appeal.objects.filter(related_case_id=complaint.pk, state__in=OPEN_APPEAL_STATES).order_by("created_at")
    return next((appeal for appeal in appeals if appeal.details.get("measure_number") == measure_number), None)


def open_decision_appeal(complaint: Case) -> Case | None:
    """The appeal against this complaint's decision that is still being handled, if any.

    Appeals against a single measure of the decision are separate and do not count."""
    return open_appeal(complaint)


def decision_appealable(complaint: Case) -> bool:
    """Whether the complainant may appeal the decision on this complaint now: it has one, and
    no appeal against it is being handled."""
    return (
        complaint.kind == CaseKind.COMPLAINT
        and complaint.state in DECIDED_STATES
        and open_decision_appeal(complaint) is None
    )


def waiting_on_filer(case: Case) -> bool:
    """Whether the case waits for the person who filed it (its clock paused meanwhile)."""
    return case.kind == CaseKind.COMPLAINT and case.state == ComplaintState.AWAITING_COMPLAINANT


# --- What the public sees -------------------------------------------------------------------


@dataclass(frozen=True)
class PublicEntry:
    occurred_at: dt.datetime
    title: str
    lines: list[str] = field(default_factory=list)


_PUBLIC_TITLES = {
    EventType.COMPLAINT_SUBMITTED: _("Complaint received"),
    EventType.COMPLAINT_ACCEPTED: _("Accepted for handling"),
    EventType.COMPLAINT_REJECTED: _("Not accepted"),
    EventType.COMPLAINT_INVESTIGATION_STARTED: _("Investigation started"),
    EventType.COMPLAINT_INFORMATION_REQUESTED: _("We asked you for more information"),
    EventType.COMPLAINT_INFORMATION_RECEIVED: _("Your information was received"),
    EventType.COMPLAINT_RESOLVED: _("Decision made"),
    EventType.COMPLAINT_CLOSED: _("Closed"),
    EventType.COMPLAINT_MEASURES_REVERSED: _("Measures reversed on appeal"),
    EventType.COMPLAINT_REOPENED: _("Reopened on appeal"),
    EventType.APPEAL_FILED: _("Appeal received"),
    EventType.APPEAL_REVIEW_STARTED: _("Review started"),
    EventType.APPEAL_UPHELD: _("Original decision upheld"),
    EventType.APPEAL_OVERTURNED: _("Original decision overturned"),
    EventType.APPEAL_CLOSED: _("Closed"),
    EventType.CASE_EVIDENCE_ADDED: _("Evidence file received"),
}


def _choice_label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _public_lines(event: Event, reference: str) -> list[str]:
    data = event.data
    if event.type == EventType.COMPLAINT_REJECTED:
        return [_choice_label(RejectionReason, data["reason"]), data["explanation"]]
    if event.type == EventType.COMPLAINT_INFORMATION_REQUESTED:
        return [data["question"]]
    if event.type == EventType.COMPLAINT_RESOLVED:
        lines = [_choice_label(Outcome, data["outcome"]), data["summary"]]
        lines += [
            f"{_choice_label(Measure, m)} ({measure_reference(reference, n)})"
            for n, m in enumerate(data["measures"], start=1)
        ]
        return lines
    if event.type in (EventType.APPEAL_UPHELD, EventType.APPEAL_OVERTURNED):
        return [data["reason"]]
    if event.type == EventType.CASE_EVIDENCE_ADDED:
        return [
            _("%(type)s, %(size)s bytes, SHA-256 %(digest)s…")
            % {
                "type": data["content_type"],
                "size": number_format(data["size"], force_grouping=True),
                "digest": data["sha256"][:16],
            }
        ]
    return []


def public_timeline(case: Case) -> list[PublicEntry]:
    """The history as the filer may see it: no internal notes, no staff identities."""
    events = Event.objects.filter(stream_id=case.id, type__in=PUBLIC_EVENT_TYPES).order_by("stream_version")
    return [
        PublicEntry(
            occurred_at=event.occurred_at,
            title=str(_PUBLIC_TITLES.get(event.type, event.type)),
            lines=[str(line) for line in _public_lines(event, case.reference) if line],
        )
        for event in events
    ]


def open_question(case: Case) -> str | None:
    """The question the complainant has been asked, while the case waits on them."""
    if case.paused_at is None:
        return None
    event = (
        Event.objects.filter(stream_id=case.id, type=EventType.COMPLAINT_INFORMATION_REQUESTED)
        .order_by("-stream_version")
        .first()
    )
    return event.data["question"] if event else None


# --- Evidence, for staff --------------------------------------------------------------------


def evidence_for_download(*, case: Case, evidence_id: uuid.UUID) -> tuple[Evidence, IO[bytes]] | None:
    evidence = Evidence.objects.filter(case=case, pk=evidence_id).first()
    if evidence is None:
        return None
    return evidence, open_evidence(evidence.storage_path)
