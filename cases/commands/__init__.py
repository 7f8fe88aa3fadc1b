"""Every write to cases goes through a function in this package.

Each command runs in one transaction: it loads the case scoped to the actor, checks the
version the caller expects, runs the workflow transition (which records the event, applies
it to the projection and queues notifications) and commits all of that or nothing.
"""

from cases.commands.appeals import (
    APPEAL_COMMANDS,
    appeal_assign,
    appeal_close,
    appeal_file_against_decision,
    appeal_file_against_measure,
    appeal_overturn,
    appeal_start_review,
    appeal_uphold,
)
from cases.commands.common import Submission, command
from cases.commands.complaints import (
    COMPLAINT_COMMANDS,
    complaint_accept,
    complaint_assign,
    complaint_close,
    complaint_receive_information,
    complaint_reject,
    complaint_request_information,
    complaint_resolve,
    complaint_start_investigation,
    complaint_submit,
)
from cases.commands.features import feature_entry_propose, feature_matches_record
from cases.commands.openings import case_open, link_on_intake
from cases.commands.personal_information import (
    personal_information_request_file,
    personal_information_request_fulfil,
    personal_information_request_record_correction,
)
from cases.commands.staff import (
    case_act,
    case_assign,
    case_assign_many,
    case_claim,
    case_link,
    case_note_add,
    case_personal_data_reveal,
    case_take_next,
    case_unassign,
)

__all__ = [
    "APPEAL_COMMANDS",
    "COMPLAINT_COMMANDS",
    "Submission",
    "appeal_assign",
    "appeal_close",
    "appeal_file_against_decision",
    "appeal_file_against_measure",
    "appeal_overturn",
    "appeal_start_review",
    "appeal_uphold",
    "case_act",
    "case_assign",
    "case_assign_many",
    "case_claim",
    "case_link",
    "case_note_add",
    "case_open",
    "case_personal_data_reveal",
    "case_take_next",
    "case_unassign",
    "command",
    "complaint_accept",
    "complaint_assign",
    "complaint_close",
    "complaint_receive_information",
    "complaint_reject",
    "complaint_request_information",
    "complaint_resolve",
    "complaint_start_investigation",
    "complaint_submit",
    "feature_entry_propose",
    "feature_matches_record",
    "link_on_intake",
    "personal_information_request_file",
    "personal_information_request_fulfil",
    "personal_information_request_record_correction",
]
