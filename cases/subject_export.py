"""Everything held about one data subject, as the export an access or copy request produces
(PIPL articles 45 and 50): JSON, and the same content as a readable page.

It holds what the person gave (their contact details, each of their cases' own texts, the
files they sent, by name and digest) and what was done on their cases as they see it on their
tracking pages (public event titles and times), and nothing about anyone else: no staff
identities, no internal notes, no other person's data. Every read of a personal value is here,
in one module: contact details by attribute of the subject, free text of events through the
`personal_text` keys their kinds declare.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

from accounts.actors import PUBLIC
from cases.events import CaseEvent, event_label
from cases.eventstore import Event
from cases.kinds import declaration_of, declared
from cases.models import Case, DataSubject, Evidence
from cases.selectors import public_events_of

EXPORT_FORMAT = "personal-information-export/1"


def _moment(value: Any) -> str | None:
    return value.isoformat() if value else None


def _contact(subject: DataSubject) -> dict[str, Any]:
    return {
        "id": str(subject.id),
        "name": subject.name,
        "email": subject.email,
        "phone": subject.phone,
        "language": subject.language,
        "consent_given_at": _moment(subject.consented_at),
        "consent_withdrawn_at": _moment(subject.consent_withdrawn_at),
        "recorded_at": _moment(subject.created_at),
    }


def _texts(case: Case, events: list[Event]) -> list[dict[str, Any]]:
    """The person's own free text on the case: the keys their kind declares personal, opened
    with the person's key (sealed in the event log)."""
    declared_text = declaration_of(case.kind).personal_text
    reader = case.personal_reader()
    texts = []
    for event in events:
        for key in declared_text.get(event.type, ()):
            value = reader.text(event.data.get(key)) if isinstance(event.data, dict) else None
            if isinstance(value, str) and value:
                texts.append(
                    {"at": event.occurred_at.isoformat(), "event": event_label(event.type), "field": key, "text": value}
                )
    return texts


def _history(case: Case, events: list[Event]) -> list[dict[str, Any]]:
    """What happened on the case, by the titles its filer sees (never staff or their notes)."""
    shown = public_events_of(case.kind)
    return [
        {"at": event.occurred_at.isoformat(), "title": str(shown[event.type].title)}
        for event in events
        if event.type in shown
    ]


def _files(case: Case, events: list[Event], evidence: list[Evidence]) -> list[dict[str, Any]]:
    """The files the person sent (staff's own uploads on the case are not theirs)."""
    theirs = {
        event.data.get("evidence_id")
        for event in events
        if event.type == CaseEvent.EVIDENCE_ADDED and event.metadata.get("actor", {}).get("role") == PUBLIC
    }
    return [
        {
            "name": item.original_name,
            "sha256": item.sha256,
            "size": item.size,
            "content_type": item.content_type,
            "received_at": _moment(item.created_at),
        }
        for item in evidence
        if str(item.id) in theirs
    ]


def subject_export(subject_id: uuid.UUID) -> dict[str, Any] | None:
    """Everything held about the subject, or None when no such subject is held."""
    subject = DataSubject.objects.filter(pk=subject_id).first()
    if subject is None:
        return None
    cases = [
        case
        for case in Case.objects.filter(subject_id=subject.id, organisation_id=subject.organisation_id).order_by(
            "created_at", "reference"
        )
        if declared(case.kind)
    ]
    ids = [case.id for case in cases]
    events: dict[uuid.UUID, list[Event]] = {case_id: [] for case_id in ids}
    for event in Event.objects.filter(stream_id__in=ids).order_by("stream_id", "stream_version"):
        events[event.stream_id].append(event)
    evidence: dict[uuid.UUID, list[Evidence]] = {case_id: [] for case_id in ids}
    for item in Evidence.objects.filter(case_id__in=ids).order_by("created_at"):
        evidence[item.case_id].append(item)
    return {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "subject": _contact(subject),
        "cases": [_case(case, events[case.id], evidence[case.id]) for case in cases],
    }


def _case(case: Case, events: list[Event], evidence: list[Evidence]) -> dict[str, Any]:
    declaration = declaration_of(case.kind)
    return {
        "reference": case.reference,
        "kind": str(declaration.label),
        "title": case.title,
        "category": declaration.category_text(case.category),
        "state": declaration.public_state(case.state),
        "filed_at": _moment(case.created_at),
        "content_urls": [url for url in case.details.get("content_urls", []) if isinstance(url, str)],
        "texts": _texts(case, events),
        "history": _history(case, events),
        "files": _files(case, events, evidence),
    }
