"""Every event type the tracker records, with the schema version of its data.

An event's data holds only JSON strings, integers, booleans, null, lists and objects (no
floats: they do not survive every database's JSON round trip byte for byte, and the hash
chain depends on that). Personal data never appears here: a person is an opaque subject id.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    # Complaint / report (举报)
    COMPLAINT_SUBMITTED = "complaint.submitted", _("Complaint submitted")
    COMPLAINT_ACCEPTED = "complaint.accepted", _("Complaint accepted")
    COMPLAINT_REJECTED = "complaint.rejected", _("Complaint rejected")
    COMPLAINT_INVESTIGATION_STARTED = "complaint.investigation_started", _("Investigation started")
    COMPLAINT_INFORMATION_REQUESTED = "complaint.information_requested", _("Information requested")
    COMPLAINT_INFORMATION_RECEIVED = "complaint.information_received", _("Information received")
    COMPLAINT_RESOLVED = "complaint.resolved", _("Complaint resolved")
    COMPLAINT_CLOSED = "complaint.closed", _("Complaint closed")
    COMPLAINT_MEASURES_REVERSED = "complaint.measures_reversed", _("Measures reversed on appeal")
    COMPLAINT_REOPENED = "complaint.reopened", _("Complaint reopened on appeal")
    # Appeal (申诉)
    APPEAL_FILED = "appeal.filed", _("Appeal filed")
    APPEAL_REVIEW_STARTED = "appeal.review_started", _("Appeal review started")
    APPEAL_UPHELD = "appeal.upheld", _("Original decision upheld")
    APPEAL_OVERTURNED = "appeal.overturned", _("Original decision overturned")
    APPEAL_CLOSED = "appeal.closed", _("Appeal closed")
    # Any case kind
    CASE_ASSIGNED = "case.assigned", _("Case assigned")
    CASE_EVIDENCE_ADDED = "case.evidence_added", _("Evidence added")
    CASE_SYNTHETIC_LABEL_CHECKED = "case.synthetic_label_checked", _("Synthetic-content label checked")


# Bump a type's schema version when the shape of its data changes; apply functions branch on it.
SCHEMA_VERSIONS: dict[str, int] = {event_type: 1 for event_type in EventType.values}

# Events whose content a complainant may see on the tracking page (no internal notes or names).
PUBLIC_EVENT_TYPES = frozenset(
    {
        EventType.COMPLAINT_SUBMITTED,
        EventType.COMPLAINT_ACCEPTED,
        EventType.COMPLAINT_REJECTED,
        EventType.COMPLAINT_INVESTIGATION_STARTED,
        EventType.COMPLAINT_INFORMATION_REQUESTED,
        EventType.COMPLAINT_INFORMATION_RECEIVED,
        EventType.COMPLAINT_RESOLVED,
        EventType.COMPLAINT_CLOSED,
        EventType.COMPLAINT_MEASURES_REVERSED,
        EventType.COMPLAINT_REOPENED,
        EventType.APPEAL_FILED,
        EventType.APPEAL_REVIEW_STARTED,
        EventType.APPEAL_UPHELD,
        EventType.APPEAL_OVERTURNED,
        EventType.APPEAL_CLOSED,
        EventType.CASE_EVIDENCE_ADDED,
    }
)
