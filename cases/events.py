"""Event types any case kind records, and the schema version of every event type.

Each kind declares its own event types beside its workflow (`cases.kinds`). An event's data
holds only JSON strings, integers, booleans, null, lists and objects (no floats: they do not
survive every database's JSON round trip byte for byte, and the hash chain depends on that).
Personal data never appears here: a person is an opaque subject id.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseEvent(models.TextChoices):
    ASSIGNED = "case.assigned", _("Case assigned")
    EVIDENCE_ADDED = "case.evidence_added", _("Evidence added")
    SYNTHETIC_LABEL_CHECKED = "case.synthetic_label_checked", _("Synthetic-content label checked")
    NOTE_ADDED = "case.note_added", _("Internal note")
    LINKED = "case.linked", _("Linked to another case")
    FEATURE_MATCHED = "case.feature_matched", _("Matched an entry of the feature library")
    # Recorded by the clock worker, as the system, at most once per case and target.
    SLA_WARNING = "case.sla_warning", _("Time limit nearly reached")
    SLA_BREACHED = "case.sla_breached", _("Time limit missed")
    # A data subject of the case was erased: their key is destroyed, their data unreadable.
    SUBJECT_ERASED = "case.subject_erased", _("Personal data erased")
    # A member of staff chose to see the masked personal data of the case's subject; who and
    # when are the event's author and time. It holds no personal data itself.
    PERSONAL_DATA_REVEALED = "case.personal_data_revealed", _("Personal data revealed")


class MatchPlace(models.TextChoices):
    """Where in a filing an entry of the feature library matched (`case.feature_matched`)."""

    TITLE = "title", _("Title")
    DESCRIPTION = "description", _("Description")
    CONTENT_URL = "content_url", _("Content address")
    EVIDENCE = "evidence", _("Evidence file")


def schema_version(event_type: str) -> int:
    """The schema version new events of this type are written with. A kind bumps a type's
    version when the shape of its data changes; apply functions branch on it."""
    from cases.kinds import kind_of_event

    declaration = kind_of_event(event_type)
    if declaration is None:
        if event_type not in CaseEvent.values:
            raise ValueError(f"unknown event type {event_type!r}")
        return 1
    return declaration.schema_versions.get(event_type, 1)


def event_label(event_type: str) -> str:
    """The name of an event type for staff, whatever kind records it."""
    from cases.kinds import choice_text, kind_of_event

    declaration = kind_of_event(event_type)
    return choice_text(declaration.events if declaration else CaseEvent, event_type)
