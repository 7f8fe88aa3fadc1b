"""A long history on the staff case page: the latest events shown, older ones a page at a time
through links that work without scripts, and the page's integrity claim kept honest."""

from __future__ import annotations

import re

import pytest

from cases import commands
from cases.eventstore import Event
from cases.staff_queries import HISTORY_PAGE_SIZE
from tests.conftest import tamper

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
EVENTS = HISTORY_PAGE_SIZE + 5


@pytest.fixture
def staff_client(client, agent_user):
    client.force_login(agent_user)
    return client


@pytest.fixture
def long_case(submit_complaint, agent):
    """A complaint with more events than a page shows: filed, accepted, then internal notes."""
    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    for version in range(2, EVENTS):
        commands.case_note_add(case_id=case.id, actor=agent, expected_version=version, note=f"Follow-up {version}")
    case.refresh_from_db()
    assert case.version == EVENTS
    return case


def shown_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<span class="history__number">(\d+)\.</span>', html)]


def get(client, case, query=""):
    response = client.get(f"/staff/cases/{case.id}/{query}", **ENGLISH)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_the_latest_events_and_links_to_the_earlier_ones(staff_client, long_case):
    html = get(staff_client, long_case)

    assert shown_numbers(html) == list(range(6, EVENTS + 1))
    assert f"Events 6 to {EVENTS} of {EVENTS} are shown." in html
    assert f'href="/staff/cases/{long_case.id}/?before=6#history-title" rel="prev"' in html
    assert "Later events" not in html


def test_the_earlier_page_shows_the_first_events_and_links_back(staff_client, long_case):
    html = get(staff_client, long_case, "?before=6")

    assert shown_numbers(html) == [1, 2, 3, 4, 5]
    assert "Follow-up 5" not in html
    assert f'href="/staff/cases/{long_case.id}/?#history-title" rel="next">Later events</a>' in html
    assert "Earlier events" not in html


def test_a_nonsense_before_shows_the_latest_events(staff_client, long_case):
    for query in ("?before=abc", "?before=-3", "?before=99999999999999", "?before=0"):
        assert shown_numbers(get(staff_client, long_case, query))[-1] == EVENTS


def test_the_claim_says_what_was_checked(staff_client, long_case):
    html = get(staff_client, long_case)

    assert f"the {HISTORY_PAGE_SIZE} events shown match their hashes" in html
    assert f"all {EVENTS} events of this case link into an unbroken hash chain" in html
    assert "Verified just now" not in html


def test_an_altered_event_among_those_shown_is_named(staff_client, long_case):
    target = Event.objects.get(stream_id=long_case.id, stream_version=EVENTS - 1)
    tamper("UPDATE cases_event SET data = %s WHERE position = %s", ['{"note": "forged"}', target.pk])

    html = get(staff_client, long_case)

    assert "failed verification" in html
    assert "history__entry--broken" in html
    assert f"Event {EVENTS - 1} (position {target.pk} in the log)" in html
    assert "its content does not match its hash (altered)" in html


def test_a_broken_link_among_the_events_not_shown_is_named(staff_client, long_case):
    # A forger who rewrites an early event with a fresh hash breaks the next link, which the
    # page checks for every event, shown or not.
    target = Event.objects.get(stream_id=long_case.id, stream_version=3)
    forged = Event.objects.get(pk=target.pk)
    forged.data = {"note": "forged"}
    tamper(
        "UPDATE cases_event SET data = %s, hash = %s WHERE position = %s",
        ['{"note": "forged"}', forged.computed_hash(), target.pk],
    )

    html = get(staff_client, long_case)

    assert "failed verification" in html
    following = Event.objects.get(stream_id=long_case.id, stream_version=4)
    assert f"Event 4 (position {following.pk} in the log)" in html
    # Everything after the break is shown as not verified.
    assert "history__entry--verified" not in html


def test_the_long_page_takes_two_queries_more_than_a_short_one(staff_client, long_case, django_assert_max_num_queries):
    # Those of a short case's page (see test_staff_workspace), the chain's links read apart
    # from the events shown, and whether this person revealed the filer's data (a reveal may
    # lie among the events not shown).
    with django_assert_max_num_queries(16):
        get(staff_client, long_case)


def test_the_api_history_still_holds_every_event(client, agent_user, long_case):
    client.force_login(agent_user)
    response = client.get(f"/api/v1/staff/cases/{long_case.id}/events/")
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == EVENTS
    assert body["intact"] is True


def test_every_event_shown_carries_its_hashes_under_labels_in_the_readers_language(staff_client, long_case):
    last = Event.objects.get(stream_id=long_case.id, stream_version=EVENTS)
    for language, labels in (("en", ("Full hashes", "Previous hash", "Event type")), ("zh-hans", ("完整哈希值",))):
        html = staff_client.get(f"/staff/cases/{long_case.id}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        for label in labels:
            assert html.count(label) == HISTORY_PAGE_SIZE, (language, label)
    html = get(staff_client, long_case)
    entry = html[html.index(f'id="event-{EVENTS}-title"') :]
    entry = entry[: entry.index("</article>")]
    assert f'<code class="hash">{last.hash}</code>' in entry
    assert f'<code class="hash">{last.previous_hash}</code>' in entry
    assert f"<dt>Event type</dt><dd><code>{last.type}</code></dd>" in entry
