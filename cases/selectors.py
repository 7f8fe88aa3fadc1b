"""Reads: tracking access, what the public may see of a case, evidence for staff."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from accounts.models import Organisation
from cases.compiled_queries import CompiledQuery
from cases.events import CaseEvent
from cases.eventstore import Event
from cases.evidence import open_verified_evidence
from cases.kinds import PublicEvent, PublicNotice, appeal_kinds, as_kind, declaration_of
from cases.links import INVERSE, LinkType, case_links
from cases.models import Case, Evidence, TrackingCredential
from cases.reference_data import kept
from cases.references import normalise_reference, token_hash, token_matches
from cases.scope import visible_evidence

# Compared against when the reference is unknown, so that a wrong reference and a wrong token
# take the same time and look the same.
_NO_SUCH_TOKEN_HASH = token_hash("no such tracking token")


def case_for_tracking(reference: str, token: str) -> Case | None:
    """The case whose reference and private token these are, or None; never says which was wrong."""
    credential = (
        TrackingCredential.objects.select_related("case").filter(case__reference=normalise_reference(reference)).first()
    )
    matches = token_matches(token or "", credential.token_hash if credential else _NO_SUCH_TOKEN_HASH)
    if credential is not None and not matches and credential.replacement_hash:
        matches = replacement_used(credential, token or "")
    if credential is None or not matches:
        return None
    return as_kind(credential.case)


def replacement_used(credential: TrackingCredential, token: str) -> bool:
    """Whether `token` is the credential's replacement, still in time; if so it becomes the
    case's only token, and the link it replaces stops working."""
    issued = credential.replacement_issued_at
    lapses = dt.timedelta(hours=settings.TRACKING_RECOVERY_HOURS)
    if issued is None or issued + lapses < timezone.now() or not token_matches(token, credential.replacement_hash):
        return False
    # Conditional on the replacement still being there: of two uses at once, one promotes it.
    TrackingCredential.objects.filter(pk=credential.pk, replacement_hash=credential.replacement_hash).update(
        token_hash=credential.replacement_hash, replacement_hash="", replacement_issued_at=None
    )
    return True


def tracked_case(case_id: uuid.UUID | str) -> Case | None:
    case = Case.objects.filter(pk=case_id).first()
    return as_kind(case) if case else None


def public_provider(slug: str = "") -> Organisation | None:
    """The service provider a public filing goes to: the one named by `slug`; else the one set
    in settings.PUBLIC_PROVIDER; else the only provider there is. None when that is ambiguous
    or unknown: with several providers the product does not guess."""
    slug = slug or settings.PUBLIC_PROVIDER
    return kept(("public provider", slug), lambda: _read_public_provider(slug))


def _read_public_provider(slug: str) -> Organisation | None:
    if slug:
        return _PROVIDER_BY_SLUG.first(slug=slug)
    candidates = _FIRST_TWO_PROVIDERS.rows()
    return candidates[0] if len(candidates) == 1 else None


# Read on every public filing.
_PROVIDER_BY_SLUG = CompiledQuery(
    lambda slug: Organisation.objects.filter(kind=Organisation.Kind.PROVIDER, slug=slug)[:1], slug=str
)
_FIRST_TWO_PROVIDERS = CompiledQuery(
    lambda: Organisation.objects.filter(kind=Organisation.Kind.PROVIDER).order_by("pk")[:2]
)


def open_appeal(case: Case, *, measure_number: int | None = None) -> Case | None:
    """The appeal still being handled against this case's decision (measure_number None) or
    against one of its measures, if any."""
    for declaration in appeal_kinds():
        appeals = declaration.model.objects.filter(related_case_id=case.pk, state__in=declaration.open_states).order_by(
            "created_at"
        )
        found = next((a for a in appeals if a.details.get("measure_number") == measure_number), None)
        if found is not None:
            return found
    return None


def open_decision_appeal(case: Case) -> Case | None:
    """The appeal against this case's decision that is still being handled, if any.

    Appeals against a single measure of the decision are separate and do not count."""
    return open_appeal(case)


def decision_appealable(case: Case) -> bool:
    """Whether the filer may appeal the decision on this case now: its kind has one in this
    state, and no appeal against it is being handled."""
    return case.state in declaration_of(case.kind).appealable_states and open_decision_appeal(case) is None


def waiting_on_filer(case: Case) -> bool:
    """Whether the case waits for the person who filed it (its clock paused meanwhile)."""
    return case.state in declaration_of(case.kind).waiting_on_filer_states


# --- What the public sees -------------------------------------------------------------------


@dataclass(frozen=True)
class PublicEntry:
    occurred_at: dt.datetime
    title: str
    lines: list[str] = field(default_factory=list)
    # The event's place in its stream (1: the filing itself).
    version: int = 0


# Events of any kind that the filer sees. A file is spoken of as received and checked (the
# checks of its type and content are done on intake); its type and digest are for staff.
GENERIC_PUBLIC_EVENTS = {CaseEvent.EVIDENCE_ADDED: PublicEvent(_("Your file was received and checked"))}


def _time_limit_lines(event: Event) -> list[str]:
    """Why a deadline moved, in plain words, for any event that moved it after filing."""
    from cases.display import public_deadline, working_time_words

    data = event.data
    if event.stream_version == 1 or not data.get("resolution_due_at"):
        return []
    due = public_deadline(data["resolution_due_at"])
    if "paused_seconds" not in data:
        return [str(_("The decision is now due by %(due)s.") % {"due": due})]
    if not data["paused_seconds"]:
        return [
            str(_("The time you took fell outside working hours, so the decision stays due by %(due)s.") % {"due": due})
        ]
    stood = working_time_words(data["paused_seconds"])
    return [
        str(
            _(
                "The time limit did not run while we waited for you: it moves on by %(time)s. "
                "The decision is now due by %(due)s."
            )
            % {"time": stood, "due": due}
        )
    ]


def public_events_of(kind: str) -> dict[str, PublicEvent]:
    return {**GENERIC_PUBLIC_EVENTS, **declaration_of(kind).public_events}


def public_timeline(case: Case) -> list[PublicEntry]:
    """The history as the filer may see it: no internal notes, no staff identities."""
    shown = public_events_of(case.kind)
    events = Event.objects.filter(stream_id=case.id, type__in=list(shown)).order_by("stream_version")
    return [
        PublicEntry(
            occurred_at=event.occurred_at,
            title=str(shown[event.type].title),
            lines=[str(line) for line in shown[event.type].lines(event, case) if line] + _time_limit_lines(event),
            version=event.stream_version,
        )
        for event in events
    ]


def public_notices(case: Case) -> list[PublicNotice]:
    """What the filer is told about the cases opened to answer theirs (a refutation of the
    claim they reported), each in the words its own kind declares."""
    links = case_links(case)
    if not links:
        return []
    others = Case.objects.filter(pk__in=[link["case_id"] for link in links])
    linked = {str(other.id): as_kind(other) for other in others}
    notices = []
    for link in links:
        other = linked.get(link["case_id"])
        if other is None or other.organisation_id != case.organisation_id:
            continue
        declaration = other.declaration
        opening = declaration.opening
        # Only a case opened for this one (or linked to it as such) speaks to its filer.
        if declaration.public_notice is None or opening is None or link["link"] != INVERSE[LinkType(opening.link)]:
            continue
        notice = declaration.public_notice(other)
        if notice is not None:
            notices.append(notice)
    return notices


def open_question(case: Case) -> str | None:
    """The question the complainant has been asked, while the case waits on them."""
    if case.paused_at is None:
        return None
    if not waiting_on_filer(case):
        return None
    # The question is the last event that moved the case into waiting on its filer.
    event = (
        Event.objects.filter(stream_id=case.id, data__to_state=case.state)
        .order_by("-stream_version")
        .only("data")
        .first()
    )
    return event.data.get("question") if event else None


# --- Evidence, for staff --------------------------------------------------------------------


def evidence_for_download(
    *, actor: Actor, case_id: uuid.UUID, evidence_id: uuid.UUID
) -> tuple[Evidence, IO[bytes]] | None:
    """An evidence file and its content, if the actor may see the case it belongs to. Raises
    EvidenceAltered when the file on disk no longer has the SHA-256 recorded on receipt."""
    evidence = visible_evidence(actor, case_id).filter(pk=evidence_id).first()
    if evidence is None:
        return None
    return evidence, open_verified_evidence(evidence.storage_path, evidence.sha256)
