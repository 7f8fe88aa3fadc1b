"""Acting on a case from its staff page: the workflow's steps as forms, internal notes, links
between cases, claiming and assigning; and how refusals read (a form with errors, a stale
form, a step no longer possible, a rule that keeps this person from the step)."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import translation

from accounts.actors import Actor
from cases import commands
from cases.commands.staff import MSG_LINK_UNKNOWN
from cases.eventstore import Event
from cases.measures import MSG_MEASURE_ACCOUNT_REQUIRED, MSG_MEASURE_DAYS_NOT_TIMED
from cases.models import Case, EnforcementMeasure
from cases.workflows.appeal import MSG_ORIGINAL_DECIDER
from cases.workflows.complaint import MSG_MEASURES_REQUIRED
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
STALE = "Someone else changed this case after you opened this page; nothing was applied."


def case_url(case: Case) -> str:
    return f"/staff/cases/{case.id}/"


def step_url(case: Case, action: str) -> str:
    return f"/staff/cases/{case.id}/actions/{action}/"


def page(response) -> str:
    return response.content.decode()


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def events(case: Case) -> list[str]:
    return list(Event.objects.filter(stream_id=case.id).order_by("stream_version").values_list("type", flat=True))


def form_data(prefix: str, version: int, **fields) -> dict[str, object]:
    """What a form of the case page sends: its fields under its prefix, and the version."""
    return {f"{prefix}-expected_version": version, **{f"{prefix}-{name}": value for name, value in fields.items()}}


def act(client, case: Case, action: str, *, version: int | None = None, **fields):
    """Send the form of one workflow step, at the case's current version unless told."""
    version = fresh(case).version if version is None else version
    return client.post(step_url(case, action), form_data(f"action-{action}", version, **fields), **ENGLISH)


def measure_rows(*rows: dict[str, object], argument: str = "measures") -> dict[str, object]:
    """The measures fieldset's fields, row by row, as the step's form names them."""
    fields = {}
    for number, row in enumerate(rows):
        for part, value in row.items():
            fields[f"{argument}_{number}_{part}"] = value
    return fields


def step_forms(html: str) -> list[str]:
    """The steps the page offers, in order: their forms, or the links that open them."""
    return re.findall(
        r'<form method="post" action="/staff/cases/[^/]+/actions/([a-z_]+)/"'
        r'|<a href="/staff/cases/[^/]+/\?form=action-([a-z_]+)#',
        html,
    )


def offered_steps(html: str) -> list[str]:
    return ["".join(found) for found in step_forms(html)]


def unfolded_steps(html: str) -> list[str]:
    """The steps whose forms are drawn with their fields (or that have none)."""
    return [form for form, _link in step_forms(html) if form]


@pytest.fixture(autouse=True)
def _in_english():
    # The pages are asked for in English; the messages the tests look for are read in it too.
    with translation.override("en"):
        yield


@pytest.fixture
def staff_client(client, agent_user):
    client.force_login(agent_user)
    return client


@pytest.fixture
def colleague_user(provider):
    return make_staff(provider, "colleague")


@pytest.fixture
def colleague_client(client_factory, colleague_user):
    colleague = client_factory()
    colleague.force_login(colleague_user)
    return colleague


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


@pytest.fixture
def investigating(submit_complaint, agent):
    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    return fresh(case)


def resolve_with_violation(case: Case, actor: Actor) -> Case:
    commands.complaint_resolve(
        case_id=case.id,
        actor=actor,
        expected_version=fresh(case).version,
        outcome="violation",
        measures=[{"measure": "content_removed"}],
        summary="Removed.",
    )
    return fresh(case)


# --- Which forms appear -------------------------------------------------------------------------


def test_a_new_complaint_offers_accept_and_reject_with_the_fields_they_ask_for(staff_client, submit_complaint):
    case = submit_complaint().case

    html = page(staff_client.get(case_url(case), **ENGLISH))

    # Both ask for something, so each is a link that opens its form on the page.
    assert offered_steps(html) == ["accept", "reject"]
    assert unfolded_steps(html) == []
    assert "action-accept-note" not in html and "action-reject-reason" not in html
    assert (
        f'<a href="{case_url(case)}?form=action-accept#action-accept" class="button button--secondary">'
        "Fill in “Accept”</a>"
    ) in html

    html = page(staff_client.get(case_url(case) + "?form=action-accept", **ENGLISH))
    assert offered_steps(html) == ["accept", "reject"]
    assert unfolded_steps(html) == ["accept"]
    assert re.search(r'<textarea name="action-accept-note"[^>]*id="id_action-accept-note"', html)
    assert "action-reject-reason" not in html
    assert f'<a href="{case_url(case)}#action-accept" class="step-form__fold">Close this form</a>' in html

    html = page(staff_client.get(case_url(case) + "?form=action-reject", **ENGLISH))
    assert unfolded_steps(html) == ["reject"]
    assert 'name="action-accept-note"' not in html
    assert '<input type="radio" name="action-reject-reason" value="invalid"' in html
    assert '<input type="radio" name="action-reject-reason" value="duplicate"' in html
    assert '<label class="label" for="id_action-reject-explanation">' in html
    assert 'name="action-reject-duplicate_of"' in html
    assert '<input type="hidden" name="action-reject-expected_version" value="1"' in html
    assert "csrfmiddlewaretoken" in html


@pytest.mark.parametrize(
    "opened",
    # As sent in the address: NUL, a lone surrogate and a byte that is not UTF-8 among them.
    [
        "action-close",
        "action-",
        "open-rumor-x",
        "%3Cscript%3E",
        "action-accept%00",
        "a" * 5000,
        "action-accept%ED%A0%80",
        "%FF",
    ],
)
def test_a_form_to_open_that_is_not_offered_opens_none(staff_client, submit_complaint, opened):
    case = submit_complaint().case

    response = staff_client.get(f"{case_url(case)}?form={opened}", **ENGLISH)

    assert response.status_code == 200
    html = page(response)
    assert offered_steps(html) == ["accept", "reject"] and unfolded_steps(html) == []
    assert "<script>" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_step_without_fields_is_a_button_on_the_page(staff_client, investigating, agent):
    resolved = resolve_with_violation(investigating, agent)

    html = page(staff_client.get(case_url(resolved), **ENGLISH))

    assert unfolded_steps(html) == ["close"]
    assert "Close this form" not in html


def test_a_step_form_asks_for_measures_in_up_to_five_rows(staff_client, investigating):
    html = page(staff_client.get(case_url(investigating) + "?form=action-resolve", **ENGLISH))

    assert offered_steps(html) == ["request_information", "resolve"]
    assert unfolded_steps(html) == ["resolve"]
    for row in range(5):
        assert f'<select name="action-resolve-measures_{row}_measure"' in html
        assert f'name="action-resolve-measures_{row}_account"' in html
        assert f'name="action-resolve-measures_{row}_days"' in html
        assert f'name="action-resolve-measures_{row}_notify_email"' in html
        assert f'<label class="label" for="id_action-resolve-measures_{row}_account">' in html
    assert 'name="action-resolve-measures_5_measure"' not in html
    assert '<option value="account_closed">Account closed</option>' in html
    assert '<legend class="label">Measures taken</legend>' in html
    assert '<legend class="measure-row__legend">Measure 2</legend>' in html


def test_internal_transitions_and_assignment_are_never_offered_as_steps(staff_client, investigating, agent):
    resolved = resolve_with_violation(investigating, agent)

    html = page(staff_client.get(case_url(resolved), **ENGLISH))

    # Reversing measures and reopening start from "resolved" too, but only appeals take them.
    assert offered_steps(html) == ["close"]
    assert "reverse_measures" not in html
    assert "/actions/reopen/" not in html
    assert "/actions/assign/" not in html


def test_a_finished_case_offers_no_steps_and_no_assignment(staff_client, investigating, agent):
    case = resolve_with_violation(investigating, agent)
    commands.complaint_close(case_id=case.id, actor=agent, expected_version=case.version)

    html = page(staff_client.get(case_url(case), **ENGLISH))

    assert offered_steps(html) == []
    assert "No step of the workflow is open to you in this state." in html
    assert f"/staff/cases/{case.id}/assign/" not in html
    assert f"/staff/cases/{case.id}/notes/" in html  # notes can still be added


def test_an_open_case_offers_claim_and_assignment_to_active_staff_of_the_organisation(
    staff_client, submit_complaint, colleague_user, other_provider
):
    case = submit_complaint().case
    make_staff(other_provider, "stranger")
    gone = make_staff(colleague_user.organisation, "gone")
    gone.is_active = False
    gone.save()

    html = page(staff_client.get(case_url(case), **ENGLISH))

    assert f'action="/staff/cases/{case.id}/claim/"' in html
    assert "Take this case" in html
    select = re.search(r'<select name="assign-assignee".*?</select>', html, re.S).group(0)
    assert ">agent<" in select and ">colleague<" in select
    assert "stranger" not in select and ">gone<" not in select
    assert f'action="/staff/cases/{case.id}/unassign/"' not in html  # nobody has it yet


# --- A complaint from start to finish -----------------------------------------------------------


def test_a_complaint_goes_from_submitted_to_closed_with_measures_through_the_forms(staff_client, submit_complaint):
    case = submit_complaint().case

    def step(response, state):
        assert response.status_code == 302, page(response)
        assert response["Location"] == case_url(case)
        assert fresh(case).state == state

    step(staff_client.post(f"/staff/cases/{case.id}/claim/", form_data("claim", 1)), "submitted")
    assert fresh(case).assignee.username == "agent"
    step(act(staff_client, case, "accept", note="Within our rules."), "triaged")
    step(act(staff_client, case, "start_investigation"), "investigating")
    step(
        act(staff_client, case, "request_information", question="Which second shows the face?"), "awaiting_complainant"
    )
    step(act(staff_client, case, "receive_information", text="At 0:42, by phone."), "investigating")
    measures = measure_rows(
        {"measure": "content_removed"},
        {"measure": "warning", "account": "user-42", "notify_email": "holder@example.com"},
        {"measure": "function_restricted", "account": "user-42", "days": "30"},
    )
    step(
        act(staff_client, case, "resolve", outcome="violation", summary="The video was removed.", **measures),
        "resolved",
    )
    step(act(staff_client, case, "close"), "closed")

    closed = fresh(case)
    assert [m["measure"] for m in closed.details["measures"]] == ["content_removed", "warning", "function_restricted"]
    assert closed.details["measures"][1]["account"] == "user-42"
    assert closed.details["measures"][1]["subject_id"] is not None  # the notice's address, kept apart
    assert closed.details["measures"][2]["ends_at"] is not None
    assert EnforcementMeasure.objects.filter(case_id=case.id).count() == 3
    assert events(case)[-6:] == [
        "complaint.accepted",
        "complaint.investigation_started",
        "complaint.information_requested",
        "complaint.information_received",
        "complaint.resolved",
        "complaint.closed",
    ]

    html = page(staff_client.get(case_url(case), **ENGLISH))
    assert "Done: Close. The case is now “Closed”." in html
    assert "User warned" in html and "account user-42" in html
    assert "Functions restricted" in html


def test_each_success_says_what_was_done_once(staff_client, submit_complaint):
    case = submit_complaint().case

    response = act(staff_client, case, "accept")
    shown = page(staff_client.get(response["Location"], **ENGLISH))
    again = page(staff_client.get(response["Location"], **ENGLISH))

    assert "Done: Accept. The case is now “Accepted, investigation not started”." in shown
    assert "Done: Accept." not in again


# --- Four eyes on appeals -----------------------------------------------------------------------


@pytest.fixture
def appeal_against_agents_decision(investigating, agent):
    complaint = resolve_with_violation(investigating, agent)
    return commands.appeal_file_against_decision(
        case_id=complaint.id,
        actor=Actor.public(tracked_case_ids=frozenset({complaint.id})),
        statement="The content was satire.",
    ).case


def test_the_original_decider_cannot_review_the_appeal_and_is_told_why(staff_client, appeal_against_agents_decision):
    appeal = appeal_against_agents_decision
    before = events(appeal)

    response = act(staff_client, appeal, "start_review")

    assert response.status_code == 403
    assert str(MSG_ORIGINAL_DECIDER) in page(response)
    assert "Your change was not made" in page(response)
    assert events(appeal) == before
    assert fresh(appeal).state == "filed"


def test_the_original_decider_is_not_offered_to_claim_the_appeal_and_is_refused_if_they_try(
    staff_client, appeal_against_agents_decision
):
    appeal = appeal_against_agents_decision

    html = page(staff_client.get(case_url(appeal), **ENGLISH))
    response = staff_client.post(f"/staff/cases/{appeal.id}/claim/", form_data("claim", appeal.version), **ENGLISH)

    assert f'action="/staff/cases/{appeal.id}/claim/"' not in html
    assert str(MSG_ORIGINAL_DECIDER) in html
    assert response.status_code == 403
    assert str(MSG_ORIGINAL_DECIDER) in page(response)
    assert fresh(appeal).assignee_id is None


def test_a_colleague_reviews_and_decides_the_appeal(colleague_client, appeal_against_agents_decision):
    appeal = appeal_against_agents_decision

    started = act(colleague_client, appeal, "start_review")
    upheld = act(colleague_client, appeal, "uphold", reason="Satire is no defence here.")

    assert started.status_code == upheld.status_code == 302
    assert fresh(appeal).state == "upheld"


# --- Stale forms and steps no longer possible ----------------------------------------------------


def test_a_stale_step_form_is_refused_and_nothing_is_recorded(staff_client, submit_complaint, agent, colleague_user):
    case = submit_complaint().case
    shown_at = case.version
    commands.case_assign(case_id=case.id, actor=agent, expected_version=shown_at, assignee_id=colleague_user.pk)
    before = events(case)

    response = act(staff_client, case, "accept", version=shown_at, note="My careful note.")

    assert response.status_code == 409
    html = page(response)
    assert STALE in html
    assert "Check the case as it is now and try again." in html
    assert events(case) == before
    assert fresh(case).state == "submitted"
    # The page shows the case as it is now, and offers the typed text again at the new version.
    assert "Assigned to <strong>colleague</strong>" in html
    assert f'<input type="hidden" name="action-accept-expected_version" value="{shown_at + 1}"' in html
    assert "My careful note.</textarea>" in html
    assert unfolded_steps(html) == ["accept"]  # the other step stays folded
    # Drawn at the address the form was sent to, the page's links lead back to the case page.
    assert f'<a href="{case_url(case)}?form=action-reject#action-reject"' in html


@pytest.mark.parametrize(
    ("route", "prefix", "fields"),
    [
        ("notes", "note", {"note": "Late note."}),
        ("links", "link", {"link": "related", "other_reference": "{other}"}),
        ("claim", "claim", {}),
        ("assign", "assign", {"assignee": "{colleague}"}),
    ],
)
def test_every_form_of_the_page_refuses_when_stale(
    staff_client, submit_complaint, agent, colleague_user, route, prefix, fields
):
    case = submit_complaint().case
    other = submit_complaint().case
    commands.case_note_add(case_id=case.id, actor=agent, expected_version=1, note="Someone was first.")
    before = Event.objects.count()
    values = {k: v.format(other=other.reference, colleague=colleague_user.pk) for k, v in fields.items()}

    response = staff_client.post(f"/staff/cases/{case.id}/{route}/", form_data(prefix, 1, **values), **ENGLISH)

    assert response.status_code == 409
    assert STALE in page(response)
    assert Event.objects.count() == before


def test_unassigning_from_a_stale_page_is_refused(staff_client, submit_complaint, agent, agent_user):
    case = submit_complaint().case
    commands.case_assign(case_id=case.id, actor=agent, expected_version=1, assignee_id=agent_user.pk)
    commands.case_note_add(case_id=case.id, actor=agent, expected_version=2, note="Meanwhile.")

    response = staff_client.post(f"/staff/cases/{case.id}/unassign/", form_data("unassign", 2), **ENGLISH)

    assert response.status_code == 409
    assert fresh(case).assignee_id == agent_user.pk


def test_a_step_not_possible_in_this_state_is_refused_with_its_reason(staff_client, submit_complaint):
    case = submit_complaint().case

    response = act(staff_client, case, "close")

    assert response.status_code == 409
    assert "“Close” is not possible while the case is New, not yet triaged." in page(response)
    assert events(case) == ["complaint.submitted"]


@pytest.mark.parametrize("action", ["reverse_measures", "reopen", "assign", "no_such_step", "file"])
def test_internal_and_unknown_steps_have_no_address(staff_client, investigating, action):
    response = act(staff_client, investigating, action)

    assert response.status_code == 404
    assert fresh(investigating).version == investigating.version


# --- Hostile and mistaken input -------------------------------------------------------------------


RESOLVE = {"outcome": "violation", "summary": "Removed."}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({**RESOLVE, "summary": "Removed.\x00"}, "Null characters are not allowed."),
        ({**RESOLVE, "summary": "x" * 5001}, "At most 5000 characters (you entered 5001)."),
        ({**RESOLVE, **measure_rows({"measure": "nuke"})}, "Select a valid choice. nuke is not one of"),
        ({**RESOLVE, **measure_rows({"measure": "warning"})}, MSG_MEASURE_ACCOUNT_REQUIRED),
        (
            {**RESOLVE, **measure_rows({"measure": "warning", "account": "u1", "notify_email": "not-an-address"})},
            "Enter a valid email address.",
        ),
        ({**RESOLVE, **measure_rows({"measure": "content_removed", "days": "7"})}, MSG_MEASURE_DAYS_NOT_TIMED),
        ({**RESOLVE, **measure_rows({"measure": "service_suspended", "account": "u1", "days": "0"})}, "1 to 3650"),
        ({**RESOLVE, **measure_rows({"measure": "warning", "account": "u\x00"})}, "Null characters are not allowed."),
        ({**RESOLVE, **measure_rows({"account": "u1"})}, "Choose the measure, or empty this row."),
        ({**RESOLVE, "outcome": "maybe"}, "Select a valid choice. maybe is not one of"),
        (RESOLVE, MSG_MEASURES_REQUIRED),  # the command's rule, beside the first measure
        ({"outcome": "violation", **measure_rows({"measure": "content_removed"})}, "This field is required."),
    ],
)
def test_bad_input_to_a_step_is_refused_beside_its_field_and_nothing_is_recorded(
    staff_client, investigating, fields, message
):
    before = Event.objects.count()

    response = act(staff_client, investigating, "resolve", **fields)

    assert response.status_code == 400
    html = page(response)
    assert str(message) in html
    assert "There is a problem" in html
    assert re.search(r'<p class="field-error" id="id_action-resolve-[a-z_0-9]+_error">', html)
    assert "<title>Error:" in html
    assert Event.objects.count() == before
    assert fresh(investigating).state == "investigating"


def test_the_error_summary_links_to_the_field_in_its_row(staff_client, investigating):
    fields = {**RESOLVE, **measure_rows({"measure": "content_removed"}, {"measure": "warning"})}

    html = page(act(staff_client, investigating, "resolve", **fields))

    assert (
        f'<a href="#id_action-resolve-measures_1_account">Measure 2 – Account identifier: '
        f"{MSG_MEASURE_ACCOUNT_REQUIRED}</a>" in html
    )
    assert 'aria-invalid="true"' in html
    # What was typed stays in the form.
    assert '<option value="warning" selected>' in html


def test_a_form_without_its_version_is_refused(staff_client, submit_complaint):
    case = submit_complaint().case

    response = staff_client.post(step_url(case, "accept"), {"action-accept-note": "x"}, **ENGLISH)

    assert response.status_code == 400
    assert "This form is incomplete. Reload the case and try again." in page(response)
    assert events(case) == ["complaint.submitted"]


@pytest.mark.parametrize(
    ("route", "prefix", "fields", "message"),
    [
        ("notes", "note", {"note": "  "}, "This field is required."),
        ("notes", "note", {"note": "a\x00b"}, "Null characters are not allowed."),
        ("notes", "note", {"note": "n" * 5001}, "At most 5000 characters (you entered 5001)."),
        ("links", "link", {"link": "related", "other_reference": "C-0000-0000"}, MSG_LINK_UNKNOWN),
        ("links", "link", {"link": "duplicated_by", "other_reference": "C-0000-0000"}, "Select a valid choice."),
        ("assign", "assign", {"assignee": "999999"}, "Select a valid choice."),
        ("assign", "assign", {"assignee": "x"}, "Select a valid choice."),
    ],
)
def test_bad_input_to_notes_links_and_assignment_is_refused(
    staff_client, submit_complaint, route, prefix, fields, message
):
    case = submit_complaint().case

    response = staff_client.post(f"/staff/cases/{case.id}/{route}/", form_data(prefix, 1, **fields), **ENGLISH)

    assert response.status_code == 400
    assert str(message) in page(response)
    assert events(case) == ["complaint.submitted"]


def test_a_colleague_of_another_organisation_cannot_be_assigned(staff_client, submit_complaint, other_provider):
    case = submit_complaint().case
    stranger = make_staff(other_provider, "stranger")

    response = staff_client.post(
        f"/staff/cases/{case.id}/assign/", form_data("assign", 1, assignee=stranger.pk), **ENGLISH
    )

    assert response.status_code == 400
    assert fresh(case).assignee_id is None


# --- Who may post ---------------------------------------------------------------------------------


POST_ROUTES = [
    ("actions/accept", "action-accept", {"note": "x"}),
    ("actions/reject", "action-reject", {"reason": "invalid", "explanation": "x"}),
    ("notes", "note", {"note": "x"}),
    ("links", "link", {"link": "related", "other_reference": "{other}"}),
    ("claim", "claim", {}),
    ("assign", "assign", {"assignee": "{me}"}),
    ("unassign", "unassign", {}),
]


@pytest.mark.parametrize(("route", "prefix", "fields"), POST_ROUTES)
def test_another_organisations_case_is_not_found_on_every_route(
    client, submit_complaint, other_provider, route, prefix, fields
):
    case = submit_complaint().case
    other = submit_complaint().case
    stranger = make_staff(other_provider, "stranger")
    client.force_login(stranger)
    before = Event.objects.count()
    values = {k: v.format(other=other.reference, me=stranger.pk) for k, v in fields.items()}

    response = client.post(f"/staff/cases/{case.id}/{route}/", form_data(prefix, 1, **values))

    assert response.status_code == 404
    assert Event.objects.count() == before


@pytest.mark.parametrize(("route", "prefix", "fields"), POST_ROUTES)
def test_routes_take_only_posts_from_signed_in_staff(client, submit_complaint, route, prefix, fields):
    case = submit_complaint().case
    url = f"/staff/cases/{case.id}/{route}/"

    anonymous = client.post(url, form_data(prefix, 1))

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/staff/login/")
    assert events(case) == ["complaint.submitted"]


def test_the_forms_answer_only_posts(staff_client, submit_complaint):
    case = submit_complaint().case

    assert staff_client.get(step_url(case, "accept")).status_code == 405
    assert staff_client.get(f"/staff/cases/{case.id}/notes/").status_code == 405


def test_forms_post_with_a_csrf_token(agent_user, submit_complaint):
    from django.test import Client

    case = submit_complaint().case
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent_user)

    refused = browser.post(step_url(case, "accept"), form_data("action-accept", 1))
    html = page(browser.get(case_url(case)))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    accepted = browser.post(step_url(case, "accept"), {**form_data("action-accept", 1), "csrfmiddlewaretoken": token})

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert fresh(case).state == "triaged"


# --- Notes, links and assignment ------------------------------------------------------------------


def test_an_internal_note_is_recorded_and_shown_to_staff(staff_client, submit_complaint):
    case = submit_complaint().case

    response = staff_client.post(
        f"/staff/cases/{case.id}/notes/", form_data("note", 1, note="Called the uploader.\nNo answer."), **ENGLISH
    )
    html = page(staff_client.get(case_url(case), **ENGLISH))

    assert response.status_code == 302
    assert events(case) == ["complaint.submitted", "case.note_added"]
    assert "Internal note added." in html
    assert "Called the uploader.<br>No answer." in html
    assert "Provider agent <strong>agent</strong>" in html


def test_internal_notes_never_reach_the_tracking_page_or_the_public_api(client, staff_client, submit_complaint):
    submission = submit_complaint()
    case = submission.case
    staff_client.post(f"/staff/cases/{case.id}/notes/", form_data("note", 1, note="Secret: uploader is VIP."))
    assert "case.note_added" in events(case)
    staff_client.logout()

    client.post(f"/track/{case.reference}/", {"token": submission.tracking_token})
    tracking = page(client.get(f"/track/{case.reference}/", **ENGLISH))
    api = client.post(
        "/api/v1/public/track/",
        json.dumps({"reference": case.reference, "token": submission.tracking_token}),
        content_type="application/json",
        **ENGLISH,
    )

    assert case.reference in tracking
    assert "Secret" not in tracking
    assert "Internal note" not in tracking
    assert api.status_code == 200
    assert "Secret" not in api.content.decode()
    assert len(api.json()["timeline"]) == 1


def test_linked_cases_are_recorded_on_both_and_shown_with_links(staff_client, submit_complaint):
    duplicate = submit_complaint().case
    original = submit_complaint().case
    related = submit_complaint().case

    first = staff_client.post(
        f"/staff/cases/{duplicate.id}/links/",
        form_data("link", 1, link="duplicate_of", other_reference=original.reference.lower()),
        **ENGLISH,
    )
    second = staff_client.post(
        f"/staff/cases/{duplicate.id}/links/",
        form_data("link", 2, link="related", other_reference=related.reference),
        **ENGLISH,
    )

    assert first.status_code == second.status_code == 302
    duplicate_page = page(staff_client.get(case_url(duplicate), **ENGLISH))
    original_page = page(staff_client.get(case_url(original), **ENGLISH))
    assert f"Linked to {original.reference}." in duplicate_page
    facts = re.search(r'<dl class="facts">.*?</dl>', duplicate_page, re.S).group(0)
    assert re.search(
        rf'<dt>Duplicate of</dt>\s*<dd><a href="{case_url(original)}" class="reference">{original.reference}</a></dd>',
        facts,
    )
    assert re.search(
        rf'<dt>Related to</dt>\s*<dd><a href="{case_url(related)}" class="reference">{related.reference}</a></dd>',
        facts,
    )
    assert re.search(
        rf'<dt>Has a duplicate</dt>\s*<dd><a href="{case_url(duplicate)}" class="reference">{duplicate.reference}</a>',
        original_page,
    )
    assert events(original)[-1] == "case.linked"


def test_linking_a_case_twice_is_refused_beside_the_reference(staff_client, submit_complaint):
    case = submit_complaint().case
    other = submit_complaint().case
    fields = {"link": "related", "other_reference": other.reference}
    staff_client.post(f"/staff/cases/{case.id}/links/", form_data("link", 1, **fields))

    response = staff_client.post(f"/staff/cases/{case.id}/links/", form_data("link", 2, **fields), **ENGLISH)

    assert response.status_code == 400
    assert '<p class="field-error" id="id_link-other_reference_error">' in page(response)
    assert "These cases are already linked." in page(response)


def test_assign_to_a_colleague_then_give_the_case_back(staff_client, submit_complaint, colleague_user):
    case = submit_complaint().case

    assigned = staff_client.post(
        f"/staff/cases/{case.id}/assign/", form_data("assign", 1, assignee=colleague_user.pk), **ENGLISH
    )
    shown = page(staff_client.get(case_url(case), **ENGLISH))
    unassigned = staff_client.post(f"/staff/cases/{case.id}/unassign/", form_data("unassign", 2), **ENGLISH)

    assert assigned.status_code == unassigned.status_code == 302
    assert "The case is now assigned to colleague." in shown
    assert "Assigned to <strong>colleague</strong>" in shown
    assert fresh(case).assignee_id is None
    assert events(case)[-2:] == ["case.assigned", "case.assigned"]


def test_claiming_a_case_someone_else_has_is_refused(staff_client, submit_complaint, agent, colleague_user):
    case = submit_complaint().case
    commands.case_assign(case_id=case.id, actor=agent, expected_version=1, assignee_id=colleague_user.pk)

    response = staff_client.post(f"/staff/cases/{case.id}/claim/", form_data("claim", 2), **ENGLISH)

    assert response.status_code == 403
    assert "This case is already assigned to someone else." in page(response)
    assert fresh(case).assignee_id == colleague_user.pk


# --- A step's form, whatever the kind asks for ----------------------------------------------------


def test_a_step_form_has_a_field_of_the_right_sort_for_every_argument():
    from cases.actions import Action, ActionArgument
    from cases.web.staff_action_forms import ActionForm
    from cases.workflows.base import Argument

    many = [(f"c{n}", f"Choice {n}") for n in range(8)]
    action = Action(
        name="weigh",
        label="Weigh",
        target="weighed",
        arguments=[
            ActionArgument("title", True, Argument("Title")),
            ActionArgument("body", False, Argument("Body", "long")),
            ActionArgument("grade", False, Argument("Grade", "choice", many)),
            ActionArgument("other", False, Argument("Other case", "reference", help="Its reference.")),
            ActionArgument("reviewer", True, Argument("Reviewer", "staff")),
        ],
    )
    form = ActionForm(
        {"w-expected_version": "3", "w-title": " A title ", "w-reviewer": "7"},
        action=action,
        staff=[(7, "li"), (8, "wang")],
        prefix="w",
    )

    assert form.is_valid(), form.errors
    assert form.command_arguments() == {"title": "A title", "reviewer": 7}  # empty optional ones left out
    kinds = {part.field.name: (part.kind, part.field.widget_type) for part in form.parts}
    assert kinds == {
        "title": ("field", "text"),
        "body": ("field", "textarea"),
        "grade": ("field", "select"),  # too many choices for radio buttons
        "other": ("field", "text"),
        "reviewer": ("field", "select"),
    }
    assert str(form["reviewer"]).count("<option") == 3  # nobody chosen yet, li, wang
    assert ActionForm(
        {"w-expected_version": "3", "w-title": "t", "w-reviewer": "9"}, action=action, staff=[(7, "li")], prefix="w"
    ).errors["reviewer"]
