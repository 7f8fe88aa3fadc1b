"""What a case's state means, in plain words for the person who filed it, and how times and
time limits are written on the public pages."""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cases.models import Case, CaseKind
from cases.sla import CHINA_TIME, Limit, TimeUnit
from cases.workflows.appeal import AppealState
from cases.workflows.complaint import ComplaintState

# Keyed by (kind, state). A state missing here (a workflow that gained one) falls back to its
# label, so a change of workflow never breaks the tracking page. "%(due)s" is the deadline
# that matters now.
STATE_EXPLANATIONS = {
    (CaseKind.COMPLAINT, ComplaintState.SUBMITTED): gettext_lazy(
        "We have received your complaint. We will check it and give you a first response by %(due)s."
    ),
    (CaseKind.COMPLAINT, ComplaintState.TRIAGED): gettext_lazy(
        "Your complaint has been accepted and is waiting for an investigator. We will tell you our decision by %(due)s."
    ),
    (CaseKind.COMPLAINT, ComplaintState.REJECTED): gettext_lazy(
        "Your complaint was not accepted. The reason is shown in the history below. If you disagree, you can appeal."
    ),
    (CaseKind.COMPLAINT, ComplaintState.INVESTIGATING): gettext_lazy(
        "We are looking into what you reported. We will tell you our decision by %(due)s."
    ),
    (CaseKind.COMPLAINT, ComplaintState.AWAITING_COMPLAINANT): gettext_lazy(
        "We need more information from you before we can go on. Please answer the question below. "
        "The time limit is paused until you answer: the time you take is not counted against us."
    ),
    (CaseKind.COMPLAINT, ComplaintState.RESOLVED): gettext_lazy(
        "We have made a decision. You can read it in the history below. If you disagree, you can appeal."
    ),
    (CaseKind.COMPLAINT, ComplaintState.CLOSED): gettext_lazy(
        "This complaint is closed. The decision is shown in the history below."
    ),
    (CaseKind.APPEAL, AppealState.FILED): gettext_lazy(
        "We have received your appeal. It will be reviewed by someone who did not take the original "
        "decision. You will have a first response by %(due)s."
    ),
    (CaseKind.APPEAL, AppealState.UNDER_REVIEW): gettext_lazy(
        "Your appeal is being reviewed by someone who did not take the original decision. "
        "We will tell you the result by %(due)s."
    ),
    (CaseKind.APPEAL, AppealState.UPHELD): gettext_lazy(
        "The review kept the original decision. The reasons are shown in the history below."
    ),
    (CaseKind.APPEAL, AppealState.OVERTURNED): gettext_lazy(
        "The review overturned the original decision, and it has been undone. "
        "The reasons are shown in the history below."
    ),
    (CaseKind.APPEAL, AppealState.CLOSED): gettext_lazy(
        "This appeal is closed. The result is shown in the history below."
    ),
}


def china_time(value: dt.datetime | None) -> str:
    """A moment as people in China read it: Beijing time, in the language of the page."""
    if value is None:
        return ""
    local = value.astimezone(CHINA_TIME)
    return _("%(moment)s (Beijing time)") % {"moment": formats.date_format(local, "DATETIME_FORMAT")}


def state_explanation(case: Case) -> str:
    template = STATE_EXPLANATIONS.get((case.kind, case.state))
    if template is None:
        return _("Current state: %(state)s.") % {"state": case.state_label}
    # A mapping applied to a text without placeholders leaves it as it is.
    return str(template) % {"due": china_time(case.due_at or case.resolution_due_at)}


def describe_limit(limit: Limit) -> str:
    """'24 hours' or '7 working days', in the language of the page."""
    if limit.unit == TimeUnit.HOURS:
        return ngettext("%(count)d hour", "%(count)d hours", limit.amount) % {"count": limit.amount}
    if limit.unit == TimeUnit.WORKING_DAYS:
        return ngettext("%(count)d working day", "%(count)d working days", limit.amount) % {"count": limit.amount}
    return f"{limit.amount} {limit.unit}"
