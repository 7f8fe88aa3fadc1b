"""The queues of the staff workspace: mine, unassigned, all and one per kind, each with its
count of open cases; "next case"; and assigning the cases ticked in the queue."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape

from accounts.actors import Actor
from cases import commands, staff_queries
from cases.errors import CommandInvalid
from cases.eventstore import Event
from cases.kinds import declarations
from cases.models import Case
from cases.staff_queries import OpenCount, QueueFilters, queue_counts, queue_page
from cases.web.staff_forms import MSG_ASSIGNEE_OUTSIDE, MSG_MINE_OR_UNASSIGNED, MSG_SELECT_CASES
from cases.workflows.base import MSG_ASSIGNEE_NOT_STAFF
from tests.conftest import make_staff
from tests.web.test_staff_workspace import ENGLISH, QUEUE, page, queue_references

pytestmark = pytest.mark.django_db

NEXT = "/staff/next/"
ASSIGN = "/staff/assign/"


@pytest.fixture
def staff_client(client, agent_user):
    client.force_login(agent_user)
    return client


@pytest.fixture
def colleague(provider):
    return make_staff(provider, "colleague")


@pytest.fixture
def queues(submit_complaint, agent, agent_user, colleague, other_provider):
    """Open cases: two of mine, one of a colleague's, two nobody's (one an appeal); finished
    cases that count in no queue; and another organisation's open case."""
    mine = [submit_complaint(description=f"Mine {n}").case for n in range(2)]
    for case in mine:
        commands.case_assign(case_id=case.id, actor=agent, expected_version=1, assignee_id=agent_user.pk)
    theirs = submit_complaint(description="Colleague's").case
    commands.case_assign(case_id=theirs.id, actor=agent, expected_version=1, assignee_id=colleague.pk)
    nobodys = submit_complaint(description="Nobody's").case
    rejected = submit_complaint(description="Rejected").case
    commands.complaint_reject(case_id=rejected.id, actor=agent, expected_version=1, reason="invalid", explanation="No.")
    appeal = commands.appeal_file_against_decision(
        case_id=rejected.id, actor=Actor.public(tracked_case_ids=frozenset({rejected.id})), statement="Unfair."
    ).case
    commands.complaint_submit(
        organisation=other_provider, actor=Actor.public(), category="other", description="Not ours"
    )
    return {"mine": mine, "theirs": theirs, "nobodys": nobodys, "rejected": rejected, "appeal": appeal}


def _tabs(html: str) -> dict[str, tuple[str, str, bool]]:
    """Each queue link: label → (href, count text, current)."""
    nav = re.search(r'<nav class="queue-tabs"[^>]*>(.*?)</nav>', html, re.S).group(1)
    found = {}
    for attributes, label, count in re.findall(
        r'<a ([^>]*)>([^<]+?) <span class="queue-tabs__count">([^<]+)</span></a>', nav
    ):
        href = re.search(r'href="([^"]*)"', attributes).group(1).replace("&amp;", "&")
        found[label] = (href, count, 'aria-current="page"' in attributes)
    return found


# --- Queues and their counts --------------------------------------------------------------------


def test_each_queue_is_a_link_with_its_count_of_open_cases(staff_client, queues):
    tabs = _tabs(page(staff_client.get(QUEUE, **ENGLISH)))

    open_by_kind = {"complaint": 4, "appeal": 1}
    with translation.override("en"):
        per_kind = {
            str(d.label): (f"/staff/?kind={d.kind}", f"{open_by_kind.get(d.kind, 0)} open", False)
            for d in declarations()
        }
    assert tabs == {
        "Assigned to me": ("/staff/?mine=on", "2 open", False),
        "Unassigned": ("/staff/?unassigned=on", "2 open", False),
        "All cases": ("/staff/", "5 open", True),
        **per_kind,  # one queue per registered kind
    }


def test_the_counts_are_two_queries_and_the_organisations_is_the_same_for_all_its_staff(agent, colleague, queues):
    with CaptureQueriesContext(connection) as asked:
        counts = queue_counts(actor=agent)
    with CaptureQueriesContext(connection) as asked_by_colleague:
        queue_counts(actor=Actor.for_user(colleague))

    assert (counts.mine, counts.unassigned, counts.total) == (OpenCount(2), OpenCount(2), OpenCount(5))
    assert {kind: n.value for kind, n in counts.by_kind.items() if n.value} == {"complaint": 4, "appeal": 1}
    assert not any(n.more for n in counts.by_kind.values())
    assert len(asked) == len(asked_by_colleague) == 2
    # The organisation's counts, then each one's own.
    assert asked[0]["sql"] == asked_by_colleague[0]["sql"]
    assert asked[1]["sql"] != asked_by_colleague[1]["sql"]


@pytest.mark.postgres
def test_the_organisations_counts_are_a_statement_without_parameters_prepared_and_kept(agent, queues):
    """Planned once per connection: PostgreSQL keeps the plan of a prepared statement that has
    no parameters, where one with parameters is planned again on every run (plan_cache_mode)."""

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT parameter_types::text FROM pg_prepared_statements WHERE statement LIKE %s",
                ["SELECT 0 AS part, COUNT(*)%cases_case%complaint%"],
            )
            return [row[0] for row in cursor.fetchall()]

    queue_counts(actor=agent)
    assert prepared() == []
    for _ in range(3):  # psycopg prepares a statement once it has run `prepare_threshold` times
        queue_counts(actor=agent)
    assert prepared() == ["{}"]


def test_the_counts_follow_the_cases_though_their_statement_is_written_once(agent, queues, submit_complaint):
    before = queue_counts(actor=agent)
    commands.complaint_accept(case_id=queues["nobodys"].id, actor=agent, expected_version=1)
    commands.case_assign(case_id=submit_complaint().case.id, actor=agent, expected_version=1, assignee_id=agent.user_id)

    after = queue_counts(actor=agent)

    assert (before.mine, before.unassigned, before.total) == (OpenCount(2), OpenCount(2), OpenCount(5))
    assert (after.mine, after.unassigned, after.total) == (OpenCount(3), OpenCount(2), OpenCount(6))


def test_counts_belong_to_whoever_asks(colleague, queues, other_provider):
    assert queue_counts(actor=Actor.for_user(colleague)).mine == OpenCount(1)
    stranger = Actor.for_user(make_staff(other_provider, "stranger"))
    assert queue_counts(actor=stranger).total == OpenCount(1)
    nothing = queue_counts(actor=Actor.public())
    assert (nothing.mine, nothing.unassigned, nothing.total) == (OpenCount(), OpenCount(), OpenCount())
    assert set(nothing.by_kind.values()) == {OpenCount()}


def test_a_count_stops_at_its_limit_and_the_tab_says_there_are_more(staff_client, queues, monkeypatch):
    # Four open complaints, two of them mine, two nobody's: with a limit of 2, the complaints'
    # count stops; the queues of exactly 2 and the single appeal are still exact.
    monkeypatch.setattr(staff_queries, "QUEUE_COUNT_LIMIT", 2)

    tabs = _tabs(page(staff_client.get(QUEUE, **ENGLISH)))

    assert tabs["Complaint or report"][1] == "more than 2 open"
    assert tabs["All cases"][1] == "more than 3 open"  # the complaints' 2, then the appeal
    assert tabs["Appeal"][1] == "1 open"
    assert tabs["Assigned to me"][1] == "2 open"
    assert tabs["Unassigned"][1] == "2 open"


@pytest.mark.postgres
def test_the_planner_knows_how_kind_state_and_assignee_go_together(queues):
    # Without these statistics PostgreSQL takes nobody's appeals to be one in six of the
    # organisation's appeals, and sorts them all for a page instead of reading one page.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
        cursor.execute(
            "SELECT array_agg(a.attname::text ORDER BY a.attname), bool_and(d.stxdmcv IS NOT NULL)"
            " FROM pg_statistic_ext s JOIN pg_statistic_ext_data d ON d.stxoid = s.oid"
            " CROSS JOIN unnest(s.stxkeys) AS k(attnum)"
            " JOIN pg_attribute a ON a.attrelid = s.stxrelid AND a.attnum = k.attnum"
            " WHERE s.stxname = 'case_kind_state_assignee_stats'"
        )
        columns, gathered = cursor.fetchone()
    assert columns == ["assignee_id", "kind", "state"]
    assert gathered  # ANALYZE filled in their most common combinations


def test_each_queue_lists_its_cases_and_is_marked_as_the_current_one(staff_client, queues):
    ref = {
        name: [c.reference for c in value] if isinstance(value, list) else value.reference
        for name, value in queues.items()
    }

    mine = staff_client.get(QUEUE, {"mine": "on"}, **ENGLISH)
    unassigned = staff_client.get(QUEUE, {"unassigned": "on"}, **ENGLISH)
    appeals = staff_client.get(QUEUE, {"kind": "appeal"}, **ENGLISH)

    assert set(queue_references(mine)) == set(ref["mine"])
    # The unassigned queue lists finished cases too (last, with no deadline); its count is of open ones.
    # (Which of the two open ones is due first depends on the weekday the test runs on.)
    listed = queue_references(unassigned)
    assert (set(listed[:2]), listed[2:]) == ({ref["nobodys"], ref["appeal"]}, [ref["rejected"]])
    assert queue_references(appeals) == [ref["appeal"]]
    assert _tabs(page(mine))["Assigned to me"][2] is True
    assert _tabs(page(unassigned))["Unassigned"][2] is True
    assert _tabs(page(appeals))["Appeal"][2] is True
    assert _tabs(page(appeals))["All cases"][2] is False


def test_mine_and_unassigned_together_are_refused_with_an_explanation(staff_client, queues):
    response = staff_client.get(QUEUE, {"mine": "on", "unassigned": "on"}, **ENGLISH)

    assert response.status_code == 400
    assert "There is a problem" in page(response)
    assert str(MSG_MINE_OR_UNASSIGNED) in page(response)


@pytest.mark.parametrize(
    "filters",
    [
        QueueFilters(),
        QueueFilters(unassigned=True),
        QueueFilters(assigned_to_me=True),
        QueueFilters(kind="complaint"),
        QueueFilters(kind="complaint", unassigned=True),
        QueueFilters(kind="complaint", state="submitted", unassigned=True),
        QueueFilters(kind="appeal", state="filed"),
    ],
)
def test_keyset_pages_hold_every_case_once_under_every_filter(agent, agent_user, submit_complaint, filters):
    for n in range(7):
        case = submit_complaint(description=f"Complaint {n}").case
        if n % 3 == 0:
            commands.case_assign(case_id=case.id, actor=agent, expected_version=1, assignee_id=agent_user.pk)
        if n % 4 == 1:  # finished: no deadline, at the end of the queue
            commands.complaint_reject(
                case_id=case.id, actor=agent, expected_version=1, reason="invalid", explanation="-"
            )
    rejected = Case.objects.filter(state="rejected").first()
    commands.appeal_file_against_decision(
        case_id=rejected.id, actor=Actor.public(tracked_case_ids=frozenset({rejected.id})), statement="No."
    )
    whole = [c.reference for c in queue_page(actor=agent, filters=filters, size=100).cases]
    assert whole  # every filter here matches something

    forward, cursor = [], ""
    while True:
        result = queue_page(actor=agent, filters=filters, cursor=cursor, size=2)
        forward += [c.reference for c in result.cases]
        if not result.next_cursor:
            break
        cursor = result.next_cursor
    backward, cursor = [], queue_page(actor=agent, filters=filters, cursor=cursor, size=2).previous_cursor
    while cursor:
        result = queue_page(actor=agent, filters=filters, cursor=cursor, size=2)
        backward = [c.reference for c in result.cases] + backward
        cursor = result.previous_cursor

    assert forward == whole
    assert whole[: len(backward)] == backward


def test_paging_the_unassigned_queue_keeps_the_filter(staff_client, submit_complaint, agent, agent_user):
    for n in range(52):
        submit_complaint(description=f"Waiting {n}")
    mine = submit_complaint(description="Mine").case
    commands.case_assign(case_id=mine.id, actor=agent, expected_version=1, assignee_id=agent_user.pk)

    first = page(staff_client.get(QUEUE, {"unassigned": "on"}, **ENGLISH))
    next_link = re.search(r'href="/staff/\?([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = staff_client.get(f"{QUEUE}?{next_link}", **ENGLISH)

    assert "unassigned=on" in next_link
    assert len(queue_references(second)) == 2
    assert mine.reference not in page(second)


# --- Next case ----------------------------------------------------------------------------------


def test_next_case_assigns_the_most_urgent_case_and_opens_it(staff_client, submit_complaint, agent_user):
    first = submit_complaint(description="Filed first").case
    submit_complaint(description="Filed second")

    response = staff_client.post(NEXT, **ENGLISH)

    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{first.id}/"
    assert Case.objects.get(pk=first.pk).assignee_id == agent_user.pk
    assert f"Case {first.reference} is now assigned to you." in page(staff_client.get(response["Location"], **ENGLISH))


def test_next_case_with_nothing_waiting_goes_back_to_the_queue_and_says_so(staff_client, queues, agent_user):
    for case in (queues["nobodys"], queues["appeal"]):
        commands.case_assign(
            case_id=case.id, actor=Actor.for_user(agent_user), expected_version=case.version, assignee_id=agent_user.pk
        )

    response = staff_client.post(NEXT, **ENGLISH)

    assert response.status_code == 302
    assert response["Location"] == QUEUE
    assert "No unclaimed case is waiting." in page(staff_client.get(QUEUE, **ENGLISH))


def test_next_case_is_a_post_for_signed_in_staff_only(client, staff_client, submit_complaint):
    case = submit_complaint().case

    assert staff_client.get(NEXT).status_code == 405
    client.logout()
    response = client.post(NEXT)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    assert Case.objects.get(pk=case.pk).assignee_id is None


def test_the_queue_offers_next_case_as_a_form_with_a_csrf_token(staff_client, queues):
    html = page(staff_client.get(QUEUE, **ENGLISH))

    form = re.search(r'<form method="post" action="/staff/next/".*?</form>', html, re.S).group(0)
    assert 'name="csrfmiddlewaretoken"' in form
    assert "Take the next case" in form


# --- Assigning several cases at once -------------------------------------------------------------


def _selection(*cases, versions=None):
    data = {"case": [str(c.id) for c in cases]}
    for case in cases:
        data[f"version-{case.id}"] = str((versions or {}).get(case.id, case.version))
    return data


def test_each_open_row_has_a_named_checkbox_and_the_version_it_shows(staff_client, queues):
    html = page(staff_client.get(QUEUE, **ENGLISH))
    nobodys, rejected = queues["nobodys"], queues["rejected"]

    # Its name is read from the column's heading and the row's reference: "Select C-…".
    assert (
        f'<input type="checkbox" name="case" value="{nobodys.id}" id="select-{nobodys.id}" '
        f'aria-labelledby="select-column reference-{nobodys.id}">'
    ) in html
    assert '<th scope="col" id="select-column">Select</th>' in html
    assert re.search(rf'<th scope="row" id="reference-{nobodys.id}"><a [^>]*>{nobodys.reference}</a></th>', html)
    assert f'<input type="hidden" name="version-{nobodys.id}" value="{nobodys.version}">' in html
    assert f'value="{rejected.id}"' not in html  # finished: nothing to assign
    assert '<label class="label" for="id_assignee">Assign to</label>' in html
    assert "Assign selected" in html


def test_ticked_cases_are_assigned_and_one_changed_meanwhile_is_reported_by_reference(
    staff_client, submit_complaint, agent, colleague
):
    cases = [submit_complaint(description=f"Complaint {n}").case for n in range(3)]
    loaded = _selection(*cases)  # the versions the page showed
    changed = cases[1]
    commands.complaint_accept(case_id=changed.id, actor=agent, expected_version=1)  # someone acts meanwhile
    events_before = Event.objects.count()

    response = staff_client.post(ASSIGN, {**loaded, "assignee": colleague.pk, "query": "kind=complaint"}, **ENGLISH)

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?kind=complaint"
    stored = {case.id: Case.objects.get(pk=case.id) for case in cases}
    assert stored[cases[0].id].assignee_id == colleague.pk
    assert stored[cases[2].id].assignee_id == colleague.pk
    assert stored[changed.id].assignee_id is None  # left as it was
    assert stored[changed.id].version == 2
    assigned = Event.objects.filter(type="case.assigned").order_by("position")
    assert Event.objects.count() == events_before + 2
    assert [e.stream_id for e in assigned] == [cases[0].id, cases[2].id]
    html = page(staff_client.get(response["Location"], **ENGLISH))
    assert f"Assigned to colleague: {cases[0].reference}, {cases[2].reference}." in html
    assert f"Not assigned, changed since you loaded the page: {changed.reference}." in html


def test_a_case_finished_meanwhile_is_reported_and_left_alone(staff_client, submit_complaint, agent, colleague):
    case = submit_complaint().case
    selection = _selection(case, versions={case.id: 2})
    commands.complaint_reject(case_id=case.id, actor=agent, expected_version=1, reason="invalid", explanation="No.")

    response = staff_client.post(ASSIGN, {**selection, "assignee": colleague.pk}, **ENGLISH)

    html = page(staff_client.get(response["Location"], **ENGLISH))
    assert f"Not assigned, no longer being handled: {case.reference}." in html
    assert Case.objects.get(pk=case.pk).assignee_id is None


def test_an_assignee_outside_the_organisation_is_refused_and_nothing_is_assigned(
    staff_client, submit_complaint, other_provider
):
    cases = [submit_complaint().case for _ in range(2)]
    outsider = make_staff(other_provider, "outsider")
    events_before = Event.objects.count()

    response = staff_client.post(ASSIGN, {**_selection(*cases), "assignee": outsider.pk}, **ENGLISH)

    assert response.status_code == 400
    html = page(response)
    assert "There is a problem" in html
    assert f'<a href="#id_assignee">Assign to: {escape(MSG_ASSIGNEE_OUTSIDE)}</a>' in html
    assert Event.objects.count() == events_before
    # The cases stay ticked, so the choice can be corrected and sent again.
    assert all(re.search(rf'value="{case.id}" id="select-{case.id}" [^>]* checked>', html) for case in cases)


def test_assigning_without_a_ticked_case_or_an_assignee_explains_what_is_missing(staff_client, submit_complaint):
    case = submit_complaint().case

    nothing_ticked = staff_client.post(ASSIGN, {"assignee": ""}, **ENGLISH)
    nobody_chosen = staff_client.post(ASSIGN, _selection(case), **ENGLISH)

    assert nothing_ticked.status_code == 400
    assert str(MSG_SELECT_CASES) in page(nothing_ticked)
    assert nobody_chosen.status_code == 400
    assert "Choose whom to assign the selected cases to." in page(nobody_chosen)
    assert Case.objects.get(pk=case.pk).assignee_id is None


def test_assigning_another_organisations_case_changes_nothing(staff_client, other_provider, colleague):
    elsewhere = commands.complaint_submit(
        organisation=other_provider, actor=Actor.public(), category="other", description="Not ours"
    ).case

    response = staff_client.post(ASSIGN, {**_selection(elsewhere), "assignee": colleague.pk}, **ENGLISH)

    assert response.status_code == 302
    assert Case.objects.get(pk=elsewhere.pk).assignee_id is None
    assert elsewhere.reference not in page(staff_client.get(response["Location"], **ENGLISH))


def test_the_bulk_command_refuses_an_assignee_of_another_organisation_before_touching_a_case(
    agent, submit_complaint, other_provider
):
    case = submit_complaint().case
    outsider = make_staff(other_provider, "outsider")

    with pytest.raises(CommandInvalid) as refused:
        commands.case_assign_many(actor=agent, assignee_id=outsider.pk, versions={case.id: 1})

    assert refused.value.errors == {"assignee": [str(MSG_ASSIGNEE_NOT_STAFF)]}
    assert Case.objects.get(pk=case.pk).version == 1


def test_a_title_is_written_into_the_queue_as_text(staff_client, agent):
    hostile = '<script>alert(1)</script> & "quoted" <b>'
    commands.case_open(
        kind="incident",
        actor=agent,
        arguments={"grade": "major", "service": "Voice cloning", "description": "Unlabelled.", "title": hostile},
    )

    html = page(staff_client.get(QUEUE, **ENGLISH))

    assert f"<td>{escape(hostile)}</td>" in html
    assert "<script>alert(1)" not in html
