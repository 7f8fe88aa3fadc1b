"""Public pages and the staff workspace, at the root of the site."""

import re

from django.urls import path, register_converter

from cases.web.views import (
    filing,
    ledger_files,
    pages,
    personal_information,
    refutations,
    regulator,
    staff,
    staff_accounts,
    staff_actions,
    staff_features,
    staff_openings,
    staff_queue,
    tracking,
    transparency,
)
from notifications import views as inbox


class ReferenceConverter:
    """A case reference as people type it: letters, digits and dashes (normalised later)."""

    regex = "[A-Za-z0-9-]{1,30}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class AccountConverter:
    """An account identifier: free text of any script, which may hold "/" or be ".." itself.

    `to_url` escapes what one path segment cannot carry as it is: "%" (the escape itself),
    "/", and the dots of a segment of dots alone, which browsers would resolve away.
    `reverse()` then percent-encodes the result like any other value (spaces, CJK, and
    these escapes again), the server decodes that once, and `to_python` undoes the escapes."""

    regex = "[^/]+"
    _escaped = re.compile("%(25|2F|2E)", re.IGNORECASE)
    _unescaped = {"25": "%", "2F": "/", "2E": "."}

    def to_python(self, value: str) -> str:
        return self._escaped.sub(lambda found: self._unescaped[found.group(1).upper()], value)

    def to_url(self, value: str) -> str:
        escaped = value.replace("%", "%25").replace("/", "%2F")
        if not escaped.strip("."):
            escaped = escaped.replace(".", "%2E")
        return escaped


register_converter(ReferenceConverter, "reference")
register_converter(AccountConverter, "account")

app_name = "web"
urlpatterns = [
    path("", pages.home, name="home"),
    path("flow/", pages.flow, name="flow"),
    # How well the published time limits are kept, from the event log.
    path("transparency/", transparency.transparency, name="transparency"),
    path("transparency.json", transparency.transparency_json, name="transparency_json"),
    path("transparency.csv", transparency.transparency_csv, name="transparency_csv"),
    path("complaints/new/", filing.complaint_new, name="complaint_new"),
    path("appeals/new/", filing.appeal_new, name="appeal_new"),
    path("filed/<reference:reference>/", filing.filed, name="filed"),
    path("track/", tracking.track_lookup, name="track_lookup"),
    path("track/recover/", tracking.recover_link, name="recover_link"),
    path("track/<reference:reference>/", tracking.track, name="track"),
    path("track/<reference:reference>/information/", tracking.add_information, name="add_information"),
    path("track/<reference:reference>/appeal/", tracking.appeal_decision, name="appeal_decision"),
    path(
        "track/<reference:reference>/personal-information/",
        personal_information.request_new,
        name="personal_information_request_new",
    ),
    path("track/<reference:reference>/export/", personal_information.export_page, name="track_export"),
    path("track/<reference:reference>/export.json", personal_information.export_json, name="track_export_json"),
    path("track/<reference:reference>/receipt.json", ledger_files.track_receipt, name="track_receipt"),
    # Published rumor refutations (article 11), with their ClaimReview data and an Atom feed.
    path("refutations/", refutations.refutation_list, name="refutations"),
    path("refutations/feed.atom", refutations.RefutationFeed(), name="refutations_feed"),
    path("refutations/<reference:reference>/", refutations.refutation_page, name="refutation"),
    # The staff workspace (signed-in provider staff only).
    path("staff/login/", staff.staff_login, name="staff_login"),
    path("staff/logout/", staff.staff_logout, name="staff_logout"),
    path("staff/", staff_queue.staff_queue, name="staff_queue"),
    path("staff/home/", regulator.workspace_home, name="workspace_home"),
    path("staff/reports/", regulator.reports, name="staff_reports"),
    path("staff/inbox/", inbox.inbox, name="staff_inbox"),
    path("staff/inbox/read/", inbox.inbox_read, name="staff_inbox_read"),
    path("staff/inbox/settings/", inbox.inbox_settings, name="staff_inbox_settings"),
    # The regulator's console (signed-in officers of a regulator only).
    path("regulator/", regulator.dashboard, name="regulator_dashboard"),
    path("staff/next/", staff_queue.take_next, name="staff_take_next"),
    path("staff/assign/", staff_queue.assign_selected, name="staff_assign"),
    path("staff/accounts/", staff_accounts.account_search, name="staff_account_search"),
    path("staff/accounts/<account:account>/", staff_accounts.account_page, name="staff_account"),
    path("staff/features/", staff_features.feature_library, name="staff_features"),
    path("staff/cases/<uuid:case_id>/", staff.staff_case_page, name="staff_case"),
    path("staff/cases/<uuid:case_id>/actions/<slug:action>/", staff_actions.staff_case_act, name="staff_case_act"),
    path("staff/cases/<uuid:case_id>/notes/", staff_actions.staff_case_note, name="staff_case_note"),
    path("staff/cases/<uuid:case_id>/links/", staff_actions.staff_case_link, name="staff_case_link"),
    path("staff/cases/<uuid:case_id>/open/<slug:kind>/", staff_actions.staff_case_open, name="staff_case_open"),
    path("staff/open/<slug:kind>/", staff_openings.staff_open, name="staff_open"),
    path("staff/cases/<uuid:case_id>/export.json", ledger_files.staff_case_export, name="staff_case_export"),
    path("staff/cases/<uuid:case_id>/export/", ledger_files.staff_case_export_page, name="staff_case_export_page"),
    path("staff/cases/<uuid:case_id>/carried.json", ledger_files.carried_history, name="staff_carried_history"),
    path("staff/cases/<uuid:case_id>/claim/", staff_actions.staff_case_claim, name="staff_case_claim"),
    path("staff/cases/<uuid:case_id>/erase/", staff_actions.staff_case_erase, name="staff_case_erase"),
    path("staff/cases/<uuid:case_id>/assign/", staff_actions.staff_case_assign, name="staff_case_assign"),
    path("staff/cases/<uuid:case_id>/reveal/", staff_actions.staff_case_reveal, name="staff_case_reveal"),
    path(
        "staff/cases/<uuid:case_id>/personal-data.json",
        personal_information.staff_subject_export_json,
        name="staff_subject_export_json",
    ),
    path(
        "staff/cases/<uuid:case_id>/personal-data/",
        personal_information.staff_subject_export_page,
        name="staff_subject_export",
    ),
    path("staff/cases/<uuid:case_id>/unassign/", staff_actions.staff_case_unassign, name="staff_case_unassign"),
    path(
        "staff/cases/<uuid:case_id>/evidence/<uuid:evidence_id>/",
        staff.evidence_download,
        name="staff_evidence",
    ),
]
