"""The feature library in the staff workspace: browsing, filtering and searching entries,
proposing one (with every bad input named), approving it as someone else, and what a
matching complaint filed on the public form looks like to staff."""

from __future__ import annotations

import re

import pytest

from accounts.actors import Actor
from accounts.models import Role
from cases import commands
from cases.events import CaseEvent
from cases.eventstore import Event
from cases.feature_patterns import MSG_PATTERN_NESTED
from cases.models import Case, Priority
from cases.workflows.feature_entry import MSG_PROPOSER
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

LIBRARY = "/staff/features/"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def page(response) -> str:
    return response.content.decode()


def listed(response) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", page(response), re.S).group(1)
    return re.findall(r'<a class="reference" href="/staff/cases/[^"]+/">([^<]+)</a>', body)


def proposal(**fields) -> dict[str, str]:
    """The proposal form's fields as the browser sends them (the form has a prefix of its own)."""
    return {f"proposal-{name}": value for name, value in fields.items()}


def error_summary(response) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', page(response), re.S)
    assert found, "the page has no error summary"
    return found.group(0)


@pytest.fixture
def reviewer_user(provider):
    return make_staff(provider, "reviewer", role=Role.SUPERVISOR)


@pytest.fixture
def agent_client(client, agent_user):
    client.force_login(agent_user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def library(agent, reviewer_user):
    """One entry of each sort: keywords and a file approved, an account proposed, an
    expression retired."""
    reviewer = Actor.for_user(reviewer_user)

    def propose(sort, value, syntax="", category="impersonation_fraud", rule="Rule 4.2."):
        return commands.feature_entry_propose(
            actor=agent, sort=sort, syntax=syntax, value=value, category=category, rule=rule
        )

    def step(entry, action, **arguments):
        version = Case.objects.get(pk=entry.id).version
        commands.case_act(
            case_id=entry.id, actor=reviewer, expected_version=version, action=action, arguments=arguments
        )

    keywords = propose("text", "冒充客服\n官方退款", "keywords")
    step(keywords, "approve")
    digest = propose("file", DIGEST, category="false_information", rule="A known fake video (rule 9).")
    step(digest, "approve")
    account = propose("account", "fake-support")
    expression = propose("text", r"deep\s?fake\s教程", "regex", category="illegal_harmful")
    step(expression, "approve")
    step(expression, "retire", reason="Gone.")
    return {"keywords": keywords, "file": digest, "account": account, "regex": expression}


def test_the_library_lists_every_entry_newest_first_with_its_sort_state_and_proposer(agent_client, library):
    response = agent_client.get(LIBRARY)

    assert response.status_code == 200
    references = [library[name].reference for name in ("regex", "account", "file", "keywords")]
    assert listed(response) == references
    html = page(response)
    assert "冒充客服 · 官方退款" in html
    assert DIGEST in html
    assert "Proposed, awaiting a second person" in html and "Retired" in html
    assert html.count("<td>agent</td>") == 4
    assert 'href="/staff/features/" aria-current="page"' in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "every id on the page is unique"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"sort": "file"}, ["file"]),
        ({"sort": "text"}, ["regex", "keywords"]),
        ({"state": "approved"}, ["file", "keywords"]),
        ({"state": "retired"}, ["regex"]),
        ({"category": "false_information"}, ["file"]),
        ({"q": "退款"}, ["keywords"]),
        ({"q": "deep"}, ["regex"]),
        ({"q": DIGEST.upper()}, ["file"]),
        ({"q": "fake-support"}, ["account"]),
        ({"q": "rule 9"}, ["file"]),
        ({"sort": "text", "state": "approved", "q": "客服"}, ["keywords"]),
        ({"q": "nothing like this"}, []),
    ],
)
def test_entries_are_filtered_by_sort_state_and_category_and_searched(agent_client, library, query, expected):
    response = agent_client.get(LIBRARY, query)

    assert response.status_code == 200
    assert listed(response) == [library[name].reference for name in expected]


def test_a_filter_that_is_not_a_choice_is_named_in_the_error_summary(agent_client, library):
    response = agent_client.get(LIBRARY, {"sort": "nonsense", "q": "x" * 201})

    assert response.status_code == 400
    summary = error_summary(response)
    assert 'href="#id_sort"' in summary and 'href="#id_q"' in summary


def test_the_library_is_paged_by_keyset(agent_client, agent, monkeypatch):
    monkeypatch.setattr("cases.feature_queries.FEATURE_PAGE_SIZE", 2)
    for number in range(5):
        commands.feature_entry_propose(
            actor=agent, sort="account", value=f"account-{number}", category="other", rule="R."
        )
    seen = []
    response = agent_client.get(LIBRARY)
    while True:
        seen += listed(response)
        following = re.search(r'href="\?([^"]+)" rel="next"', page(response))
        if following is None:
            break
        response = agent_client.get(LIBRARY + "?" + following.group(1).replace("&amp;", "&"))
    assert len(seen) == len(set(seen)) == 5


def test_proposing_an_entry_opens_its_case_page_where_the_proposer_may_not_approve_it(agent_client):
    response = agent_client.post(
        LIBRARY,
        proposal(
            sort="text",
            syntax="regex",
            value=r"(?i)deep\s?fake\s(教程|tutorial)",
            category="illegal_harmful",
            rule="Face-swap tutorials (rule 7).",
        ),
    )

    entry = Case.objects.get(kind="feature_entry")
    assert response.status_code == 302 and response["Location"] == f"/staff/cases/{entry.id}/"
    case_page = page(agent_client.get(response["Location"]))
    assert f"Entry {entry.reference} was proposed." in case_page
    assert "Regular expression" in case_page and r"(?i)deep\s?fake\s(教程|tutorial)" in case_page
    assert "The rule it implements" in case_page and "Face-swap tutorials (rule 7)." in case_page
    assert str(MSG_PROPOSER) in case_page
    assert "/actions/approve/" not in case_page

    refused = agent_client.post(f"/staff/cases/{entry.id}/actions/approve/", {"action-approve-expected_version": 1})
    assert refused.status_code == 403
    assert str(MSG_PROPOSER) in page(refused)
    assert Case.objects.get(pk=entry.id).state == "proposed"


def test_someone_else_approves_the_entry_on_its_case_page(client, agent, reviewer_user):
    entry = commands.feature_entry_propose(
        actor=agent, sort="account", value="fake-support", category="impersonation_fraud", rule="R."
    )
    client.force_login(reviewer_user)

    case_page = page(client.get(f"/staff/cases/{entry.id}/", **ENGLISH))
    assert f'action="/staff/cases/{entry.id}/actions/approve/"' in case_page

    response = client.post(f"/staff/cases/{entry.id}/actions/approve/", {"action-approve-expected_version": 1})
    assert response.status_code == 302
    assert Case.objects.get(pk=entry.id).state == "approved"


def test_a_hostile_expression_is_refused_beside_the_field_and_nothing_is_kept(agent_client):
    response = agent_client.post(
        LIBRARY, proposal(sort="text", syntax="regex", value="(a+)+$", category="other", rule="R.")
    )

    assert response.status_code == 400
    summary = error_summary(response)
    assert 'href="#id_proposal-value"' in summary
    assert str(MSG_PATTERN_NESTED) in page(response).replace("&#x27;", "'")
    assert 'aria-invalid="true"' in page(response)
    assert not Case.objects.exists()


def test_every_missing_or_bad_field_of_a_proposal_is_named_at_once(agent_client):
    empty = agent_client.post(LIBRARY, proposal())

    assert empty.status_code == 400
    summary = error_summary(empty)
    for name in ("sort_0", "value", "category", "rule"):
        assert f'href="#id_proposal-{name}"' in summary

    bad = agent_client.post(
        LIBRARY, proposal(sort="text", syntax="regex", value="(a+)+$", source_reference="C-2222-2222")
    )
    summary = error_summary(bad).replace("&#x27;", "'")
    assert str(MSG_PATTERN_NESTED) in summary
    assert "Choose the category of information the entry finds." in summary
    assert "Name the rule or entry standard this entry implements." in summary
    assert "No case of your organisation has that reference." in summary

    digest = agent_client.post(LIBRARY, proposal(sort="file", value="not a digest", category="other", rule="R."))
    assert "A SHA-256 is 64 hexadecimal characters" in error_summary(digest)

    too_long = agent_client.post(LIBRARY, proposal(source_reference="x" * 41))
    assert 'href="#id_proposal-source_reference"' in error_summary(too_long)
    assert not Case.objects.exists()


def test_people_who_are_not_staff_are_kept_out(client, provider):
    assert client.get(LIBRARY)["Location"].startswith("/staff/login/")


# --- A matching complaint, as staff see it ---------------------------------------------------


def test_a_complaint_filed_on_the_public_form_that_matches_is_raised_and_shown(client, agent_user, library):
    response = client.post(
        "/complaints/new/",
        {
            "category": "impersonation_fraud",
            "description": "有账号冒充客服，用合成声音诈骗。",
            "content_urls": "https://social.example.com/u/fake-support",
        },
    )
    assert response.status_code == 302
    complaint = Case.objects.get(kind="complaint")
    # Impersonation is filed as high priority; the match raises it one step.
    assert complaint.priority == Priority.URGENT
    event = Event.objects.get(stream_id=complaint.id, type=CaseEvent.FEATURE_MATCHED)
    entry = library["keywords"]

    client.force_login(agent_user)
    case_page = page(client.get(f"/staff/cases/{complaint.id}/", **ENGLISH))
    facts = re.search(r'<section aria-labelledby="facts-title">.*?</section>', case_page, re.S).group(0)
    assert "Matches in the feature library" in facts
    assert f'<a href="/staff/cases/{entry.id}/" class="reference">{entry.reference}</a>' in facts
    assert "Matched an entry of the feature library" in case_page
    assert "What matched" in case_page and "<code>冒充客服</code>" in case_page
    assert event.data["where"] == "description"

    queue = page(client.get("/staff/", **ENGLISH))
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{complaint.reference}.*?</tr>", queue, re.S).group(0)
    assert "Matches the feature library" in row
